/** `vnflcm state migrate`: create or upgrade the shared state database's schema. Returns its message. */
import { BaseCommand } from '../../cli/base-command.js';
import { message, type MessageResult } from '../../cli/results.js';

export default class StateMigrate extends BaseCommand {
  static override summary = 'Create or upgrade the schema of the shared state database (VNFLCM_STATE_URL)';

  async run(): Promise<MessageResult> {
    await this.parse(StateMigrate);
    const { migrateState } = await import('../../lib/state/admin.js');
    const r = await migrateState();
    return message(
      r.applied.length === 0
        ? `The state database ${r.location} is at schema version ${r.to}: nothing to do.`
        : `The state database ${r.location} is migrated from schema version ${r.from} to ${r.to} (applied: ${r.applied.join(', ')}).`,
    );
  }
}
