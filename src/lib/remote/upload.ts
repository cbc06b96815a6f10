/**
 * Bulk upload of a local file to a VM: SFTP with many write requests in flight, the bytes hashed
 * as they are read, the remote copy checked with `sha256sum` and moved into place (renamed, or
 * installed with sudo for another owner). A failed or corrupt upload leaves nothing at the
 * destination.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open as fsOpen } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { currentStep } from './context.js';
import { RemoteError } from './errors.js';
import type { Command, RunOptions, RunResult } from './exec.js';
import { INTERNAL_TIMEOUT_MS } from './exec.js';
import type { OperationLog } from './log.js';
import { bundledScript } from './scripts.js';
import { checkRemotePath, modeString, pipelinedWrite, sftpCall, sftpErrorText } from './sftp.js';

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


/** What an upload needs from the connection (RemoteHost gives it). */
export interface UploadHost {
  readonly target: string;
  readonly log: OperationLog | undefined;
  sftp(): Promise<SFTPWrapper>;
  tmpDir(): Promise<string>;
  ensureScript(localPath: string): Promise<unknown>;
  sha256(remotePath: string, opts: { step?: string }): Promise<string>;
  run(command: Command, opts?: RunOptions): Promise<RunResult>;
  runChecked(command: Command, opts?: RunOptions): Promise<RunResult>;
}

/**
 * Stream a local file to the VM over SFTP with `concurrency` write requests in flight (memory:
 * about concurrency x chunkSize), hashing the bytes as they are read; the remote copy is then
 * checked with `sha256sum` and renamed into place. A failed or mismatching upload leaves no
 * file at `remotePath`.
 */
export async function uploadFile(h: UploadHost, localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<UploadResult> {
  checkRemotePath(remotePath);
  const step = opts.step ?? currentStep() ?? `upload ${basename(localPath)}`;
  const mode = opts.mode ?? 0o644;
  const viaSudo = Boolean(opts.sudo || opts.owner || opts.group);
  const part = viaSudo
    ? `${await h.tmpDir()}/u-${randomBytes(8).toString('hex')}`
    : `${remotePath}.vnflcm-part-${randomBytes(4).toString('hex')}`;
  const sftp = await h.sftp();
  const fh = await fsOpen(localPath, 'r');
  // Stage what the verification needs while the data flows (private dir, hashing script).
  const staged = opts.verify !== false ? h.ensureScript(bundledScript('sha256.sh')) : Promise.resolve(undefined);
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
      throw new RemoteError(`Step "${step}" on ${h.target}: cannot create ${part}: ${sftpErrorText(err)}`, { target: h.target, step, cause: err });
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
      throw new RemoteError(`Step "${step}" on ${h.target}: upload of ${localPath} to ${part} failed: ${sftpErrorText(err)}`, { target: h.target, step, cause: err });
    }
    await sftpCall<void>((cb) => sftp.close(handle, cb));
    sha256 = hash.digest('hex');
  } finally {
    await fh.close();
  }
  const transferMs = Date.now() - t0;
  let verifyMs = 0;
  try {
    verifyMs = await verifyAndPlace(h, { step, localPath, remotePath, part, sha256, size, mode, viaSudo, sftp, opts, staged });
  } catch (err) {
    await h.run(['rm', '-f', '--', part], { step: `${step}: remove partial copy` }).catch(() => undefined);
    throw err;
  }
  h.log?.event(`${h.target} step "${step}": uploaded ${size} bytes to ${remotePath} in ${transferMs} ms (sha256 ${sha256}${opts.verify === false ? ', not verified' : ', verified'})`);
  opts.onProgress?.({ phase: 'done', transferred: size, total: size });
  return { bytes: size, sha256, transferMs, verifyMs };
}

async function verifyAndPlace(h: UploadHost, a: {
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
    const remote = await h.sha256(part, { step: `${step}: verify` });
    if (remote !== sha256) {
      throw new RemoteError(
        `Step "${step}" on ${h.target}: the uploaded copy of ${localPath} is corrupt (sha256 sent ${sha256}, remote ${remote}); it was removed.`,
        { target: h.target, step },
      );
    }
  }
  const verifyMs = Date.now() - t1;
  if (viaSudo) {
    await h.runChecked(
      { script: bundledScript('install-file.sh'), args: [part, remotePath, modeString(mode), opts.owner ?? '', opts.group ?? '', '0'] },
      { step: `${step}: install`, sudo: true, timeoutMs: 30 * 60_000 },
    );
  } else {
    // posix-rename@openssh.com: an atomic rename(2) over an existing file without another exec
    const renamed = await sftpCall<void>((cb) => sftp.ext_openssh_rename(part, remotePath, cb)).then(
      () => true,
      () => false,
    );
    if (!renamed) await h.runChecked(['mv', '-fT', '--', part, remotePath], { step: `${step}: rename`, timeoutMs: INTERNAL_TIMEOUT_MS });
  }
  return verifyMs;
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
