/** `vnflcm op show`: display an LCM operation occurrence. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CliError } from '../../lib/errors.js';
import { showFormatFlags } from '../../cli/flags/format.js';
import type { ShowResult } from '../../cli/results.js';

export default class OpShow extends BaseCommand {
  static override summary = 'Display an LCM operation occurrence';
  static override args = { 'vnf-lcm-op-occ-id': Args.string({ required: true, description: 'VNF lifecycle management operation occurrence ID' }) };
  static override flags = { ...showFormatFlags };

  async run(): Promise<ShowResult> {
    const { args } = await this.parse(OpShow);
    const { Store } = await import('../../lib/store/index.js');
    const { opShow } = await import('../../lib/views/op.js');
    const store = await Store.open();
    const op = await store.getOp(args['vnf-lcm-op-occ-id']);
    if (!op) throw new CliError('table vnf_lcm_op_occs not Found');
    const { reconcileOp } = await import('../../lib/lcm/op-occurrence.js');
    return opShow(await reconcileOp(store, op));
  }
}
