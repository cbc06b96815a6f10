/** `vnflcm package add`: onboard a VNF package (a directory or a .zip CSAR). Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { showFormatFlags } from '../../cli/flags/format.js';
import type { ShowResult } from '../../cli/results.js';

export default class PackageAdd extends BaseCommand {
  static override summary = 'Onboard a VNF package (a directory or a .zip CSAR)';
  static override description =
    'Reads TOSCA-Metadata/TOSCA.meta and the VNFD, verifies artifact hashes, and keeps a private copy ' +
    'in the store. Adding the same package again changes nothing.';
  static override examples = ['<%= config.bin %> package add samples/private-registry-vnf-package'];
  static override args = { path: Args.string({ required: true, description: 'package directory or .zip file' }) };
  static override flags = { ...showFormatFlags };

  async run(): Promise<ShowResult> {
    const { args } = await this.parse(PackageAdd);
    const { Store } = await import('../../lib/store/index.js');
    const { addPackage } = await import('../../lib/lcm/packages.js');
    const { packageShow } = await import('../../lib/views/package.js');
    const store = await Store.open();
    const added = await addPackage(store, args.path);
    return packageShow(added.record, added.model, 'NOT_IN_USE');
  }
}
