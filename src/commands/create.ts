/** `vnflcm create`: create a new VNF instance from an onboarded VNF package. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { showFormatFlags } from '../cli/flags/format.js';
import { operationFlags } from '../cli/flags/operation.js';
import type { ShowResult } from '../cli/results.js';

export default class Create extends BaseCommand {
  static override summary = 'Create a new VNF instance from an onboarded VNF package';
  static override description =
    'Makes a NOT_INSTANTIATED VNF instance record for the VNFD. With --I, instantiates it right away ' +
    'with the given param file; ' +
    'the file is validated against the package first and nothing is created when it is invalid.';
  static override examples = [
    '<%= config.bin %> create c1bb0ce7-ebca-4fa7-95ed-4840d70a118f',
    '<%= config.bin %> create c1bb0ce7-ebca-4fa7-95ed-4840d70a118f --name registry -f json',
  ];
  static override args = {
    'vnfd-id': Args.string({ required: true, description: 'VNFD ID of an onboarded VNF package' }),
  };
  static override flags = {
    ...showFormatFlags,
    name: Flags.string({ description: 'VNF instance name (default vnf-<id>)', helpValue: '<vnf-instance-name>' }),
    description: Flags.string({ description: 'VNF instance description', helpValue: '<vnf-instance-description>' }),
    I: Flags.string({ description: 'Instantiate right after creating, with this param file', helpValue: '<param-file>' }),
    ...operationFlags,
  };

  async run(): Promise<ShowResult> {
    const { args, flags } = await this.parse(Create);
    const { Store } = await import('../lib/store/index.js');
    const { createInstance } = await import('../lib/lcm/instances.js');
    const { instanceShow } = await import('../lib/views/instance.js');
    const store = await Store.open();
    if (flags.I && (await store.getPackage(args['vnfd-id']))) {
      // Unlike the real client, a param file that cannot work creates nothing (same message and exit code as validate).
      const { loadPackage } = await import('../lib/lcm/packages.js');
      const { validateParamFile } = await import('../lib/params/validate.js');
      await validateParamFile(flags.I, (await loadPackage(store, args['vnfd-id'])).model);
    }
    const rec = await createInstance(store, { vnfdId: args['vnfd-id'], name: flags.name, description: flags.description });
    if (flags.I) {
      // `create --I`: the real client's one line for "created and accepted"; the other result lines go to stderr
      const { runInstantiate } = await import('../lib/lcm/entrypoints.js');
      let first = true;
      const out = (line: string): void => {
        if (!first) return void process.stderr.write(`${line}\n`);
        first = false;
        this.say(`VNF Instance ${rec.id} is created and instantiation request has been accepted.`);
      };
      await runInstantiate(store, rec.id, flags.I, flags, this.operationSay(flags, out));
    }
    return instanceShow(rec, 'create');
  }
}
