/**
 * Commands over one SSH connection: an exec channel per command (at most `maxChannels` at once),
 * stdin, a deadline that signals the remote process group, the output tail kept in memory and
 * every command written to the operation log with its secrets masked. Errors name the step and
 * the target. `RemoteHost` (./host.ts) builds sudo, SFTP and uploads on top of it.
 */
import { basename } from 'node:path';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import type { Client, ClientChannel } from 'ssh2';
import { SecretSet } from '../redact.js';
import { currentStep } from './context.js';
import { RemoteCommandError, RemoteError, RemoteTimeoutError } from './errors.js';
import type { OperationLog } from './log.js';

/** A command: an argv array (each element quoted by `shellQuote`), or a local script file + argv. */
export type Command = readonly string[] | ScriptCommand;

export interface ScriptCommand {
  /** Local path of a script in the source tree; it is uploaded (SFTP, 0600) into a private temp dir. */
  script: string;
  args?: readonly string[];
}

export interface RunOptions {
  /** Name of the step for logs and errors (default: the enclosing `runSteps` step, else argv[0..1]). */
  step?: string;
  /** Run as root through `sudo -n` (or `sudo -S` with the password on stdin when sudo needs one). */
  sudo?: boolean;
  /** Data for the command's stdin (closed after it; empty when not given). Never logged. */
  stdin?: string | Buffer | Readable;
  /** Environment variables; uploaded as a private file and exported by `with-env.sh`, never put in shell text. */
  env?: Readonly<Record<string, string>>;
  /** Kill the command after this long (remote `timeout` + channel signal); a `RemoteTimeoutError` names the step. */
  timeoutMs?: number;
  /** Additional strings to redact from the log and from error messages. */
  secrets?: readonly string[];
  /** Keep at most this many bytes of each of stdout/stderr (the tail is kept). Default 32 MiB. */
  maxOutputBytes?: number;
}

export interface RunResult {
  /** Exit code, or null when the command was killed by a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface RawRunResult {
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  ms: number;
}

/** How one command line is run by {@link SshConnection.exec}. */
export interface ExecOptions {
  step: string;
  stdin?: string | Buffer | Readable | undefined;
  /** Written before `stdin` (the sudo password line). */
  stdinPrefix?: Buffer | undefined;
  timeoutMs?: number | undefined;
  maxOutputBytes: number;
  notes: string[];
  secrets?: readonly string[] | undefined;
}

export interface SshConnectionInit {
  client: Client;
  host: string;
  port: number;
  username: string;
  log?: OperationLog | undefined;
  secrets: SecretSet;
  /** Parallel exec channels (sshd's MaxSessions defaults to 10, the SFTP channel is one). */
  maxChannels?: number | undefined;
}

export const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024;
export const INTERNAL_TIMEOUT_MS = 120_000;
/** After the local deadline: how long the remote `timeout -k` and channel signals get before we drop the channel. */
const KILL_GRACE_MS = 10_000;

/** One authenticated SSH connection running command lines (already quoted by `shellJoin`). */
export class SshConnection {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** `user@host:port`, used in every message. */
  readonly target: string;
  /** Secrets redacted from the log and from error messages (login and sudo passwords are in it). */
  readonly secrets: SecretSet;
  log: OperationLog | undefined;

  protected readonly client: Client;
  private readonly channelLimit: ReturnType<typeof pLimit>;
  protected closedReason: string | undefined;

