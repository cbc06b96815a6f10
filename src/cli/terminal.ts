/**
 * The terminal side of library reporting: the progress sink that writes step lines to stderr, the
 * `Say` an operation reports through, and the Ctrl-C / SIGTERM handlers that turn signals into the
 * operation's interrupt. Library code only sees the interfaces (ProgressSink, Say, Interrupt).
 */
import type { ProgressSink } from '../lib/mgmt/contract.js';
import type { Say } from '../lib/lcm/entrypoints.js';
import { exitCodeOfSignal, Interrupt, type InterruptSignal } from '../lib/lcm/tracker.js';

/**
 * Progress for operators: one line per step on stderr (stdout stays for the result), elapsed time
 * first, node names aligned; colour only on a TTY and never with NO_COLOR. `--quiet` keeps only errors.
 */
export function stderrProgress(opts: { quiet?: boolean; color?: boolean } = {}): ProgressSink {
  const t0 = Date.now();
  const color = opts.color ?? (Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;
  const write = (line: string) => {
    if (!opts.quiet) process.stderr.write(`${paint(2, stamp())} ${line}\n`);
  };
  return {
    step(node, name, status, detail) {
      const mark =
        status === 'start' ? paint(36, '…') : status === 'done' ? paint(32, '✓') : status === 'skipped' ? paint(2, '=') : paint(31, '✗');
      const where = node ? `${paint(1, node)}: ` : '';
      write(`${mark} ${where}${name}${detail ? ` (${detail})` : ''}`);
    },
    info(line) {
      write(line);
    },
  };
}

let installed: Interrupt | undefined;

/**
 * From the first call on, Ctrl-C / SIGTERM ask the operation to stop between steps (it is
 * recorded FAILED_TEMP), and a second one exits at once.
 */
export function signalInterrupt(): Interrupt {
  if (installed) return installed;
  const interrupt = new Interrupt();
  const on = (signal: InterruptSignal) => {
    if (interrupt.signal) {
      process.stderr.write(`${signal} again: leaving now; the next vnflcm command records the operation as interrupted.\n`);
      process.exit(exitCodeOfSignal(signal));
    }
    process.stderr.write(`${signal}: stopping the operation after the running steps…\n`);
    interrupt.request(signal);
  };
  process.on('SIGINT', () => on('SIGINT'));
  process.on('SIGTERM', () => on('SIGTERM'));
  installed = interrupt;
  return interrupt;
}

/** The `Say` of an operation command: `line` goes to stdout (or `out`), notes and progress to stderr. */
export function terminalSay(opts: { quiet?: boolean; out?: (line: string) => void } = {}): Say {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  return Object.assign((line: string) => out(line), {
    warn: (line: string) => void process.stderr.write(`${line}\n`),
    progress: stderrProgress({ quiet: opts.quiet }),
    interrupt: signalInterrupt,
  });
}
