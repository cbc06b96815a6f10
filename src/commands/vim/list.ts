/** `vnflcm vim list`: list VIMs: registered OpenStack clouds and the Kubernetes clusters vnflcm installed. Returns its data; BaseCommand prints it. */
import { BaseCommand } from '../../cli/base-command.js';
import { listFormatFlags } from '../../cli/flags/format.js';
import type { ListResult } from '../../cli/results.js';

export default class VimList extends BaseCommand {
  static override summary = 'List VIMs: registered OpenStack clouds and the Kubernetes clusters vnflcm installed';
  static override flags = { ...listFormatFlags };

  async run(): Promise<ListResult> {
    await this.parse(VimList);
    const { Store } = await import('../../lib/store/index.js');
    const { VIM_LIST_COLUMNS, vimRow } = await import('../../lib/views/vim.js');
    const vims = await (await Store.open()).listVims();
    return { type: 'list', columns: [...VIM_LIST_COLUMNS], rows: vims.map(vimRow) };
  }
}
