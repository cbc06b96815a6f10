/**
 * The operation lock of the shared state backend: one session-level advisory lock per VNF
 * instance, keyed by a 64-bit hash of the instance id (no global lock), held on a connection of its
 * own for the whole operation (never a pooled one: a pool would hand the session, and so the lock,
 * to the next query). A `lock_holders` row says who holds it (operator, host, pid, operation,
 * since, heartbeat); the lock itself is PostgreSQL's: when the holding process dies its connection
 * ends and the server drops the lock (TCP keepalives on both sides notice a vanished client).
 *
 * A transaction-mode pooler (PgBouncer pool_mode=transaction) would break session locks: the
 * backend pid is compared between statements and such a connection is refused.
 */
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import type pg from 'pg';
import { CliError } from '../../errors.js';
import { OperationLockBusy, type HeldLock, type LockOwner, type OperationLock } from '../oplock.js';

/** The advisory lock key of a name in a namespace: the first 8 bytes of a SHA-256, as a signed bigint. */
export function lockKey(namespace: string, name: string): string {
  return createHash('sha256').update(`vnflcm\0${namespace}\0${name}`).digest().readBigInt64BE(0).toString();
}

/** pg_locks shows a bigint advisory key as (classid, objid) = (high, low) 32 bits, objsubid 1. */
function keyParts(key: string): [string, string] {
  const k = BigInt.asUintN(64, BigInt(key));
  return [(k >> 32n).toString(), (k & 0xffffffffn).toString()];
}

const HEARTBEAT_MS = 15_000;

export interface LockRow {
  instanceId: string;
  opId: string;
  operator: string;
  host: string;
  pid: number;
  startedAt: string;
  since: string;
  heartbeat: string;
  backendPid: number;
  /** The advisory lock is held by the recorded backend (false: the row is left by a dead holder). */
  live: boolean;
  /** The pid of the backend that holds the advisory lock now, if any. */
  lockPid: number | null;
}

const HOLDERS_SQL = `
SELECT h.instance_id, h.op_id, h.operator, h.host, h.pid, h.started_at, h.backend_pid,
       to_char(h.since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since,
       to_char(h.heartbeat AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS heartbeat,
       l.pid AS lock_pid
FROM lock_holders h
LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = ((h.lock_key >> 32) & 4294967295)::oid AND l.objid = (h.lock_key & 4294967295)::oid`;

interface HolderDbRow {
  instance_id: string;
  op_id: string;
  operator: string;
  host: string;
  pid: number;
  started_at: string;
  backend_pid: number;
  since: string;
  heartbeat: string;
  lock_pid: number | null;
}

function toLockRow(r: HolderDbRow): LockRow {
  return {
    instanceId: r.instance_id,
    opId: r.op_id,
    operator: r.operator,
    host: r.host,
    pid: r.pid,
    startedAt: r.started_at,
    since: r.since,
    heartbeat: r.heartbeat,
    backendPid: r.backend_pid,
    live: r.lock_pid !== null && r.lock_pid === r.backend_pid,
    lockPid: r.lock_pid,
  };
}

export interface PgLockDeps {
  pool: pg.Pool;
  /** A new dedicated, connected client (keepalives on), never one from the pool. */
  connect(): Promise<pg.Client>;
}

export class PgOperationLock implements OperationLock {
  readonly shared = true;
  constructor(private readonly deps: PgLockDeps) {}

