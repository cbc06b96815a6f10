/** The per-operation log file: every remote command with its output, secrets masked before anything reaches the disk. */
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SecretSet } from '../redact.js';

// The masking itself lives in ../redact.ts (one module for every layer); re-exported for callers of the remote layer.
export { MASK as REDACTED, SecretSet, basicAuthSecrets, redact, secretVariants } from '../redact.js';

export interface CommandLogEntry {
  /** `user@host:port`. */
  target: string;
  step: string;
  /** The full command line as sent to the remote shell. */
  command: string;
  code: number | null;
  signal: string | null;
  stdout: string | Buffer;
  stderr: string | Buffer;
  ms: number;
  /** Extra facts (stdin size, env names, timeout) shown on one line. */
  notes?: string[];
}

/**
 * Per-operation log file (mode 0600): every step's full command, exit code, stdout and stderr,
 * with every registered secret replaced by `********` before anything reaches the disk. The
 * terminal never sees this; it gets step names and progress through callbacks.
 */
export class OperationLog {
  readonly path: string;
  private fd: number | undefined;
  readonly secrets = new SecretSet();

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /** Open (append to) `path`, creating its directory; the file is forced to mode 0600. */
  static open(path: string, opts: { secrets?: string[] } = {}): OperationLog {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'a', 0o600);
    fchmodSync(fd, 0o600);
    const log = new OperationLog(path, fd);
    if (opts.secrets) log.redact(opts.secrets);
    return log;
  }

  /** Add secrets to redact from everything written from now on. */
  redact(secrets: Iterable<string | undefined>): void {
    this.secrets.add(secrets);
  }

  /** Write free text (one or more lines), redacted. */
  write(text: string): void {
    if (this.fd === undefined) return;
    const t = this.secrets.apply(text);
    writeSync(this.fd, t.endsWith('\n') ? t : `${t}\n`);
  }

  /** A timestamped one-line event (step start, skip, result, connect attempt...). */
  event(message: string): void {
    this.write(`[${new Date().toISOString()}] ${message}`);
  }

  command(e: CommandLogEntry): void {
    const how = e.code !== null ? `exit ${e.code}` : `signal ${e.signal ?? '?'}`;
    const parts = [
      `[${new Date().toISOString()}] ${e.target} step "${e.step}": ${how} after ${(e.ms / 1000).toFixed(3)} s`,
      `$ ${e.command}`,
    ];
    if (e.notes?.length) parts.push(`# ${e.notes.join('; ')}`);
    parts.push(section('stdout', e.stdout), section('stderr', e.stderr), '');
    this.write(parts.join('\n'));
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function section(name: string, data: string | Buffer): string {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (!text) return `--- ${name}: (empty)`;
  return `--- ${name}:\n${text.endsWith('\n') ? text.slice(0, -1) : text}`;
}
