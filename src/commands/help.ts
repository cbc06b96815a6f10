/** `vnflcm help`: display help for vnflcm or for a command. oclif's help class prints it (a usage error for an unknown command). */
import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';

export default class Help extends BaseCommand {
  static override summary = 'Display help for vnflcm or for a command';
  static override strict = false;
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help op show'];
  static override args = { command: Args.string({ description: 'the command, e.g. "scale" or "op show"' }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const words = argv.map(String);
    const { loadHelpClass } = await import('@oclif/core');
    const id = words.join(':');
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      const { notFoundText } = await import('../cli/not-found.js');
      const names = this.config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' '));
      process.stdout.write(notFoundText(words, names));
      this.exit(2);
    }
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config).showHelp(words.length > 0 ? [id] : []);
  }
}