  async acquire(instanceId: string, owner: LockOwner): Promise<HeldLock> {
    const key = lockKey('instance', instanceId);
    const client = await this.deps.connect();
    let lockedPid: number | undefined;
    try {
      // The server notices a client that vanished (machine off, network gone) within ~25 s.
      await client.query('SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3');
      const pids = new Set<number>();
      for (let i = 0; i < 3; i++) pids.add((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? -1);
      if (pids.size > 1) throw poolerError();
      const r = await client.query<{ pid: number; got: boolean }>('SELECT pg_backend_pid() AS pid, pg_try_advisory_lock($1::bigint) AS got', [key]);
      const row = r.rows[0];
      if (!row || !pids.has(row.pid)) {
        if (row?.got) await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
        throw poolerError();
      }
      if (!row.got) throw new OperationLockBusy(instanceId, (await this.holder(instanceId)) ?? 'unknown');
      lockedPid = row.pid;
      const operator = operatorName();
      const ins = await client.query<{ since: string }>(
        `INSERT INTO lock_holders (instance_id, lock_key, op_id, operator, host, pid, started_at, backend_pid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (instance_id) DO UPDATE SET lock_key = $2, op_id = $3, operator = $4, host = $5, pid = $6,
           started_at = $7, backend_pid = $8, since = now(), heartbeat = now()
         RETURNING to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since`,
        [instanceId, key, owner.opId, operator, owner.host, owner.pid, owner.startedAt, lockedPid],
      );
      const held: LockOwner = { ...owner, operator, since: ins.rows[0]?.since };
      return this.held(client, instanceId, key, lockedPid, held);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private held(client: pg.Client, instanceId: string, key: string, backendPid: number, owner: LockOwner): HeldLock {
    let lost = false;
    client.on('error', () => (lost = true));
    const beat = setInterval(() => {
      client.query('UPDATE lock_holders SET heartbeat = now() WHERE instance_id = $1 AND backend_pid = $2', [instanceId, backendPid]).catch(() => (lost = true));
    }, HEARTBEAT_MS);
    beat.unref();
    // Like the socket lock, a held lock does not keep the process alive on its own.
    socketRef(client, false);
    let released: Promise<void> | undefined;
    return {
      owner,
      release: () =>
        (released ??= (async () => {
          clearInterval(beat);
          socketRef(client, true); // keep the process alive until the unlock is done
          if (!lost) {
            await client.query('DELETE FROM lock_holders WHERE instance_id = $1 AND backend_pid = $2', [instanceId, backendPid]).catch(() => undefined);
            await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
          }
          await client.end().catch(() => undefined);
        })()),
    };
  }

  async holder(instanceId: string): Promise<LockOwner | 'unknown' | undefined> {
    const [hi, lo] = keyParts(lockKey('instance', instanceId));
    const r = await this.deps.pool.query<{ lock_pid: number | null } & Partial<HolderDbRow>>(
      `SELECT l.pid AS lock_pid, h.op_id, h.operator, h.host, h.pid, h.started_at, h.backend_pid,
              to_char(h.since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
       FROM pg_locks l LEFT JOIN lock_holders h ON h.instance_id = $3 AND h.backend_pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = $1::oid AND l.objid = $2::oid`,
      [hi, lo, instanceId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    if (!row.op_id || row.pid == null || !row.host || !row.started_at) return 'unknown';
    return { opId: row.op_id, host: row.host, pid: row.pid, startedAt: row.started_at, operator: row.operator, since: row.since };
  }

  /** Every recorded holder, live or left by a process that died (`vnflcm lock show`). */
  async list(instanceId?: string): Promise<LockRow[]> {
    const r = await this.deps.pool.query<HolderDbRow>(`${HOLDERS_SQL}${instanceId ? ' WHERE h.instance_id = $1' : ''} ORDER BY h.since`, instanceId ? [instanceId] : []);
    return r.rows.map(toLockRow);
  }

  /**
   * `vnflcm lock release`: end the session holding the instance's lock (the server then drops the
   * lock; the operation's process loses its connection) and remove the holder row.
   * Returns what was released, or undefined when nothing held it.
   */
  async forceRelease(instanceId: string): Promise<{ terminated: number | null; row: LockRow | undefined }> {
    const [row] = await this.list(instanceId);
    const [hi, lo] = keyParts(lockKey('instance', instanceId));
    const r = await this.deps.pool.query<{ pid: number; ok: boolean }>(
      `SELECT l.pid, pg_terminate_backend(l.pid) AS ok FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = $1::oid AND l.objid = $2::oid`,
      [hi, lo],
    );
    const terminated = r.rows[0]?.pid ?? null;
    if (r.rows[0] && !r.rows[0].ok) throw new CliError(`Could not end the session (backend pid ${terminated}) holding the lock of ${instanceId}: the database refused.`);
    await this.deps.pool.query('DELETE FROM lock_holders WHERE instance_id = $1', [instanceId]);
    return { terminated, row };
  }
}

function poolerError(): CliError {
  return new CliError(
    'The state database connection goes through a transaction-mode pooler (the server session changed between two statements). ' +
      "vnflcm's operation locks are session locks and would leak or vanish there: point VNFLCM_STATE_URL at PostgreSQL directly " +
      '(or at a pooler in session mode).',
  );
}

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** node-postgres has no ref()/unref(): reach its socket (client.connection.stream) with runtime checks. */
function socketRef(client: pg.Client, ref: boolean): void {
  const conn: unknown = Reflect.get(client, 'connection');
  const stream: unknown = conn && typeof conn === 'object' ? Reflect.get(conn, 'stream') : undefined;
  const method: unknown = stream && typeof stream === 'object' ? Reflect.get(stream, ref ? 'ref' : 'unref') : undefined;
  if (typeof method === 'function') Reflect.apply(method, stream, []);
}
