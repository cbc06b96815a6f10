/** `vnflcm complete`: completion candidates for the shell scripts of `vnflcm completion`. Returns its data; BaseCommand prints it. */
import { BaseCommand } from '../cli/base-command.js';
import type { TextResult } from '../cli/results.js';

/** Called by the completion scripts: `vnflcm __complete -- WORDS…` prints what to offer for the last word. */
export default class Complete extends BaseCommand {
  static override hidden = true;
  static override summary = 'Completion candidates for the shell scripts of `vnflcm completion`';
  static override strict = false;

  async run(): Promise<TextResult> {
    const dd = this.argv.indexOf('--');
    const words = dd === -1 ? this.argv : this.argv.slice(dd + 1);
    const { complete, completionLines, completionTable } = await import('../cli/completion.js');
    const { resolveIds } = await import('../lib/views/completion.js');
    const c = complete(words.length > 0 ? words : [''], completionTable(this.config.commands));
    return { type: 'text', text: completionLines(c, c.kind === 'ids' ? await resolveIds(c.source, c.instance) : []) };
  }
}
