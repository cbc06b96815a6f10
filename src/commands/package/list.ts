/** `vnflcm package list`: list onboarded VNF packages. Returns its data; BaseCommand prints it. */
import { BaseCommand } from '../../cli/base-command.js';
import { listFormatFlags } from '../../cli/flags/format.js';
import type { ListResult } from '../../cli/results.js';

export default class PackageList extends BaseCommand {
  static override summary = 'List onboarded VNF packages';
  static override flags = { ...listFormatFlags };

  async run(): Promise<ListResult> {
    await this.parse(PackageList);
    const { Store } = await import('../../lib/store/index.js');
    const { PACKAGE_LIST_COLUMNS, packageRow } = await import('../../lib/views/package.js');
    const store = await Store.open();
    const inUse = new Set((await store.listInstances()).map((i) => i.vnfdId));
    const rows = (await store.listPackages()).map((p) => packageRow(p, inUse.has(p.vnfdId) ? 'IN_USE' : 'NOT_IN_USE'));
    return { type: 'list', columns: [...PACKAGE_LIST_COLUMNS], rows };
  }
}
