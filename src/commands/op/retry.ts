/** `vnflcm op retry`: retry VNF Instance. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { operationFlags } from '../../cli/flags/operation.js';
import type { OperationResult } from '../../cli/results.js';

export default class OpRetry extends BaseCommand {
  static override summary = 'Retry VNF Instance';
  static override description =
    'Continues a FAILED_TEMP operation occurrence from where it failed, with its stored request: steps already done ' +
    '(the Heat stack, provisioning steps found in place) are skipped. The occurrence is PROCESSING again and ends ' +
    'COMPLETED, or FAILED_TEMP again.';
  static override args = { 'vnf-lcm-op-occ-id': Args.string({ required: true, description: 'VNF lifecycle management operation occurrence ID.' }) };
  static override flags = { ...operationFlags };

  async run(): Promise<OperationResult> {
    const { args, flags } = await this.parse(OpRetry);
    const { Store } = await import('../../lib/store/index.js');
    const { runRetry } = await import('../../lib/lcm/entrypoints.js');
    await runRetry(await Store.open(), args['vnf-lcm-op-occ-id'], flags, this.operationSay(flags));
    return { type: 'operation', operation: 'RETRY', opId: args['vnf-lcm-op-occ-id'] };
  }
}
