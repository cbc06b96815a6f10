/**
 * The base of every vnflcm command. Commands are thin: parse, call the library, return data
 * (./results.ts); `print` hands a ShowResult/ListResult to the one formatting module (src/lib/format);
 * `catch` turns errors into the real client's behaviour: the bare message on stderr and an exit
 * code that means something (see src/lib/errors.ts); oclif's parse errors become argparse's usage
 * errors (src/cli/usage.ts). Every command accepts OSC's global options (`parse`).
 */
import { Command, type Interfaces } from '@oclif/core';
import { CliError, ExitCode, LeaveNow } from '../lib/errors.js';
import type { Say } from '../lib/lcm/entrypoints.js';
import { globalFlags } from './flags/openstack.js';
import { isCliResult, type CliResult } from './results.js';
import { terminalSay } from './terminal.js';

type Output = Record<string, unknown>;

/** Where commands print: the process's stdout/stderr (in-process tests swap them for buffers). */
export const terminal = {
  out: (text: string): void => void process.stdout.write(text),
  err: (text: string): void => void process.stderr.write(text),
};

export abstract class BaseCommand extends Command {
  /** The parsed flags (the formatter options among them), kept for printing the result. */
  protected flagValues: Output = {};

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
    // the library reports --debug lines through the sink it is given, never to stderr itself
    if ((parsed.flags as Output).debug === true) Object.assign(parsed.flags, { debugLog: (line: string) => terminal.err(`${line}\n`) });
    // --state-url: every Store.open() of this run uses it (the variable is what Store.open reads).
    const stateUrl: unknown = (parsed.flags as Output)['state-url'];
    if (typeof stateUrl === 'string' && stateUrl !== '') process.env.VNFLCM_STATE_URL = stateUrl;
    this.flagValues = parsed.flags as Output;
    return parsed;
  }

  /** How an operation reports here: result lines on stdout (or `out`), progress and notes on stderr, signals armed. */
  protected operationSay(flags: { quiet?: boolean }, out?: (line: string) => void): Say {
    return terminalSay({ quiet: flags.quiet === true, out: out ?? ((line) => this.say(line)) });
  }

  /** Print what `run()` returned (the one place commands' output is written). */
  protected async print(result: CliResult): Promise<void> {
    switch (result.type) {
      case 'show':
      case 'list': {
        const { render } = await import('../lib/format/index.js');
        const { formatOptionsFromFlags } = await import('../lib/format/options.js');
        const opts = formatOptionsFromFlags(this.flagValues, result.type, process.stdout, process.env);
        terminal.out(render(result, opts));
        return;
      }
      case 'message':
        for (const line of result.lines) this.say(line);
        return;
      case 'text':
        terminal.out(result.text);
        return;
      case 'operation':
        return; // its lines were printed while it ran
    }
  }

  /** Runs the command (oclif's `_run`), then prints the data its `run()` returned. */
  protected override async _run<T>(): Promise<T> {
    const result = await super._run<T>();
    if (isCliResult(result)) {
      try {
        await this.print(result);
      } catch (err) {
        await this.catch(err as Error);
      }
    }
    return result;
  }

  /** A line for the operator (stdout), e.g. "... has been accepted." */
  protected say(line: string): void {
    terminal.out(`${line}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (err instanceof LeaveNow) {
      terminal.err(`${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (err instanceof CliError) {
      terminal.err(`${err.message}\n`);
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
        terminal.err(`${err.message}\n`); // this.error(msg, { exit }) of a command
        process.exitCode = err.oclif.exit;
        return;
      }
      const prog = this.id ? `vnflcm ${this.id.replace(/:/g, ' ')}` : 'vnflcm';
      const { usageErrorText } = await import('./usage.js');
      const spec = { flags: { ...globalFlags, ...this.ctor.baseFlags, ...this.ctor.flags }, args: this.ctor.args, strict: this.ctor.strict };
      const fallback = err.message.replace(/\nSee more help with --help$/, '').replace(/\s*\n\s*/g, ' ').trim();
      terminal.err(await usageErrorText(prog, this.argv, spec, fallback));
      process.exitCode = ExitCode.usage;
      return;
    }
    if (process.env.VNFLCM_DEBUG || this.argv.includes('--debug')) terminal.err(`${err.stack ?? err.message}\n`);
    else terminal.err(`${err.message}\n`);
    process.exitCode = ExitCode.runtime;
  }
}