  constructor(init: SshConnectionInit) {
    this.client = init.client;
    this.host = init.host;
    this.port = init.port;
    this.username = init.username;
    this.target = `${init.username}@${init.host}:${init.port}`;
    this.log = init.log;
    this.secrets = init.secrets;
    this.channelLimit = pLimit(init.maxChannels ?? 8);
    this.client.on('error', (err: Error & { level?: string }) => {
      // ssh2's keepalive timeout says only "Keepalive timeout"; say what it means for a VM.
      this.closedReason ??=
        err.level === 'client-timeout' ? 'the VM stopped answering (SSH keepalive timeout: unreachable or hung)' : `connection error: ${err.message}`;
      this.log?.event(`${this.target}: ${this.closedReason}`);
    });
    this.client.on('close', () => {
      this.closedReason ??= 'connection closed by the server or the network';
    });
    batchSocketWrites(this.client);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }
  /** Why the connection ended (keepalive timeout, closed by the peer…), or undefined while it is up. */
  get connectionLost(): string | undefined {
    return this.closedReason;
  }


  /** Run a command line over one exec channel; logs it; throws on timeout or lost connection. */
  protected exec(commandLine: string, o: ExecOptions): Promise<RawRunResult> {
    return this.channelLimit(async () => {
      this.assertOpen(o.step);
      const started = Date.now();
      const raw = await new Promise<{
        code: number | null;
        signal: string | null;
        stdout: Buffer;
        stderr: Buffer;
        timedOut: boolean;
        gotExit: boolean;
      }>((resolve, reject) => {
        const started = (err: Error | undefined, ch: ClientChannel): void => {
          if (err) {
            // A connection that died meanwhile fails its pending channels with ssh2's "No response from server": give the reason.
            const why = this.closedReason ? `the connection is gone: ${this.closedReason}` : err.message;
            reject(new RemoteError(`${this.target}: cannot start step "${o.step}": ${why}`, { target: this.target, step: o.step, cause: err }));
            return;
          }
          const out = new TailBuffer(o.maxOutputBytes);
          const errOut = new TailBuffer(o.maxOutputBytes);
          let code: number | null = null;
          let signal: string | null = null;
          let gotExit = false;
          let timedOut = false;
          let done = false;
          let deadline: NodeJS.Timeout | undefined;
          let killTimer: NodeJS.Timeout | undefined;
          const finish = (): void => {
            if (done) return;
            done = true;
            clearTimeout(deadline);
            clearTimeout(killTimer);
            resolve({ code, signal, stdout: out.toBuffer(), stderr: errOut.toBuffer(), timedOut, gotExit });
          };
          ch.on('data', (d: Buffer) => out.push(d));
          ch.stderr.on('data', (d: Buffer) => errOut.push(d));
          ch.on('exit', (c: number | null, s?: string) => {
            gotExit = true;
            code = typeof c === 'number' ? c : null;
            signal = typeof s === 'string' ? s : null;
          });
          ch.on('error', () => {
            /* reported through 'close' without an exit status */
          });
          ch.on('close', finish);
          if (o.timeoutMs !== undefined) {
            deadline = setTimeout(() => {
              timedOut = true;
              trySignal(ch, 'TERM');
              killTimer = setTimeout(() => {
                trySignal(ch, 'KILL');
                try {
                  ch.close();
                } catch {
                  /* already closed */
                }
                finish();
              }, KILL_GRACE_MS);
            }, o.timeoutMs);
          }
          if (o.stdinPrefix) ch.write(o.stdinPrefix);
          const stdin = o.stdin;
          if (stdin instanceof Readable) {
            stdin.on('error', (e: Error) => {
              errOut.push(Buffer.from(`\n[vnflcm: local stdin stream failed: ${e.message}]\n`));
              ch.end();
            });
            stdin.pipe(ch);
          } else {
            if (stdin !== undefined && (typeof stdin === 'string' ? stdin.length > 0 : stdin.length > 0)) ch.write(stdin);
            ch.end();
          }
        };
        try {
          this.client.exec(commandLine, started);
        } catch (err) {
          reject(new RemoteError(`${this.target}: cannot start step "${o.step}": ${(err as Error).message}`, { target: this.target, step: o.step, cause: err }));
        }
      });
      const ms = Date.now() - started;
      this.log?.command({
        target: this.target,
        step: o.step,
        command: commandLine,
        code: raw.code,
        signal: raw.timedOut ? (raw.signal ?? 'timeout') : raw.signal,
        stdout: raw.stdout,
        stderr: raw.stderr,
        ms,
        notes: [...o.notes, ...(raw.timedOut ? ['TIMED OUT, killed'] : []), ...(raw.gotExit ? [] : ['no exit status'])],
      });
      if (raw.timedOut) {
        throw new RemoteTimeoutError({ target: this.target, step: o.step, timeoutMs: o.timeoutMs ?? 0, logPath: this.log?.path });
      }
      if (!raw.gotExit) {
        throw new RemoteError(
          `Step "${o.step}" on ${this.target}: the connection was lost before the command finished` +
            (this.closedReason ? ` (${this.closedReason})` : '') +
            '.',
          { target: this.target, step: o.step },
        );
      }
      return { code: raw.code, signal: raw.signal, stdout: raw.stdout, stderr: raw.stderr, ms };
    });
  }

