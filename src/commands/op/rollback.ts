/** `vnflcm op rollback`: rollback VNF Instance. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { operationFlags } from '../../cli/flags/operation.js';
import type { OperationResult } from '../../cli/results.js';

export default class OpRollback extends BaseCommand {
  static override summary = 'Rollback VNF Instance';
  static override description =
    'Undoes a FAILED_TEMP instantiate (deletes the Heat stack, the images and the VIM it created; the VNF instance is ' +
    'NOT_INSTANTIATED again) or scale-out (removes the members it added, with the scale-in hooks); the occurrence ends ' +
    'ROLLED_BACK. Scale-in, heal and terminate cannot be rolled back.';
  static override args = { 'vnf-lcm-op-occ-id': Args.string({ required: true, description: 'VNF lifecycle management operation occurrence ID.' }) };
  static override flags = { ...operationFlags };

  async run(): Promise<OperationResult> {
    const { args, flags } = await this.parse(OpRollback);
    const { Store } = await import('../../lib/store/index.js');
    const { runRollback } = await import('../../lib/lcm/entrypoints.js');
    await runRollback(await Store.open(), args['vnf-lcm-op-occ-id'], flags, this.operationSay(flags));
    return { type: 'operation', operation: 'ROLLBACK', opId: args['vnf-lcm-op-occ-id'] };
  }
}
