/**
 * The lock an LCM operation holds on its VNF instance for its whole run, and the owner token it
 * records on the occurrence, so that any later command can tell a running operation from one whose
 * process is gone (killed, crashed, machine rebooted) without trusting a pid.
 *
 * Backend choice: a listening Unix-domain socket per (store, instance). While the owner process
 * lives, a second bind fails and a connect succeeds (even when the owner is busy or stopped: the
 * kernel queues the connection); when the process dies, for any reason, the kernel closes the socket
 * and the lock is free. Node core has no flock(2), and a lock file (proper-lockfile) only goes stale
 * after a timeout and needs a pid + start-time check that means nothing on another machine. On
 * Linux the socket lives in the abstract namespace (no file at all); elsewhere it is a socket file in
 * the store's lock directory, and a file left by a dead owner (connect refused) is removed under the
 * store's record lock before binding again. The holder answers a connection with its owner token.
 *
 * The shared-state backend implements `OperationLock` with PostgreSQL advisory locks that die with
 * their session (store/pg/lock.ts); its locks are `shared`: they hold for every host.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';

/** Who runs an operation: host, pid and when that process started (a reused pid has another start time). */
export interface OwnerToken {
  host: string;
  pid: number;
  startedAt: string;
}

export interface LockOwner extends OwnerToken {
  opId: string;
  /** Shared locks: the operator (OS user) and since when the lock is held. */
  operator?: string;
  since?: string;
}

export interface HeldLock {
  readonly owner: LockOwner;
  release(): Promise<void>;
}

export interface OperationLock {
  /** Take the instance's operation lock; throws OperationLockBusy (with the holder when known) if taken. */
  acquire(instanceId: string, owner: LockOwner): Promise<HeldLock>;
  /** The live holder of the instance's lock: its token, 'unknown' when it does not answer, undefined when free. */
  holder(instanceId: string): Promise<LockOwner | 'unknown' | undefined>;
  /** True when the lock holds across hosts (a shared state database), false for a per-machine lock. */
  readonly shared?: boolean;
}

export class OperationLockBusy extends CliError {
  readonly holder: LockOwner | 'unknown';
  constructor(instanceId: string, holder: LockOwner | 'unknown') {
    super(`An operation is running on VNF instance ${instanceId}${holder === 'unknown' ? '' : ` (${describeHolder(holder)})`}.`);
    this.holder = holder;
  }
}

/** "operation X, pid 42 on host1, user alice, since T": who holds a lock, for messages. */
export function describeHolder(h: LockOwner): string {
  return `operation ${h.opId}, pid ${h.pid} on ${h.host}${h.operator ? `, user ${h.operator}` : ''}${h.since ? `, since ${h.since}` : ''}`;
}

let self: OwnerToken | undefined;

/** This process's owner token (the start time is derived once from the process uptime, to the second). */
export function ownerToken(): OwnerToken {
  self ??= {
    host: hostname(),
    pid: process.pid,
    startedAt: new Date(Math.round((Date.now() - process.uptime() * 1000) / 1000) * 1000).toISOString(),
  };
  return self;
}

export function sameOwner(a: OwnerToken | undefined, b: OwnerToken | undefined): boolean {
  return Boolean(a && b && a.host === b.host && a.pid === b.pid && a.startedAt === b.startedAt);
}

const ANSWER_TIMEOUT_MS = 2000;

/** The socket-based lock for a store rooted at `storeRoot` (see the module comment). */
export function socketOperationLock(storeRoot: string, opts: { abstract?: boolean; lockDir?: string; withStoreLock?: <T>(name: string, fn: () => Promise<T>) => Promise<T> } = {}): OperationLock {
  const abstract = opts.abstract ?? process.platform === 'linux';
  const key = (instanceId: string) => createHash('sha256').update(`${storeRoot}\0${instanceId}`).digest('hex').slice(0, 32);
  const address = (instanceId: string) => (abstract ? `\0vnflcm-op-${key(instanceId)}` : join(opts.lockDir ?? join(storeRoot, 'locks'), `op-${key(instanceId)}.sock`));

  const holder = (instanceId: string): Promise<LockOwner | 'unknown' | undefined> =>
    new Promise((resolve) => {
      const sock = createConnection({ path: address(instanceId) });
      let data = '';
      let connected = false;
      const done = (v: LockOwner | 'unknown' | undefined) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(v);
      };
      const timer = setTimeout(() => done(connected ? 'unknown' : undefined), ANSWER_TIMEOUT_MS);
      sock.setEncoding('utf8');
      sock.on('connect', () => (connected = true));
      sock.on('data', (d: string) => (data += d));
      sock.on('end', () => done(parseOwner(data) ?? 'unknown'));
      sock.on('error', () => done(connected ? 'unknown' : undefined));
    });

  const listen = (path: string, owner: LockOwner): Promise<{ server: Server; conns: Set<Socket> }> =>
    new Promise((resolve, reject) => {
      const conns = new Set<Socket>();
      const server = createServer((conn) => {
        conns.add(conn);
        conn.on('close', () => conns.delete(conn));
        conn.unref();
        conn.on('error', () => undefined);
        conn.end(`${JSON.stringify(owner)}\n`);
      });
      server.once('error', reject);
      server.listen({ path, exclusive: true }, () => {
        server.removeListener('error', reject);
        server.on('error', () => undefined);
        // The lock must not keep the process alive on its own.
        server.unref();
        resolve({ server, conns });
      });
    });

  return {
    holder,
    async acquire(instanceId, owner) {
      const path = address(instanceId);
      if (!abstract) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      let bound: { server: Server; conns: Set<Socket> };
      try {
        bound = await listen(path, owner);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        const h = await holder(instanceId);
        if (h !== undefined || abstract) throw new OperationLockBusy(instanceId, h ?? 'unknown');
        // A socket file left by a dead owner: remove it and bind, under the store lock so that two
        // processes cleaning up at once cannot both end up "holding" it.
        const guard = opts.withStoreLock ?? (async <T>(_n: string, fn: () => Promise<T>) => fn());
        bound = await guard(`oplock-${key(instanceId)}`, async () => {
          const again = await holder(instanceId);
          if (again !== undefined) throw new OperationLockBusy(instanceId, again);
          await rm(path, { force: true });
          return listen(path, owner);
        });
      }
      const { server, conns } = bound;
      return {
        owner,
        release: () =>
          new Promise<void>((resolve) => {
            // Keep the loop alive until the socket is really closed (the server is unref'd); answers
            // still being written are cut short (a reader then sees 'unknown', i.e. held, and retries).
            server.ref();
            server.close(() => resolve());
            for (const c of conns) c.destroy();
          }),
      };
    },
  };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text.trim()) as Partial<LockOwner>;
    if (typeof v.host === 'string' && typeof v.pid === 'number' && typeof v.startedAt === 'string' && typeof v.opId === 'string') {
      return { host: v.host, pid: v.pid, startedAt: v.startedAt, opId: v.opId };
    }
  } catch {
    // not a token: the holder is alive but unknown
  }
  return undefined;
}
