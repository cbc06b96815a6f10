/** `vnflcm heal`: heal a VNF instance. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { CliError, ExitCode } from '../lib/errors.js';
import { operationFlags } from '../cli/flags/operation.js';
import { message, type MessageResult, type OperationResult } from '../cli/results.js';

export default class Heal extends BaseCommand {
  static override summary = 'Heal a VNF instance';
  static override description =
    'With --vnfc-instance, replaces those VNFCs (servers are rebuilt, ports and IPs stay); without, re-creates the whole ' +
    'stack from the stored request (new servers, new ids). The management hooks then provision the new VMs again.';
  static override examples = [
    '<%= config.bin %> heal f93ed99c-e2f2-4f18-8377-37a171ea344f --vnfc-instance 52431660-dde4-49de-99a4-9d593b17b9c4',
    '<%= config.bin %> heal f93ed99c-e2f2-4f18-8377-37a171ea344f',
  ];
  static override args = { 'vnf-instance': Args.string({ required: true, description: 'VNF instance ID to heal' }) };
  static override flags = {
    cause: Flags.string({ description: 'Specify the reason why a healing procedure is required.', helpValue: 'CAUSE' }),
    'vnfc-instance': Flags.string({ description: 'List of VNFC instances requiring a healing action.', multiple: true, helpValue: '<vnfc-instance-id>' }),
    'additional-param-file': Flags.string({ description: 'Additional parameters passed by the NFVO as input to the healing process.', helpValue: '<additional-param-file>' }),
    'dry-run': Flags.boolean({ description: "Print the Kubernetes driver's plan per node that a VNFC heal would run; change nothing", default: false }),
    ...operationFlags,
  };

  async run(): Promise<MessageResult | OperationResult> {
    const { args, flags } = await this.parse(Heal);
    const body: Record<string, unknown> = {};
    if (flags.cause) body.cause = flags.cause;
    if (flags['vnfc-instance']?.length) body.vnfcInstanceId = flags['vnfc-instance'];
    const { Store } = await import('../lib/store/index.js');
    const store = await Store.open();
    if (flags['additional-param-file']) {
      const { validateHealParamFile } = await import('../lib/params/validate.js');
      const { instanceDriver } = await import('../cli/instance-driver.js');
      const driver = await instanceDriver(store, args['vnf-instance']);
      Object.assign(body, await validateHealParamFile(flags['additional-param-file'], {}, driver));
    }
    if (flags['dry-run']) {
      if (!flags['vnfc-instance']?.length) throw new CliError('heal --dry-run shows the plan of a VNFC heal: give --vnfc-instance', ExitCode.usage);
      const { dryRunChange } = await import('../lib/lcm/dry-run.js');
      return message(await dryRunChange(store, args['vnf-instance'], { op: 'heal', vnfcIds: flags['vnfc-instance'] }));
    }
    const { runHeal } = await import('../lib/lcm/entrypoints.js');
    await runHeal(store, args['vnf-instance'], body, flags, this.operationSay(flags));
    return { type: 'operation', operation: 'HEAL', vnfInstanceId: args['vnf-instance'] };
  }
}
