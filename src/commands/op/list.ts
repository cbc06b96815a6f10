/** `vnflcm op list`: list LCM operation occurrences. Returns its data; BaseCommand prints it. */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { listFormatFlags } from '../../cli/flags/format.js';
import type { ListResult } from '../../cli/results.js';

export default class OpList extends BaseCommand {
  static override summary = 'List LCM operation occurrences';
  static override examples = [
    "<%= config.bin %> op list --filter '(eq,operationState,COMPLETED)'",
    "<%= config.bin %> op list --exclude-fields 'Operation State,Operation'",
  ];
  static override flags = {
    ...listFormatFlags,
    filter: Flags.string({ description: 'Attribute-based filter, e.g. (eq,operationState,FAILED_TEMP);(eq,operation,HEAL)', helpValue: '<filter>' }),
    fields: Flags.string({ description: 'Fields to include (accepted for compatibility; the columns do not change)', exclusive: ['exclude-fields'], helpValue: '<fields>' }),
    'exclude-fields': Flags.string({ description: 'Comma-separated column labels to leave out', exclusive: ['fields'], helpValue: '<exclude-fields>' }),
  };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(OpList);
    const { Store } = await import('../../lib/store/index.js');
    const { OP_LIST_COLUMNS, opRow, opResponse } = await import('../../lib/views/op.js');
    const { parseFilter } = await import('../../lib/views/filter.js');
    const match = flags.filter ? parseFilter(flags.filter) : () => true;
    const { reconcileOps } = await import('../../lib/lcm/op-occurrence.js');
    const store = await Store.open();
    const ops = (await reconcileOps(store, await store.listOps())).filter((op) => match(opResponse(op)));
    const excluded = new Set((flags['exclude-fields'] ?? '').split(','));
    const keep = OP_LIST_COLUMNS.map((c, i) => [c, i] as const).filter(([c]) => !excluded.has(c));
    return { type: 'list', columns: keep.map(([c]) => c), rows: ops.map((op) => { const r = opRow(op); return keep.map(([, i]) => r[i]); }) };
  }
}
