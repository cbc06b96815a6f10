/** `vnflcm package show`: show an onboarded VNF package. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { showFormatFlags } from '../../cli/flags/format.js';
import type { ShowResult } from '../../cli/results.js';

export default class PackageShow extends BaseCommand {
  static override summary = 'Show an onboarded VNF package';
  static override args = { 'vnfd-id': Args.string({ required: true, description: 'VNFD ID of the package' }) };
  static override flags = { ...showFormatFlags };

  async run(): Promise<ShowResult> {
    const { args } = await this.parse(PackageShow);
    const { Store } = await import('../../lib/store/index.js');
    const { loadPackage, packageUsage } = await import('../../lib/lcm/packages.js');
    const { packageShow } = await import('../../lib/views/package.js');
    const store = await Store.open();
    const { record, model } = await loadPackage(store, args['vnfd-id']);
    return packageShow(record, model, await packageUsage(store, record.vnfdId));
  }
}
