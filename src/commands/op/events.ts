/**
 * `vnflcm op events`: an occurrence's history (start, every step started, every change of state),
 * oldest first. With shared state (PostgreSQL) it is the append-only events table, so another
 * operator can follow a running operation; the local store has only what the record holds.
 */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { listFormatFlags } from '../../cli/flags/format.js';
import type { ListResult } from '../../cli/results.js';
import { CliError } from '../../lib/errors.js';

export default class OpEvents extends BaseCommand {
  static override summary = 'List the events of an LCM operation occurrence (start, steps, state changes)';
  static override examples = ['<%= config.bin %> op events 1f7a5e1c-2b1c-4b5e-9d0a-3c1f0e6b7a21'];
  static override args = { 'vnf-lcm-op-occ-id': Args.string({ required: true, description: 'VNF lifecycle management operation occurrence ID' }) };
  static override flags = { ...listFormatFlags };

  async run(): Promise<ListResult> {
    const { args } = await this.parse(OpEvents);
    const { Store } = await import('../../lib/store/index.js');
    const store = await Store.open();
    const id = args['vnf-lcm-op-occ-id'];
    if (!(await store.getOp(id))) throw new CliError('table vnf_lcm_op_occs not Found');
    const events = await store.opEvents(id);
    return { type: 'list', columns: ['Time', 'Node', 'Step', 'Event'], rows: events.map((e) => [e.at, e.node, e.step, e.message]) };
  }
}
