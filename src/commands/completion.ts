/** `vnflcm completion`: print the shell completion script for bash or zsh. Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { TextResult } from '../cli/results.js';

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash or zsh';
  static override description =
    'Completes commands, options, choices, file names, and the instance, VNFD, operation and aspect ids of the store.\n' +
    'bash: add `source <(vnflcm completion bash)` to ~/.bashrc; zsh: add `source <(vnflcm completion zsh)` to ~/.zshrc.';
  static override examples = ['source <(<%= config.bin %> completion bash)', '<%= config.bin %> completion zsh > "${fpath[1]}/_vnflcm"'];
  static override args = { shell: Args.string({ required: true, options: ['bash', 'zsh'], description: 'the shell' }) };

  async run(): Promise<TextResult> {
    const { args } = await this.parse(Completion);
    const { bashScript, zshScript } = await import('../cli/completion.js');
    return { type: 'text', text: args.shell === 'zsh' ? zshScript(this.config.bin) : bashScript(this.config.bin) };
  }
}
