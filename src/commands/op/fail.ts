/** `vnflcm op fail`: fail VNF Instance. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { showFormatFlags } from '../../cli/flags/format.js';
import type { ShowResult } from '../../cli/results.js';

export default class OpFail extends BaseCommand {
  static override summary = 'Fail VNF Instance';
  static override description =
    'Marks a FAILED_TEMP operation occurrence FAILED (final): nothing is undone, and the VNF instance accepts operations ' +
    'again (e.g. terminate to clean up what the operation left).';
  static override args = { 'vnf-lcm-op-occ-id': Args.string({ required: true, description: 'VNF lifecycle management operation occurrence ID.' }) };
  static override flags = { ...showFormatFlags };

  async run(): Promise<ShowResult> {
    const { args } = await this.parse(OpFail);
    const { Store } = await import('../../lib/store/index.js');
    const { failOperation } = await import('../../lib/lcm/op-resolve.js');
    const { opFailShow } = await import('../../lib/views/op-fail.js');
    const op = await failOperation(await Store.open(), args['vnf-lcm-op-occ-id']);
    return opFailShow(op);
  }
}
