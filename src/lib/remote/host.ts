/**
 * One authenticated SSH connection to a VM (from `connect()`): commands (./exec.ts), sudo
 * (./sudo.ts), files over SFTP (./sftp.ts) and verified uploads (./upload.ts). Commands are
 * always argv arrays joined by `shellJoin` (./quote.ts); no data is ever pasted into shell text;
 * environment values go in a private file, secrets on stdin.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { currentStep } from './context.js';
import { RemoteError, formatMs } from './errors.js';
import {
  DEFAULT_MAX_OUTPUT,
  INTERNAL_TIMEOUT_MS,
  SshConnection,
  isScript,
  type Command,
  type RawRunResult,
  type RunOptions,
  type RunResult,
  type SshConnectionInit,
} from './exec.js';
import { shellJoin } from './quote.js';
import { bundledScript } from './scripts.js';
import { checkRemotePath, modeString, openSftp, sftpCall, sftpErrorText, sftpWriteNew } from './sftp.js';
import { probeSudoMode, sudoArgv, type SudoMode } from './sudo.js';
import { uploadFile, type UploadOptions, type UploadResult } from './upload.js';

export type { Command, RawRunResult, RunOptions, RunResult, ScriptCommand } from './exec.js';
export type { UploadOptions, UploadProgress, UploadResult } from './upload.js';
export { pipelinedWrite } from './sftp.js';

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

export interface RemoteHostInit extends SshConnectionInit {
  hostKeyFingerprint: string;
  hostKeyType: string;
  sudoPassword?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class RemoteHost extends SshConnection {
  readonly hostKeyFingerprint: string;
  readonly hostKeyType: string;

  private readonly sudoPassword: string | undefined;
  private sudoModeP: Promise<SudoMode> | undefined;
  private sftpP: Promise<SFTPWrapper> | undefined;
  private tmpDirP: Promise<string> | undefined;
  private readonly scripts = new Map<string, Promise<string>>();

  constructor(init: RemoteHostInit) {
    super(init);
    this.hostKeyFingerprint = init.hostKeyFingerprint;
    this.hostKeyType = init.hostKeyType;
    this.sudoPassword = init.sudoPassword;
    if (this.sudoPassword !== undefined && /[\n\r]/.test(this.sudoPassword)) {
      throw new RemoteError(`${this.target}: a sudo password cannot contain a line break`, { target: this.target });
    }
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
      const wrapped = sudoArgv(await this.sudoMode(), argv, this.sudoPassword);
      argv = wrapped.argv;
      stdinPrefix = wrapped.stdinPrefix;
      if (wrapped.note) notes.push(wrapped.note);
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


  /** How sudo works for this user (probed once per connection; a failed probe is tried again next time). */
  private sudoMode(): Promise<SudoMode> {
    this.sudoModeP ??= probeSudoMode({
      target: this.target,
      username: this.username,
      sudoPassword: this.sudoPassword,
      exec: (line, o) => this.exec(line, o),
      redactText: (t) => this.redactText(t),
    });
    this.sudoModeP.catch(() => {
      this.sudoModeP = undefined; // let a later call try again
    });
    return this.sudoModeP;
  }

  // ------------------------------------------------------------------ SFTP and private temp dir

  /** The connection's SFTP session (opened on first use, again after the server closed it). */
  sftp(): Promise<SFTPWrapper> {
    this.sftpP ??= (async () => {
      try {
        this.assertOpen('open SFTP');
      } catch (err) {
        throw new RemoteError(`${this.target}: cannot open an SFTP session: ${(err as Error).message}`, { target: this.target, cause: err });
      }
      const sftp = await openSftp(this.client, this.target, () => this.closedReason);
      sftp.on('close', () => {
        this.sftpP = undefined;
      });
      return sftp;
    })();
    this.sftpP.catch(() => {
      this.sftpP = undefined;
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

  /** Upload a local script once per connection into the private dir (0600); run it with its interpreter. */
  async ensureScript(localPath: string): Promise<{ remotePath: string; interpreter: string }> {
    const content = await fsReadFile(localPath);
    const interpreter = interpreterOf(content);
    const key = createHash('sha256').update(content).digest('hex');
    let p = this.scripts.get(key);
    if (!p) {
      p = (async () => {
        const dir = await this.tmpDir();
        const remotePath = `${dir}/${key.slice(0, 12)}-${basename(localPath).replace(/[^A-Za-z0-9._-]/g, '_')}`;
        await sftpWriteNew(await this.sftp(), remotePath, content, 0o600);
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
    await sftpWriteNew(await this.sftp(), path, Buffer.from(records.join(''), 'utf8'), 0o600);
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
    await sftpWriteNew(await this.sftp(), tmp, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), 0o600);
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
   * Stream a local file to the VM over SFTP and verify it (see ./upload.ts). A failed or
   * mismatching upload leaves no file at `remotePath`.
   */
  upload(localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
    return uploadFile(this, localPath, remotePath, opts);
  }

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

function interpreterOf(content: Buffer): string {
  const first = content.subarray(0, Math.min(content.length, 200)).toString('utf8').split('\n')[0] ?? '';
  if (/^#!\s*\/(usr\/)?bin\/(env\s+)?sh\b/.test(first) || /^#!\s*\/usr\/bin\/env\s+sh\b/.test(first)) return 'sh';
  return 'bash';
}
