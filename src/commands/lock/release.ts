/** `vnflcm lock release`: force an instance's operation lock free (shared state). Returns its message. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { message, type MessageResult } from '../../cli/results.js';
import { CliError } from '../../lib/errors.js';

export default class LockRelease extends BaseCommand {
  static override summary = "Force a VNF instance's operation lock free: ends the holder's database session (shared state)";
  static override args = { 'vnf-instance': Args.string({ required: true, description: 'VNF instance whose lock to release' }) };
  static override flags = { yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation', default: false }) };

  async run(): Promise<MessageResult> {
    const { args, flags } = await this.parse(LockRelease);
    const { Store } = await import('../../lib/store/index.js');
    const { listLocks, releaseLock } = await import('../../lib/state/admin.js');
    const id = args['vnf-instance'];
    const store = await Store.open();
    try {
      const [holder] = await listLocks(store, id);
      if (!holder) throw new CliError(`No operation lock is recorded for VNF instance ${id}.`);
      const who = `operation ${holder.opId} of ${holder.operator} on ${holder.host} (pid ${holder.pid}, since ${holder.since})`;
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new CliError(`The lock of ${id} is held by ${who}. Re-run with --yes to end that session.`);
        const { confirm } = await import('@inquirer/prompts');
        if (!(await confirm({ message: `End the session of ${who}? Its operation loses the lock and its database connection.`, default: false }))) {
          throw new CliError('Nothing released.');
        }
      }
      const r = await releaseLock(store, id);
      return message(
        r.terminated === null
          ? `The lock of VNF instance ${id} was not held (the holder had gone); its record is removed.`
          : `The lock of VNF instance ${id} is released: the session of ${who} (backend pid ${r.terminated}) was ended.`,
      );
    } finally {
      await store.close();
    }
  }
}
