/** `vnflcm instantiate`: instantiate a VNF instance. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { operationFlags } from '../cli/flags/operation.js';
import { message, type MessageResult, type OperationResult } from '../cli/results.js';

export default class Instantiate extends BaseCommand {
  static override summary = 'Instantiate a VNF instance';
  static override description =
    'Validates the param file against the VNF package, creates the Heat stack vnf-<id>, waits for it, then runs ' +
    "the VNFD's management hooks (SSH provisioning). Runs to the end and exits non-zero on failure; the operation " +
    "is recorded (see 'vnflcm op list'). Re-running after a failure reuses what was done.";
  static override examples = [
    '<%= config.bin %> instantiate f93ed99c-e2f2-4f18-8377-37a171ea344f ./private_registry_param_file.json',
    '<%= config.bin %> instantiate ID params.json --dry-run',
  ];
  static override args = {
    'vnf-instance': Args.string({ required: true, description: 'VNF instance ID to instantiate' }),
    'param-file': Args.string({ required: true, description: 'Specify instantiate request parameters in a json file.' }),
  };
  static override flags = {
    'dry-run': Flags.boolean({ description: 'Print the Heat template and parameters that would be sent; send nothing', default: false }),
    ...operationFlags,
  };

  async run(): Promise<MessageResult | OperationResult> {
    const { args, flags } = await this.parse(Instantiate);
    const { Store } = await import('../lib/store/index.js');
    const store = await Store.open();
    if (flags['dry-run']) {
      const { dryRun } = await import('../lib/lcm/dry-run.js');
      return message(await dryRun(store, args['vnf-instance'], args['param-file'], flags));
    }
    const { runInstantiate } = await import('../lib/lcm/entrypoints.js');
    await runInstantiate(store, args['vnf-instance'], args['param-file'], flags, this.operationSay(flags));
    return { type: 'operation', operation: 'INSTANTIATE', vnfInstanceId: args['vnf-instance'] };
  }
}
