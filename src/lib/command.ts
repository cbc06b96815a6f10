/**
 * The base of every vnflcm command. Commands are thin: parse, call the library, return data.
 * `printResult` hands a ShowResult/ListResult to the one formatting module (src/lib/format);
 * `catch` turns errors into the real client's behaviour: the bare message on stderr and an exit
 * code that means something (see src/lib/errors.ts); oclif's parse errors become argparse's usage
 * errors (src/cli/usage.ts). Every command accepts OSC's global options (`parse`).
 */
import { Command, type Interfaces } from '@oclif/core';
import { CliError, ExitCode } from './errors.js';
import type { CommandResult } from './format/types.js';
import { globalFlags } from './openstack/flags.js';

type FormatFlagValues = Record<string, unknown>;
type Output = Record<string, unknown>;

export abstract class BaseCommand extends Command {
  /**
   * Every command accepts OSC's global options (hidden in its help). They are added here, at parse
   * time, rather than as static `baseFlags`: oclif caches the static flags of every command at
   * start-up, and 35 flags times every command cost 10-20 ms of each run.
   */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    if (!options) return super.parse(options, argv);
    // the globals are not part of B's type: commands read them only through flags they declare
    const baseFlags = { ...globalFlags, ...options.baseFlags } as Interfaces.FlagInput<B>;
    const parsed = await super.parse({ ...options, flags: options.flags, args: options.args, strict: options.strict, baseFlags }, argv);
    // --state-url: every Store.open() of this run uses it (the variable is what Store.open reads).
    const stateUrl: unknown = parsed.flags['state-url'];
    if (typeof stateUrl === 'string' && stateUrl !== '') process.env.VNFLCM_STATE_URL = stateUrl;
    return parsed;
  }

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
      // oclif parse errors (exit 2: missing args, bad flag values), this.exit() and this.error().
      if (err.oclif.exit === 0) return;
      if ((err as { code?: string }).code === 'EEXIT') {
        process.exitCode = err.oclif.exit; // this.exit(n): the command has said what it had to
        return;
      }
      if (err.oclif.exit !== ExitCode.usage) {
        process.stderr.write(`${err.message}\n`); // this.error(msg, { exit }) of a command
        process.exitCode = err.oclif.exit;
        return;
      }
      const prog = this.id ? `vnflcm ${this.id.replace(/:/g, ' ')}` : 'vnflcm';
      const { usageErrorText } = await import('../cli/usage.js');
      const spec = { flags: { ...globalFlags, ...this.ctor.baseFlags, ...this.ctor.flags }, args: this.ctor.args, strict: this.ctor.strict };
      const fallback = err.message.replace(/\nSee more help with --help$/, '').replace(/\s*\n\s*/g, ' ').trim();
      process.stderr.write(await usageErrorText(prog, this.argv, spec, fallback));
      process.exitCode = ExitCode.usage;
      return;
    }
    if (process.env.VNFLCM_DEBUG || this.argv.includes('--debug')) process.stderr.write(`${err.stack ?? err.message}\n`);
    else process.stderr.write(`${err.message}\n`);
    process.exitCode = ExitCode.runtime;
  }
}
