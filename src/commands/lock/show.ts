import { Args } from '@oclif/core';
import { BaseCommand } from '../../lib/command.js';
import { listFormatFlags } from '../../lib/format/flags.js';

export default class LockShow extends BaseCommand {
  static override summary = 'Show the operation locks of VNF instances and who holds them';
  static override args = { 'vnf-instance': Args.string({ required: false, description: 'Only this VNF instance' }) };
  static override flags = { ...listFormatFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(LockShow);
    const { Store } = await import('../../lib/store/index.js');
    const { listLocks } = await import('../../lib/state/admin.js');
    const store = await Store.open();
    try {
      const locks = await listLocks(store, args['vnf-instance']);
      await this.printResult(
        {
          type: 'list',
          columns: ['VNF Instance ID', 'Operation', 'User', 'Host', 'PID', 'Since', 'Heartbeat', 'State'],
          rows: locks.map((l) => [l.instanceId, l.opId, l.operator, l.host, l.pid, l.since, l.heartbeat, l.state]),
        },
        flags,
      );
    } finally {
      await store.close();
    }
  }
}
