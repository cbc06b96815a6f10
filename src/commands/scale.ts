/** `vnflcm scale`: scale a VNF instance. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { operationFlags } from '../cli/flags/operation.js';
import { message, type MessageResult, type OperationResult } from '../cli/results.js';

export default class Scale extends BaseCommand {
  static override summary = 'Scale a VNF instance';
  static override description =
    'Changes the number of VNFCs of a scaling aspect by --number-of-steps (default 1) within the VNFD limits. ' +
    'SCALE_IN removes the oldest members; the management hooks run before (scale_start) and after (scale_end).';
  static override examples = ['<%= config.bin %> scale ID --type SCALE_OUT --aspect-id worker_instance --number-of-steps 2'];
  static override args = { 'vnf-instance': Args.string({ required: true, description: 'VNF instance ID to scale' }) };
  static override flags = {
    'number-of-steps': Flags.integer({ description: 'Number of scaling steps to be executed as part of this Scale VNF operation.', helpValue: '<number-of-steps>' }),
    'additional-param-file': Flags.string({ description: 'Additional parameters passed by the NFVO as input to the scaling process.', helpValue: '<additional-param-file>' }),
    type: Flags.string({ description: 'SCALE_OUT or SCALE_IN for VNF instance', required: true, options: ['SCALE_OUT', 'SCALE_IN'], helpValue: '<type>' }),
    'aspect-id': Flags.string({ description: 'Scale aspect ID', required: true, helpValue: '<aspect-id>' }),
    'dry-run': Flags.boolean({ description: "Print the Kubernetes driver's plan per node that the scale would run; change nothing", default: false }),
    ...operationFlags,
  };

  async run(): Promise<MessageResult | OperationResult> {
    const { args, flags } = await this.parse(Scale);
    const body: Record<string, unknown> = { type: flags.type, aspectId: flags['aspect-id'] };
    if (flags['number-of-steps']) body.numberOfSteps = flags['number-of-steps'];
    const { Store } = await import('../lib/store/index.js');
    const store = await Store.open();
    if (flags['additional-param-file']) {
      const { validateScaleParamFile } = await import('../lib/params/validate.js');
      const { instanceDriver } = await import('../cli/instance-driver.js');
      const driver = await instanceDriver(store, args['vnf-instance']);
      Object.assign(body, await validateScaleParamFile(flags['additional-param-file'], {}, driver));
    }
    if (flags['dry-run']) {
      const { dryRunChange } = await import('../lib/lcm/dry-run.js');
      const op = flags.type === 'SCALE_OUT' ? 'scale-out' : 'scale-in';
      return message(await dryRunChange(store, args['vnf-instance'], { op, aspectId: flags['aspect-id'], steps: flags['number-of-steps'] ?? 1 }));
    }
    const { runScale } = await import('../lib/lcm/entrypoints.js');
    await runScale(store, args['vnf-instance'], body, flags, this.operationSay(flags));
    return { type: 'operation', operation: 'SCALE', vnfInstanceId: args['vnf-instance'] };
  }
}
