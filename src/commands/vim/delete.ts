/** `vnflcm vim delete`: delete a registered VIM. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CliError } from '../../lib/errors.js';
import { message, type MessageResult } from '../../cli/results.js';

export default class VimDelete extends BaseCommand {
  static override summary = 'Delete a registered VIM';
  static override args = { name: Args.string({ required: true, description: 'VIM name or id' }) };

  async run(): Promise<MessageResult> {
    const { args } = await this.parse(VimDelete);
    const { Store } = await import('../../lib/store/index.js');
    const { findVim } = await import('../../lib/lcm/vim.js');
    const store = await Store.open();
    const vim = await findVim(store, args.name);
    if (!vim) throw new CliError(`VIM ${args.name} is not registered.`);
    await store.deleteVim(vim.name);
    return message(`VIM '${vim.name}' is deleted successfully`);
  }
}
