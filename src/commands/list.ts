/** `vnflcm list`: list VNF instances. Returns its data; BaseCommand prints it. */
import { BaseCommand } from '../cli/base-command.js';
import { listFormatFlags } from '../cli/flags/format.js';
import type { ListResult } from '../cli/results.js';

export default class List extends BaseCommand {
  static override summary = 'List VNF instances';
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list -f csv'];
  static override flags = { ...listFormatFlags };

  async run(): Promise<ListResult> {
    await this.parse(List);
    const { Store } = await import('../lib/store/index.js');
    const { INSTANCE_LIST_COLUMNS, instanceRow } = await import('../lib/views/instance.js');
    const instances = await (await Store.open()).listInstances();
    return { type: 'list', columns: [...INSTANCE_LIST_COLUMNS], rows: instances.map(instanceRow) };
  }
}
