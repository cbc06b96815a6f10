/**
 * Progress for operators: one line per step on stderr (stdout stays for the result), elapsed time
 * first, node names aligned; colour only on a TTY and never with NO_COLOR. `--quiet` keeps only errors.
 */
import type { ProgressSink } from './hooks.js';

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

/** A sink that records everything (tests, and the summary table). */
export function recordingProgress(): ProgressSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    step(node, name, status, detail) {
      lines.push(`${status} ${node ? `${node}: ` : ''}${name}${detail ? ` (${detail})` : ''}`);
    },
    info(line) {
      lines.push(line);
    },
  };
}
