import { createHash, randomBytes } from 'node:crypto';
import { open as fsOpen, readFile as fsReadFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { currentStep } from './context.js';
import { RemoteCommandError, RemoteError, RemoteTimeoutError, formatMs } from './errors.js';
import { OperationLog, SecretSet } from './log.js';
import { shellJoin } from './quote.js';
import { bundledScript } from './scripts.js';

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

export interface WriteFileOptions {
  /** File mode, e.g. 0o600 for secrets, 0o644 otherwise. */
  mode: number;
  /** Owner (user name or uid) to give the file; needs `sudo` unless it is the login user. */
  owner?: string;
  group?: string;
  sudo?: boolean;
  /** Create the parent directory when missing. */
  parents?: boolean;
  step?: string;
  timeoutMs?: number;
}

export interface UploadProgress {
  phase: 'transfer' | 'verify' | 'done';
  transferred: number;
  total: number;
}

export interface UploadOptions {
  mode?: number;
  /** Called at most every `progressIntervalMs` during the transfer, and once per phase change. */
  onProgress?: (p: UploadProgress) => void;
  progressIntervalMs?: number;
  /** Parallel SFTP write requests in flight (default 64). */
  concurrency?: number;
  /** Bytes per SFTP write request (default 32 KiB, at most the server's limit, ~255 KiB on OpenSSH). */
  chunkSize?: number;
  /** Compare the remote `sha256sum` with the hash of the bytes sent (default true). */
  verify?: boolean;
  /** Install the file with sudo (owner/group/mode) after the upload; the data goes through the private temp dir. */
  sudo?: boolean;
  owner?: string;
  group?: string;
  step?: string;
}

export interface UploadResult {
  bytes: number;
  sha256: string;
  transferMs: number;
  verifyMs: number;
}

export interface RemoteHostInit {
  client: Client;
  host: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
  hostKeyType: string;
  sudoPassword?: string;
  log?: OperationLog;
  secrets: SecretSet;
  /** Parallel exec channels (sshd's MaxSessions defaults to 10, the SFTP channel is one). */
  maxChannels?: number;
}

type SudoMode = 'nopasswd' | 'password';

const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024;
const INTERNAL_TIMEOUT_MS = 120_000;
/** After the local deadline: how long the remote `timeout -k` and channel signals get before we drop the channel. */
const KILL_GRACE_MS = 10_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One authenticated SSH connection to a VM (from `connect()`): commands, files, uploads.
 * Commands are always argv arrays joined by `shellJoin`; no data is ever pasted into shell text.
 */
export class RemoteHost {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** `user@host:port`, used in every message. */
  readonly target: string;
  readonly hostKeyFingerprint: string;
  readonly hostKeyType: string;
  /** Secrets redacted from the log and from error messages (login and sudo passwords are in it). */
  readonly secrets: SecretSet;
  log: OperationLog | undefined;

  private readonly client: Client;
  private readonly sudoPassword: string | undefined;
  private readonly channelLimit: ReturnType<typeof pLimit>;
  private sudoModeP: Promise<SudoMode> | undefined;
  private sftpP: Promise<SFTPWrapper> | undefined;
  private tmpDirP: Promise<string> | undefined;
  private readonly scripts = new Map<string, Promise<string>>();
  private closedReason: string | undefined;

  constructor(init: RemoteHostInit) {
    this.client = init.client;
    this.host = init.host;
    this.port = init.port;
    this.username = init.username;
    this.target = `${init.username}@${init.host}:${init.port}`;
    this.hostKeyFingerprint = init.hostKeyFingerprint;
    this.hostKeyType = init.hostKeyType;
    this.sudoPassword = init.sudoPassword;
    this.log = init.log;
    this.secrets = init.secrets;
    this.channelLimit = pLimit(init.maxChannels ?? 8);
    if (this.sudoPassword !== undefined && /[\n\r]/.test(this.sudoPassword)) {
      throw new RemoteError(`${this.target}: a sudo password cannot contain a line break`, { target: this.target });
    }
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

  // ------------------------------------------------------------------ commands

  /** Run a command; success is the exit code (stderr output is just output). Throws only on timeout or a lost connection. */
  async run(command: Command, opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.runRaw(command, opts);
    return { code: r.code, signal: r.signal, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  /** As {@link run}, but a non-zero exit throws a `RemoteCommandError` with the step, the code and the last stderr lines. */
  async runChecked(command: Command, opts: RunOptions = {}): Promise<RunResult> {
    const step = this.stepName(command, opts.step);
    const r = await this.run(command, { ...opts, step });
    if (r.code !== 0) throw this.commandError(step, r.code, r.signal, r.stderr || r.stdout, opts.secrets);
    return r;
  }

  /** As {@link run} with stdout/stderr as Buffers (binary output). */
  async runRaw(command: Command, opts: RunOptions = {}): Promise<RawRunResult> {
    const step = this.stepName(command, opts.step);
    let argv: string[];
    if (isScript(command)) {
      const { remotePath, interpreter } = await this.ensureScript(command.script);
      argv = [interpreter, remotePath, ...(command.args ?? [])];
    } else {
      if (command.length === 0) throw new Error('run: empty command');
      argv = [...command];
    }
    const notes: string[] = [];
    const envNames = Object.keys(opts.env ?? {});
    if (envNames.length > 0 && opts.env) {
      const envFile = await this.uploadEnvFile(opts.env);
      const loader = await this.ensureScript(bundledScript('with-env.sh'));
      argv = ['bash', loader.remotePath, envFile, ...argv];
      notes.push(`env: ${envNames.join(', ')} (values in a private file)`);
    }
    if (opts.timeoutMs !== undefined) {
      // The remote `timeout` kills the whole process group (also under sudo); it fires a little
      // after the local deadline, so the local timer always decides and reports.
      const secs = Math.ceil(opts.timeoutMs / 1000) + 2;
      argv = ['timeout', '-k', '5', String(secs), ...argv];
      notes.push(`timeout ${formatMs(opts.timeoutMs)}`);
    }
    let stdinPrefix: Buffer | undefined;
    if (opts.sudo) {
      const mode = await this.sudoMode();
      if (mode === 'nopasswd') {
        argv = ['sudo', '-H', '-n', '--', ...argv];
      } else {
        // -k: always ask (so the password line is always consumed by sudo, never by the command).
        argv = ['sudo', '-H', '-k', '-S', '-p', '', '--', ...argv];
        stdinPrefix = Buffer.from(`${this.sudoPassword ?? ''}\n`, 'utf8');
        notes.push('sudo password on stdin');
      }
    }
    if (opts.stdin !== undefined) {
      notes.push(
        typeof opts.stdin === 'string' || Buffer.isBuffer(opts.stdin)
          ? `stdin: ${Buffer.byteLength(opts.stdin)} bytes (not logged)`
          : 'stdin: stream (not logged)',
      );
    }
    return this.exec(shellJoin(argv), {
      step,
      stdin: opts.stdin,
      stdinPrefix,
      timeoutMs: opts.timeoutMs,
      maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
      notes,
      secrets: opts.secrets,
    });
  }

  /** Run a command line built by `shellJoin` over one exec channel; logs it; throws on timeout or lost connection. */
  private exec(
    commandLine: string,
    o: {
      step: string;
      stdin?: string | Buffer | Readable;
      stdinPrefix?: Buffer;
      timeoutMs?: number;
      maxOutputBytes: number;
      notes: string[];
      secrets?: readonly string[];
    },
  ): Promise<RawRunResult> {
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

  private stepName(command: Command, explicit?: string): string {
    if (explicit) return explicit;
    const ctx = currentStep();
    if (ctx) return ctx;
    if (isScript(command)) return basename(command.script);
    return command.slice(0, 2).join(' ');
  }

  private commandError(step: string, code: number | null, signal: string | null, output: string, extra?: readonly string[]): RemoteCommandError {
    const redacted = this.redactText(output, extra);
    const tail = redacted.replace(/\s+$/, '').split('\n').slice(-15).join('\n');
    return new RemoteCommandError({ target: this.target, step, code, signal, stderrTail: tail, logPath: this.log?.path });
  }

  private redactText(text: string, extra?: readonly string[]): string {
    let t = this.secrets.apply(text);
    if (this.log) t = this.log.secrets.apply(t);
    if (extra?.length) {
      const s = new SecretSet();
      s.add(extra);
      t = s.apply(t);
    }
    return t;
  }

  private assertOpen(step: string): void {
    if (this.closedReason !== undefined) {
      throw new RemoteError(`Step "${step}" on ${this.target}: not connected (${this.closedReason}).`, { target: this.target, step });
    }
  }

  /** How sudo works for this user: without a password (`sudo -n`), or with it on stdin (`sudo -S`). */
  private sudoMode(): Promise<SudoMode> {
    this.sudoModeP ??= (async (): Promise<SudoMode> => {
      const probe = await this.exec(shellJoin(['sudo', '-n', 'true']), {
        step: 'check sudo',
        timeoutMs: INTERNAL_TIMEOUT_MS,
        maxOutputBytes: 64 * 1024,
        notes: [],
      });
      if (probe.code === 0) return 'nopasswd';
      const why = probe.stderr.toString('utf8').trim();
      if (this.sudoPassword === undefined) {
        throw new RemoteError(
          `${this.target}: sudo needs a password for ${this.username} and none was given (sudo -n: ${why || `exit ${probe.code}`}).`,
          { target: this.target, step: 'check sudo' },
        );
      }
      const withPw = await this.exec(shellJoin(['sudo', '-k', '-S', '-p', '', 'true']), {
        step: 'check sudo password',
        stdinPrefix: Buffer.from(`${this.sudoPassword}\n`, 'utf8'),
        timeoutMs: INTERNAL_TIMEOUT_MS,
        maxOutputBytes: 64 * 1024,
        notes: ['sudo password on stdin'],
      });
      if (withPw.code !== 0) {
        throw new RemoteError(
          `${this.target}: ${this.username} cannot use sudo with the given password: ${this.redactText(withPw.stderr.toString('utf8').trim()) || `exit ${withPw.code}`}.`,
          { target: this.target, step: 'check sudo password' },
        );
      }
      return 'password';
    })();
    this.sudoModeP.catch(() => {
      this.sudoModeP = undefined; // let a later call try again
    });
    return this.sudoModeP;
  }

  // ------------------------------------------------------------------ SFTP and private temp dir

  private sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= new Promise<SFTPWrapper>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.sftpP = undefined;
        const why = this.closedReason ? `the connection is gone: ${this.closedReason}` : err.message;
        reject(new RemoteError(`${this.target}: cannot open an SFTP session: ${why}`, { target: this.target, cause: err }));
      };
      try {
        this.assertOpen('open SFTP');
        this.client.sftp((err, sftp) => {
          if (err) return fail(err);
          sftp.on('close', () => {
            this.sftpP = undefined;
          });
          resolve(sftp);
        });
      } catch (err) {
        fail(err as Error);
      }
    });
    return this.sftpP;
  }

  /** A private (0700) directory of this connection under /tmp, removed by `close()`. */
  tmpDir(): Promise<string> {
    this.tmpDirP ??= (async () => {
      const r = await this.exec(shellJoin(['mktemp', '-d', '/tmp/vnflcm.XXXXXXXXXX']), {
        step: 'create private temp dir',
        timeoutMs: INTERNAL_TIMEOUT_MS,
        maxOutputBytes: 64 * 1024,
        notes: [],
      });
      const dir = r.stdout.toString('utf8').trim();
      if (r.code !== 0 || !/^\/tmp\/vnflcm\.[A-Za-z0-9]+$/.test(dir)) {
        throw this.commandError('create private temp dir', r.code, r.signal, r.stderr.toString('utf8') || dir);
      }
      return dir;
    })();
    this.tmpDirP.catch(() => {
      this.tmpDirP = undefined;
    });
    return this.tmpDirP;
  }

  /** Write `data` as a new private file (exclusive create, mode applied exactly). */
  private async sftpWriteNew(remotePath: string, data: Buffer, mode: number): Promise<void> {
    const sftp = await this.sftp();
    const handle = await sftpCall<Buffer>((cb) => sftp.open(remotePath, 'wx', { mode }, cb));
    try {
      await sftpCall<void>((cb) => sftp.fchmod(handle, mode, cb));
      let off = 0;
      while (off < data.length) {
        const n = Math.min(32 * 1024, data.length - off);
        const at = off;
        await sftpCall<void>((cb) => sftp.write(handle, data, at, n, at, (e) => cb(e)));
        off += n;
      }
    } finally {
      await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
    }
  }

  private async ensureScript(localPath: string): Promise<{ remotePath: string; interpreter: string }> {
    const content = await fsReadFile(localPath);
    const interpreter = interpreterOf(content);
    const key = createHash('sha256').update(content).digest('hex');
    let p = this.scripts.get(key);
    if (!p) {
      p = (async () => {
        const dir = await this.tmpDir();
        const remotePath = `${dir}/${key.slice(0, 12)}-${basename(localPath).replace(/[^A-Za-z0-9._-]/g, '_')}`;
        await this.sftpWriteNew(remotePath, content, 0o600);
        return remotePath;
      })();
      p.catch(() => this.scripts.delete(key));
      this.scripts.set(key, p);
    }
    return { remotePath: await p, interpreter };
  }

  private async uploadEnvFile(env: Readonly<Record<string, string>>): Promise<string> {
    const records: string[] = [];
    for (const [name, value] of Object.entries(env)) {
      if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
      if (typeof value !== 'string' || value.includes('\0')) throw new Error(`environment variable ${name}: value must be a string without NUL bytes`);
      records.push(`${name}=${value}\0`);
    }
    const dir = await this.tmpDir();
    const path = `${dir}/env-${randomBytes(8).toString('hex')}`;
    await this.sftpWriteNew(path, Buffer.from(records.join(''), 'utf8'), 0o600);
    return path;
  }

  // ------------------------------------------------------------------ files

  /**
   * Write a whole file: SFTP into a private temp file (0600), then `install` (with sudo when asked)
   * into a temp name beside the destination and `mv -T` over it, so the change is atomic.
   */
  async writeFile(remotePath: string, content: string | Buffer, opts: WriteFileOptions): Promise<void> {
    checkRemotePath(remotePath);
    const step = opts.step ?? currentStep() ?? `write ${remotePath}`;
    const dir = await this.tmpDir();
    const tmp = `${dir}/w-${randomBytes(8).toString('hex')}`;
    await this.sftpWriteNew(tmp, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), 0o600);
    await this.runChecked(
      {
        script: bundledScript('install-file.sh'),
        args: [tmp, remotePath, modeString(opts.mode), opts.owner ?? '', opts.group ?? '', opts.parents ? '1' : '0'],
      },
      { step, sudo: opts.sudo, timeoutMs: opts.timeoutMs ?? INTERNAL_TIMEOUT_MS },
    );
  }

  /** Read a whole file (SFTP, or `sudo cat` with `sudo`). */
  async readFile(remotePath: string, opts: { sudo?: boolean; step?: string } = {}): Promise<Buffer> {
    checkRemotePath(remotePath);
    const step = opts.step ?? currentStep() ?? `read ${remotePath}`;
    if (opts.sudo) {
      const r = await this.runRaw(['cat', '--', remotePath], { step, sudo: true, timeoutMs: INTERNAL_TIMEOUT_MS, maxOutputBytes: Number.MAX_SAFE_INTEGER });
      if (r.code !== 0) throw this.commandError(step, r.code, r.signal, r.stderr.toString('utf8'));
      return r.stdout;
    }
    const sftp = await this.sftp();
    try {
      return await sftpCall<Buffer>((cb) => sftp.readFile(remotePath, cb));
    } catch (err) {
      throw new RemoteError(`Step "${step}" on ${this.target}: cannot read ${remotePath}: ${sftpErrorText(err)}`, { target: this.target, step, cause: err });
    }
  }

  /** Whether a path exists (`test -e`). */
  async exists(remotePath: string, opts: { sudo?: boolean; step?: string } = {}): Promise<boolean> {
    checkRemotePath(remotePath);
    const step = opts.step ?? currentStep() ?? `test -e ${remotePath}`;
    const r = await this.run(['test', '-e', remotePath], { step, sudo: opts.sudo, timeoutMs: INTERNAL_TIMEOUT_MS });
    if (r.code === 0) return true;
    if (r.code === 1) return false;
    throw this.commandError(step, r.code, r.signal, r.stderr);
  }

  /** Hex SHA-256 of a remote file (`openssl dgst -sha256`, else `sha256sum`; see scripts/sha256.sh). */
  async sha256(remotePath: string, opts: { sudo?: boolean; step?: string; timeoutMs?: number } = {}): Promise<string> {
    checkRemotePath(remotePath);
    const step = opts.step ?? currentStep() ?? `sha256sum ${remotePath}`;
    const r = await this.runChecked(
      { script: bundledScript('sha256.sh'), args: [remotePath] },
      { step, sudo: opts.sudo, timeoutMs: opts.timeoutMs ?? 30 * 60_000 },
    );
    const m = /^([0-9a-f]{64})\s*$/.exec(r.stdout);
    if (!m?.[1]) throw new RemoteError(`Step "${step}" on ${this.target}: unexpected sha256sum output: ${r.stdout.slice(0, 200)}`, { target: this.target, step });
    return m[1];
  }

  /**
   * Stream a local file to the VM over SFTP with `concurrency` write requests in flight (memory:
   * about concurrency x chunkSize), hashing the bytes as they are read; the remote copy is then
   * checked with `sha256sum` and renamed into place. A failed or mismatching upload leaves no
   * file at `remotePath`.
   */
  async upload(localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
    checkRemotePath(remotePath);
    const step = opts.step ?? currentStep() ?? `upload ${basename(localPath)}`;
    const mode = opts.mode ?? 0o644;
    const viaSudo = Boolean(opts.sudo || opts.owner || opts.group);
    const part = viaSudo
      ? `${await this.tmpDir()}/u-${randomBytes(8).toString('hex')}`
      : `${remotePath}.vnflcm-part-${randomBytes(4).toString('hex')}`;
    const sftp = await this.sftp();
    const fh = await fsOpen(localPath, 'r');
    // Stage what the verification needs while the data flows (private dir, hashing script).
    const staged = opts.verify !== false ? this.ensureScript(bundledScript('sha256.sh')) : Promise.resolve(undefined);
    staged.catch(() => undefined);
    const t0 = Date.now();
    let sha256: string;
    let size: number;
    try {
      size = (await fh.stat()).size;
      let handle: Buffer;
      try {
        handle = await sftpCall<Buffer>((cb) => sftp.open(part, 'w', { mode: viaSudo ? 0o600 : mode }, cb));
      } catch (err) {
        throw new RemoteError(`Step "${step}" on ${this.target}: cannot create ${part}: ${sftpErrorText(err)}`, { target: this.target, step, cause: err });
      }
      const hash = createHash('sha256');
      try {
        await sftpCall<void>((cb) => sftp.fchmod(handle, viaSudo ? 0o600 : mode, cb));
        const progress = throttled(opts.onProgress, opts.progressIntervalMs ?? 200);
        let sent = 0;
        progress({ phase: 'transfer', transferred: 0, total: size }, true);
        await pipelinedWrite({
          sftp,
          handle,
          read: (buf, length, position) => fh.read(buf, 0, length, position).then((r) => r.bytesRead),
          size,
          chunkSize: opts.chunkSize ?? 64 * 1024,
          concurrency: Math.max(1, opts.concurrency ?? 64),
          onChunk: (chunk) => hash.update(chunk),
          onAck: (n) => {
            sent += n;
            progress({ phase: 'transfer', transferred: sent, total: size }, sent === size);
          },
        });
      } catch (err) {
        await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
        await sftpCall<void>((cb) => sftp.unlink(part, cb)).catch(() => undefined);
        if (err instanceof RemoteError) throw err;
        throw new RemoteError(`Step "${step}" on ${this.target}: upload of ${localPath} to ${part} failed: ${sftpErrorText(err)}`, { target: this.target, step, cause: err });
      }
      await sftpCall<void>((cb) => sftp.close(handle, cb));
      sha256 = hash.digest('hex');
    } finally {
      await fh.close();
    }
    const transferMs = Date.now() - t0;
    let verifyMs = 0;
    try {
      verifyMs = await this.verifyAndPlace({ step, localPath, remotePath, part, sha256, size, mode, viaSudo, sftp, opts, staged });
    } catch (err) {
      await this.run(['rm', '-f', '--', part], { step: `${step}: remove partial copy` }).catch(() => undefined);
      throw err;
    }
    this.log?.event(`${this.target} step "${step}": uploaded ${size} bytes to ${remotePath} in ${transferMs} ms (sha256 ${sha256}${opts.verify === false ? ', not verified' : ', verified'})`);
    opts.onProgress?.({ phase: 'done', transferred: size, total: size });
    return { bytes: size, sha256, transferMs, verifyMs };
  }

  private async verifyAndPlace(a: {
    step: string;
    localPath: string;
    remotePath: string;
    part: string;
    sha256: string;
    size: number;
    mode: number;
    viaSudo: boolean;
    sftp: SFTPWrapper;
    opts: UploadOptions;
    staged: Promise<unknown>;
  }): Promise<number> {
    const { step, localPath, remotePath, part, sha256, size, mode, viaSudo, sftp, opts } = a;
    const t1 = Date.now();
    if (opts.verify !== false) {
      opts.onProgress?.({ phase: 'verify', transferred: size, total: size });
      await a.staged;
      const remote = await this.sha256(part, { step: `${step}: verify` });
      if (remote !== sha256) {
        throw new RemoteError(
          `Step "${step}" on ${this.target}: the uploaded copy of ${localPath} is corrupt (sha256 sent ${sha256}, remote ${remote}); it was removed.`,
          { target: this.target, step },
        );
      }
    }
    const verifyMs = Date.now() - t1;
    if (viaSudo) {
      await this.runChecked(
        { script: bundledScript('install-file.sh'), args: [part, remotePath, modeString(mode), opts.owner ?? '', opts.group ?? '', '0'] },
        { step: `${step}: install`, sudo: true, timeoutMs: 30 * 60_000 },
      );
    } else {
      // posix-rename@openssh.com: an atomic rename(2) over an existing file without another exec
      const renamed = await sftpCall<void>((cb) => sftp.ext_openssh_rename(part, remotePath, cb)).then(
        () => true,
        () => false,
      );
      if (!renamed) await this.runChecked(['mv', '-fT', '--', part, remotePath], { step: `${step}: rename`, timeoutMs: INTERNAL_TIMEOUT_MS });
    }
    return verifyMs;
  }

  /** Remove the private temp dir (best effort) and disconnect. */
  async close(): Promise<void> {
    if (this.closedReason !== undefined) return;
    const dir = this.tmpDirP ? await this.tmpDirP.catch(() => undefined) : undefined;
    if (dir) {
      await this.exec(shellJoin(['rm', '-rf', '--', dir]), { step: 'remove private temp dir', timeoutMs: 30_000, maxOutputBytes: 64 * 1024, notes: [] }).catch(
        () => undefined,
      );
    }
    this.closedReason = 'closed by vnflcm';
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.client.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.client.end();
    });
  }
}

