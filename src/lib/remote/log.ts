import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { shellQuote } from './quote.js';

export const REDACTED = '********';

/**
 * The forms in which a secret can show up in text we write: as is, shell-quoted (commands are
 * logged as quoted shell text), JSON-escaped, and base64 (an `auth` string is base64 of
 * `user:pass`; callers add that combination with {@link basicAuthSecrets}).
 */
export function secretVariants(secret: string): string[] {
  if (!secret) return [];
  const out = new Set<string>([secret]);
  const quoted = shellQuote(secret);
  out.add(quoted);
  if (quoted.startsWith("'") && quoted.endsWith("'")) out.add(quoted.slice(1, -1));
  out.add(JSON.stringify(secret).slice(1, -1));
  out.add(Buffer.from(secret, 'utf8').toString('base64'));
  out.add(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, ''));
  out.add(encodeURIComponent(secret));
  return [...out].filter((s) => s.length > 0);
}

/** The secrets a registry login implies: the password and the base64 `user:pass` auth string. */
export function basicAuthSecrets(user: string, password: string): string[] {
  const auth = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return [password, auth, auth.replace(/=+$/, '')];
}

/** Replace every occurrence of every secret (and its variants) in `text`. Longest first. */
export function redact(text: string, secrets: Iterable<string>): string {
  const all = new Set<string>();
  for (const s of secrets) for (const v of secretVariants(s)) all.add(v);
  if (all.size === 0 || !text) return text;
  const sorted = [...all].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of sorted) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** A set of secrets shared by a host, its log and its errors. */
export class SecretSet {
  private readonly items = new Set<string>();
  add(secrets: Iterable<string | undefined>): void {
    for (const s of secrets) if (s) this.items.add(s);
  }
  apply(text: string): string {
    return redact(text, this.items);
  }
  get size(): number {
    return this.items.size;
  }
}

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
