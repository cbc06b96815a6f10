/** `vnflcm state export`: write the whole state to one archive. Returns its message; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { message, type MessageResult } from '../../cli/results.js';

export default class StateExport extends BaseCommand {
  static override summary = 'Write the whole state (packages, instances, operations, VIMs, host keys, logs) to one archive';
  static override args = { file: Args.string({ required: true, description: 'Archive file to write (.json.gz; "-" for stdout)' }) };
  static override flags = {
    'include-secrets': Flags.boolean({ description: 'Include passwords of stored requests and kubeconfigs (the archive is written 0600)', default: false }),
  };

  async run(): Promise<MessageResult | undefined> {
    const { args, flags } = await this.parse(StateExport);
    const { Store } = await import('../../lib/store/index.js');
    const { counts, exportState, writeArchive } = await import('../../lib/state/archive.js');
    const store = await Store.open();
    try {
      const a = await exportState(store, { includeSecrets: flags['include-secrets'] });
      await writeArchive(args.file, a);
      const c = counts(a);
      // the archive itself went to stdout: no message after it
      if (args.file === '-') return undefined;
      return message(
        `Exported ${c.packages} package(s), ${c.instances} instance(s), ${c.ops} operation(s), ${c.vims} VIM(s), ${c.hostKeys} host key(s), ${c.logs} log(s) ` +
          `from ${store.backend.location} to ${args.file}${a.secretsIncluded ? ' (secrets included)' : ' (secrets left out)'}.`,
      );
    } finally {
      await store.close();
    }
  }
}