// ---------------------------------------------------------------------- helpers

function isScript(c: Command): c is ScriptCommand {
  return !Array.isArray(c) && typeof (c as ScriptCommand).script === 'string';
}

function interpreterOf(content: Buffer): string {
  const first = content.subarray(0, Math.min(content.length, 200)).toString('utf8').split('\n')[0] ?? '';
  if (/^#!\s*\/(usr\/)?bin\/(env\s+)?sh\b/.test(first) || /^#!\s*\/usr\/bin\/env\s+sh\b/.test(first)) return 'sh';
  return 'bash';
}

function modeString(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new Error(`invalid file mode ${mode}`);
  return mode.toString(8).padStart(4, '0');
}

function checkRemotePath(p: string): void {
  if (typeof p !== 'string' || !p.startsWith('/') || p.includes('\0')) throw new Error(`remote path must be absolute: ${JSON.stringify(p)}`);
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

function sftpErrorText(err: unknown): string {
  const e = err as { message?: string; code?: unknown };
  const msg = e?.message ?? String(err);
  switch (e?.code) {
    case 2:
      return `${msg} (no such file or directory)`;
    case 3:
      return `${msg} (permission denied)`;
    case 4:
      return `${msg} (the SFTP server reported a generic failure, e.g. no space left on the device)`;
    default:
      return msg;
  }
}

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}

function throttled(fn: ((p: UploadProgress) => void) | undefined, everyMs: number): (p: UploadProgress, force?: boolean) => void {
  let last = 0;
  return (p, force) => {
    if (!fn) return;
    const now = Date.now();
    if (force || now - last >= everyMs) {
      last = now;
      fn(p);
    }
  };
}

/** Keeps the last `max` bytes written to it. */
class TailBuffer {
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

/**
 * Sequential block reads into two reusable buffers (one being sent, one read ahead), pipelined
 * SFTP writes: up to `concurrency` WRITE requests of `chunkSize` in flight. ssh2 copies a request
 * into its packet synchronously when it fits the server's write limit, so a block's buffer is
 * free again as soon as its last request is issued; `chunkSize` is clamped to that limit. Memory
 * is bounded by 2 x readSize + concurrency x chunkSize. `onChunk` sees the data in file order.
 */
export function pipelinedWrite(o: {
  sftp: Pick<SFTPWrapper, 'write'>;
  handle: Buffer;
  read: (buf: Buffer, length: number, position: number) => Promise<number>;
  size: number;
  chunkSize: number;
  concurrency: number;
  readSize?: number;
  onChunk?: (chunk: Buffer) => void;
  onAck?: (bytes: number) => void;
}): Promise<void> {
  const limit = (o.sftp as unknown as { _maxWriteLen?: unknown })._maxWriteLen;
  const chunkSize = Math.max(512, Math.min(o.chunkSize, typeof limit === 'number' && limit > 0 ? limit : 32 * 1024));
  const blockSize = Math.max(chunkSize, Math.floor((o.readSize ?? 1024 * 1024) / chunkSize) * chunkSize);
  return new Promise<void>((resolve, reject) => {
    interface Block {
      buf: Buffer;
      len: number;
      issued: number;
      pos: number;
    }
    const free: Buffer[] = [Buffer.allocUnsafe(Math.min(blockSize, o.size || 1)), Buffer.allocUnsafe(Math.min(blockSize, o.size || 1))];
    const ready: Block[] = [];
    let readPos = 0;
    let acked = 0;
    let inflight = 0;
    let reading = false;
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const fill = (): void => {
      if (failed || reading || readPos >= o.size || free.length === 0) return;
      const buf = free.pop() as Buffer;
      const want = Math.min(buf.length, o.size - readPos);
      const pos = readPos;
      reading = true;
      o.read(buf, want, pos).then(
        (n) => {
          reading = false;
          if (failed) return;
          if (n <= 0) return fail(new Error(`the local file ended at byte ${pos} of ${o.size} (changed during the upload?)`));
          o.onChunk?.(buf.subarray(0, n));
          readPos += n;
          ready.push({ buf, len: n, issued: 0, pos });
          issue();
          fill();
        },
        (e: unknown) => {
          reading = false;
          fail(e);
        },
      );
    };
    const issue = (): void => {
      while (!failed && inflight < o.concurrency && ready.length > 0) {
        const b = ready[0] as Block;
        const n = Math.min(chunkSize, b.len - b.issued);
        inflight++;
        o.sftp.write(o.handle, b.buf, b.issued, n, b.pos + b.issued, (err?: Error | null) => {
          inflight--;
          if (err) return fail(err);
          acked += n;
          o.onAck?.(n);
          if (acked >= o.size) resolve();
          else issue();
        });
        b.issued += n;
        if (b.issued >= b.len) {
          ready.shift();
          free.push(b.buf);
          fill();
        }
      }
    };
    if (o.size === 0) resolve();
    else fill();
  });
}
