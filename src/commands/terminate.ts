/** `vnflcm terminate`: terminate a VNF instance. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { operationFlags } from '../cli/flags/operation.js';
import type { OperationResult } from '../cli/results.js';

export default class Terminate extends BaseCommand {
  static override summary = 'Terminate a VNF instance';
  static override description = 'Deletes the Heat stack and the images the instance uploaded; with --D also the instance record.';
  static override args = { 'vnf-instance': Args.string({ required: true, description: 'VNF instance ID to terminate' }) };
  static override flags = {
    'termination-type': Flags.string({ description: 'Termination type', options: ['GRACEFUL', 'FORCEFUL'], default: 'GRACEFUL', helpValue: '<termination-type>' }),
    'graceful-termination-timeout': Flags.integer({ description: 'Time (in seconds) to wait before terminating in GRACEFUL mode', helpValue: '<graceful-termination-timeout>' }),
    D: Flags.boolean({ description: 'Delete VNF Instance subsequently after it is terminated', default: false }),
    ...operationFlags,
  };

  async run(): Promise<OperationResult> {
    const { args, flags } = await this.parse(Terminate);
    const id = args['vnf-instance'];
    const body: Record<string, unknown> = { terminationType: flags['termination-type'] };
    if (flags['graceful-termination-timeout']) body.gracefulTerminationTimeout = flags['graceful-termination-timeout'];
    const { Store } = await import('../lib/store/index.js');
    const { runTerminate } = await import('../lib/lcm/entrypoints.js');
    const store = await Store.open();
    await runTerminate(store, id, body, flags, this.operationSay(flags));
    if (flags.D) {
      this.say('Waiting for vnf instance to be terminated before deleting');
      const { deleteInstance } = await import('../lib/lcm/instances.js');
      await deleteInstance(store, id);
      this.say(`VNF Instance '${id}' is deleted successfully`);
    }
    return { type: 'operation', operation: 'TERMINATE', vnfInstanceId: id };
  }
}
