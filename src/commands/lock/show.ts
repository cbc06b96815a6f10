/** `vnflcm lock show`: operation locks and their holders. Returns a ListResult. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import type { ListResult } from '../../cli/results.js';
import { listFormatFlags } from '../../cli/flags/format.js';

export default class LockShow extends BaseCommand {
  static override summary = 'Show the operation locks of VNF instances and who holds them';
  static override args = { 'vnf-instance': Args.string({ required: false, description: 'Only this VNF instance' }) };
  static override flags = { ...listFormatFlags };

  async run(): Promise<ListResult> {
    const { args } = await this.parse(LockShow);
    const { Store } = await import('../../lib/store/index.js');
    const { listLocks } = await import('../../lib/state/admin.js');
    const store = await Store.open();
    try {
      const locks = await listLocks(store, args['vnf-instance']);
      return {
          type: 'list',
          columns: ['VNF Instance ID', 'Operation', 'User', 'Host', 'PID', 'Since', 'Heartbeat', 'State'],
          rows: locks.map((l) => [l.instanceId, l.opId, l.operator, l.host, l.pid, l.since, l.heartbeat, l.state]),
        };
    } finally {
      await store.close();
    }
  }
}
