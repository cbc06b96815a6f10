/** `vnflcm state import`: put an archive's records into the current store. Returns its message. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { message, type MessageResult } from '../../cli/results.js';

export default class StateImport extends BaseCommand {
  static override summary = 'Put every record of a state archive (vnflcm state export) into the current store';
  static override args = { file: Args.string({ required: true, description: 'Archive file written by vnflcm state export' }) };

  async run(): Promise<MessageResult> {
    const { args } = await this.parse(StateImport);
    const { Store } = await import('../../lib/store/index.js');
    const { importState, readArchive } = await import('../../lib/state/archive.js');
    const a = await readArchive(args.file);
    const store = await Store.open();
    try {
      const c = await importState(store, a);
      return message(
        `Imported ${c.packages} package(s), ${c.instances} instance(s), ${c.ops} operation(s), ${c.vims} VIM(s), ${c.hostKeys} host key(s), ${c.logs} log(s) ` +
          `into ${store.backend.location}.${a.secretsIncluded ? '' : ' The archive has no secrets: operations that need the stored passwords will fail until the instances are instantiated again.'}`,
      );
    } finally {
      await store.close();
    }
  }
}
