/**
 * The base of every vnflcm command. Commands are thin: parse, call the library, return data.
 * `printResult` hands a ShowResult/ListResult to the one formatting module (src/lib/format);
 * `catch` turns errors into the real client's behaviour: the bare message on stderr and an exit
 * code that means something (see src/lib/errors.ts).
 */
import { Command } from '@oclif/core';
import { CliError, ExitCode } from './errors.js';
import type { CommandResult } from './format/types.js';

type FormatFlagValues = Record<string, unknown>;

export abstract class BaseCommand extends Command {
  protected async printResult(result: CommandResult, flags: FormatFlagValues): Promise<void> {
    const { render } = await import('./format/index.js');
    const { formatOptionsFromFlags } = await import('./format/flags.js');
    const opts = formatOptionsFromFlags(flags, result.type, process.stdout, process.env);
    process.stdout.write(render(result, opts));
  }

  /** A line for the operator (stdout), e.g. "... has been accepted." */
  protected say(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    if (err.oclif?.exit !== undefined) {
      // oclif parse errors (missing args, bad flag values) and this.exit(): usage errors.
      if (err.oclif.exit === 0) return;
      const name = this.id ? `vnflcm ${this.id.replace(/:/g, ' ')}` : 'vnflcm';
      process.stderr.write(`${name}: error: ${firstLine(err.message)}\nSee '${name} --help'.\n`);
      process.exitCode = err.oclif.exit === 2 ? ExitCode.usage : err.oclif.exit;
      return;
    }
    if (process.env.VNFLCM_DEBUG) process.stderr.write(`${err.stack ?? err.message}\n`);
    else process.stderr.write(`${err.message}\n`);
    process.exitCode = ExitCode.runtime;
  }
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;
}