  protected stepName(command: Command, explicit?: string): string {
    if (explicit) return explicit;
    const ctx = currentStep();
    if (ctx) return ctx;
    if (isScript(command)) return basename(command.script);
    return command.slice(0, 2).join(' ');
  }

  protected commandError(step: string, code: number | null, signal: string | null, output: string, extra?: readonly string[]): RemoteCommandError {
    const redacted = this.redactText(output, extra);
    const tail = redacted.replace(/\s+$/, '').split('\n').slice(-15).join('\n');
    return new RemoteCommandError({ target: this.target, step, code, signal, stderrTail: tail, logPath: this.log?.path });
  }

  protected redactText(text: string, extra?: readonly string[]): string {
    let t = this.secrets.apply(text);
    if (this.log) t = this.log.secrets.apply(t);
    if (extra?.length) {
      const s = new SecretSet();
      s.add(extra);
      t = s.apply(t);
    }
    return t;
  }

  protected assertOpen(step: string): void {
    if (this.closedReason !== undefined) {
      throw new RemoteError(`Step "${step}" on ${this.target}: not connected (${this.closedReason}).`, { target: this.target, step });
    }
  }

}

export function isScript(c: Command): c is ScriptCommand {
  return !Array.isArray(c) && typeof (c as ScriptCommand).script === 'string';
}


/**
 * Send a signal request to the remote session (sshd delivers it with killpg as the login user).
 * ssh2's `Channel.signal()` stays silent once our side has sent EOF (we always close stdin), so
 * the request goes through the protocol object then; sshd still honours it.
 */
function trySignal(ch: ClientChannel, sig: string): void {
  const internals = ch as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, signal: string) => void } };
  };
  try {
    const id = internals.outgoing?.id;
    const proto = internals._client?._protocol;
    if (internals.outgoing?.state === 'eof' && typeof id === 'number' && typeof proto?.signal === 'function') {
      proto.signal(id, sig);
    } else {
      ch.signal(sig);
    }
  } catch {
    /* channel gone */
  }
}

/**
 * ssh2 writes every SSH packet (at most 32 KiB of channel data) to the socket on its own. Corking
 * the socket for the rest of the current tick turns the packets produced by one burst of SFTP
 * writes into one writev(2), which halves the kernel time of a bulk upload over a local link.
 */
function batchSocketWrites(client: Client): void {
  const sock = (client as unknown as { _sock?: unknown })._sock;
  if (!(sock instanceof Socket)) return;
  let corked = false;
  const write = sock.write;
  const uncork = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}

/** Keeps the last `max` bytes written to it. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) {
      const first = this.chunks.shift() as Buffer;
      this.size -= first.length;
      this.dropped += first.length;
    }
  }
  toBuffer(): Buffer {
    const b = Buffer.concat(this.chunks);
    return this.dropped > 0 ? Buffer.concat([Buffer.from(`[... ${this.dropped} bytes dropped ...]\n`), b]) : b;
  }
}

