/**
 * SFTP helpers: open the subsystem, promisified calls with readable error texts, exclusive
 * creation of small private files, and the pipelined writer bulk uploads use.
 */
import type { Client, SFTPWrapper } from 'ssh2';
import { RemoteError } from './errors.js';

/**
 * Open an SFTP session on a connection. `closedReason` tells why the connection died, if it did:
 * ssh2 then fails the request with "No response from server", which names no cause.
 */
export function openSftp(client: Client, target: string, closedReason: () => string | undefined = () => undefined): Promise<SFTPWrapper> {
  return new Promise<SFTPWrapper>((resolve, reject) => {
    const fail = (err: Error): void => {
      const gone = closedReason();
      const why = gone ? `the connection is gone: ${gone}` : err.message;
      reject(new RemoteError(`${target}: cannot open an SFTP session: ${why}`, { target, cause: err }));
    };
    try {
      client.sftp((err, sftp) => (err ? fail(err) : resolve(sftp)));
    } catch (err) {
      fail(err as Error);
    }
  });
}

/** Write `data` as a new private file (exclusive create, mode applied exactly). */
export async function sftpWriteNew(sftp: SFTPWrapper, remotePath: string, data: Buffer, mode: number): Promise<void> {
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

export function modeString(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new Error(`invalid file mode ${mode}`);
  return mode.toString(8).padStart(4, '0');
}

export function checkRemotePath(p: string): void {
  if (typeof p !== 'string' || !p.startsWith('/') || p.includes('\0')) throw new Error(`remote path must be absolute: ${JSON.stringify(p)}`);
}

export function sftpErrorText(err: unknown): string {
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

export function sftpCall<T>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value as T)));
  });
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
