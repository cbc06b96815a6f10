/**
 * The shared state backend: the records of a team in one PostgreSQL database (schema in
 * migrations.ts). Loaded only when a postgres:// state URL is in effect, so the file store's
 * start-up never loads the driver.
 *
 * - Queries go through a small pool that lets the process exit when idle; the operation lock uses
 *   a dedicated connection per held lock (lock.ts).
 * - Record locks (`withLock`, one read-modify-write) are transaction-level advisory locks on a
 *   pooled connection: released at COMMIT, or by the server if the process dies.
 * - Every update checks the row's `version` (optimistic concurrency) and increments it.
 * - Package contents, kubeconfigs and operation logs are stored in the database and materialized
 *   as local files under VNFLCM_HOME, so the paths callers use stay local files.
 * - Secrets in instance and occurrence records are encrypted (secrets.ts).
 *
 * Over 400 lines: one class implementing the StateBackend interface (every record kind, the record
 * locks, logs and stored files) on the same pool and the same versioned-update pattern.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import pg from 'pg';
import { CliError } from '../../errors.js';
import { redactUrl } from '../../state/url.js';
import { ensureDir, readJson, writeFileAtomic } from '../atomic.js';
import type { HostKeyStore, StateBackend, Update, VimRecord } from '../backend.js';
import { isSafeId, safeName } from '../file-backend.js';
import type { OpOccRecord, OpStepRef, PackageRecord, VnfInstanceRecord } from '../records.js';
import { PgOperationLock, lockKey } from './lock.js';
import { checkSchema, schemaVersion } from './migrations.js';
import { SecretBox, stateKeyFromEnv } from './secrets.js';

export class StateConflict extends CliError {
  constructor(what: string) {
    super(`${what} was changed by another vnflcm at the same time; nothing was written. Run the command again.`);
  }
}

/** The pool/client settings of a state URL: libpq's sslmode semantics, keepalives, a name in pg_stat_activity. */
export function pgConfig(url: string): pg.ClientConfig {
  const u = new URL(url);
  // sslmode=require/verify-ca mean what they mean to libpq (node-postgres' own reading is stricter).
  if (u.searchParams.has('sslmode') && !u.searchParams.has('uselibpqcompat')) u.searchParams.set('uselibpqcompat', 'true');
  return {
    connectionString: u.toString(),
    application_name: 'vnflcm',
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: 15_000,
  };
}

export async function openPgBackend(url: string, root: string, opts: { skipSchemaCheck?: boolean } = {}): Promise<PgBackend> {
  const backend = new PgBackend(url, root);
  try {
    const v = await schemaVersion(backend.pool);
    if (!opts.skipSchemaCheck) checkSchema(v, backend.location);
  } catch (err) {
    await backend.close();
    throw backend.explain(err);
  }
  return backend;
}

interface Row<T> {
  body: T;
  version: string;
}

export class PgBackend implements StateBackend {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  private readonly localLocks = new Map<string, Promise<void>>();
  readonly secrets: SecretBox;
  private readonly config: pg.ClientConfig;
  private readonly root: string;
  private operationLock: PgOperationLock | undefined;

  constructor(url: string, root: string) {
    this.location = redactUrl(url);
    this.root = root;
    this.config = pgConfig(url);
    this.pool = new pg.Pool({ ...this.config, max: 8, idleTimeoutMillis: 5_000, allowExitOnIdle: true });
    // An idle pooled connection that breaks is replaced on next use; it must not crash the process.
    this.pool.on('error', () => undefined);
    this.lockPool = new pg.Pool({ ...this.config, max: 16, idleTimeoutMillis: 5_000, allowExitOnIdle: true });
    this.lockPool.on('error', () => undefined);
    this.secrets = new SecretBox(stateKeyFromEnv());
  }

  /** A connection error as a message that names the database without its password. */
  explain(err: unknown): Error {
    if (err instanceof CliError) return err;
    const e = err as Error & { code?: string };
    return new CliError(`Cannot use the state database ${this.location}: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}`);
  }

  private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw this.explain(err);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end().catch(() => undefined), this.lockPool.end().catch(() => undefined)]);
  }

  /**
   * Record locks: a transaction-level advisory lock, on a connection of the lock pool (not the
   * query pool: `fn` runs queries while the lock is held, and lock waiters must not take every
   * connection those need). Callers of the same name in this process queue here first, so that
   * waiting costs no connection at all.
   */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.localLocks.get(name);
    let done: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = (prev ?? Promise.resolve()).then(() => mine);
    this.localLocks.set(name, tail);
    try {
      if (prev) await waitBounded(prev, LOCK_WAIT_MS, `the record lock ${name}`);
      return await this.withDbLock(name, fn);
    } finally {
      done();
      if (this.localLocks.get(name) === tail) this.localLocks.delete(name);
    }
  }

  private async withDbLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.lockPool.connect().catch((err: unknown) => {
      throw this.explain(err);
    });
    let ok = false;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms'`);
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey('record', name)]);
      const result = await fn();
      await client.query('COMMIT');
      ok = true;
      return result;
    } finally {
      if (!ok) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  /** `fn` in one transaction on a pooled connection: committed, or rolled back and explained. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw this.explain(err);
    });
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.explain(err);
    } finally {
      client.release();
    }
  }

  // ---- packages -------------------------------------------------------------------------

  packageContentDir(vnfdId: string): string {
    return join(this.root, 'cache', 'packages', safeName(vnfdId), 'content');
  }

  async getPackage(vnfdId: string): Promise<PackageRecord | undefined> {
    if (!isSafeId(vnfdId)) return undefined;
    const r = await this.q<Row<PackageRecord>>('SELECT body, version FROM packages WHERE vnfd_id = $1', [vnfdId]);
    const rec = r.rows[0]?.body;
    if (rec) await this.materializePackage(rec);
    return rec;
  }

  /** Make the local cache hold this package's files (written aside, then renamed into place). */
  private async materializePackage(rec: PackageRecord): Promise<void> {
    const dir = join(this.root, 'cache', 'packages', safeName(rec.vnfdId));
    const marker = await readJson<{ contentHash: string }>(join(dir, 'hash.json')).catch(() => undefined);
    if (marker?.contentHash === rec.contentHash) return;
    const files = await this.q<{ path: string; mode: number; data: Buffer }>('SELECT path, mode, data FROM package_files WHERE vnfd_id = $1', [rec.vnfdId]);
    const tmp = join(this.root, 'cache', 'packages', `.${randomBytes(6).toString('hex')}.tmp`);
    try {
      for (const f of files.rows) {
        if (f.path.split('/').some((p) => p === '..' || p === '')) throw new CliError(`Package ${rec.vnfdId}: stored file name ${JSON.stringify(f.path)} is not safe.`);
        await writeFileAtomic(join(tmp, 'content', f.path), f.data);
        await chmod(join(tmp, 'content', f.path), f.mode & 0o777); // the directories above are 0700
      }
      await writeFileAtomic(join(tmp, 'hash.json'), JSON.stringify({ contentHash: rec.contentHash }));
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
        // another process materialized it at the same time: theirs is as good
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async putPackage(rec: PackageRecord): Promise<void> {
    const dir = this.packageContentDir(rec.vnfdId);
    const files = await walk(dir);
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO packages (vnfd_id, id, onboarded_at, content_hash, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (vnfd_id) DO UPDATE SET id = $2, onboarded_at = $3, content_hash = $4, body = $5, version = packages.version + 1`,
        [rec.vnfdId, rec.id, rec.onboardedAt, rec.contentHash, rec],
      );
      await client.query('DELETE FROM package_files WHERE vnfd_id = $1', [rec.vnfdId]);
      for (const f of files) {
        const st = await stat(join(dir, f));
        await client.query('INSERT INTO package_files (vnfd_id, path, mode, data) VALUES ($1, $2, $3, $4)', [rec.vnfdId, f, st.mode & 0o777, await readFile(join(dir, f))]);
      }
    });
    await writeFileAtomic(join(this.root, 'cache', 'packages', safeName(rec.vnfdId), 'hash.json'), JSON.stringify({ contentHash: rec.contentHash }));
  }

  async listPackages(): Promise<PackageRecord[]> {
    return (await this.q<Row<PackageRecord>>('SELECT body FROM packages ORDER BY onboarded_at, vnfd_id')).rows.map((r) => r.body);
  }

  async deletePackage(vnfdId: string): Promise<void> {
    await this.q('DELETE FROM packages WHERE vnfd_id = $1', [vnfdId]);
    await rm(join(this.root, 'cache', 'packages', safeName(vnfdId)), { recursive: true, force: true });
  }

  // ---- instances ------------------------------------------------------------------------

  async getInstance(id: string): Promise<VnfInstanceRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    const r = await this.q<Row<VnfInstanceRecord>>('SELECT body FROM instances WHERE id = $1', [id]);
    return r.rows[0] ? this.secrets.open(r.rows[0].body) : undefined;
  }

  async createInstance(rec: VnfInstanceRecord): Promise<void> {
    const body = this.secrets.seal(rec, `VNF instance ${rec.id}`);
    await this.q(
      `INSERT INTO instances (id, vnfd_id, instantiation_state, active_op_id, created_at, body) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET vnfd_id = $2, instantiation_state = $3, active_op_id = $4, created_at = $5, body = $6, version = instances.version + 1`,
      [rec.id, rec.vnfdId, rec.instantiationState, rec.activeOpId ?? null, rec.createdAt, body],
    );
  }

  async listInstances(): Promise<VnfInstanceRecord[]> {
    const r = await this.q<Row<VnfInstanceRecord>>('SELECT body FROM instances ORDER BY created_at, id');
    return r.rows.map((x) => this.secrets.open(x.body));
  }

  async updateInstance(id: string, fn: Update<VnfInstanceRecord>): Promise<VnfInstanceRecord> {
    return this.withLock(`instance-${id}`, async () => {
      const r = isSafeId(id) ? await this.q<Row<VnfInstanceRecord>>('SELECT body, version FROM instances WHERE id = $1', [id]) : undefined;
      const row = r?.rows[0];
      if (!row) throw new CliError(`Can not find requested vnf instance: ${id}`);
      const next = await fn(this.secrets.open(row.body));
      const body = this.secrets.seal(next, `VNF instance ${id}`);
      const u = await this.q(
        `UPDATE instances SET vnfd_id = $3, instantiation_state = $4, active_op_id = $5, body = $6, version = version + 1
         WHERE id = $1 AND version = $2`,
        [id, row.version, next.vnfdId, next.instantiationState, next.activeOpId ?? null, body],
      );
      if (u.rowCount !== 1) throw new StateConflict(`VNF instance ${id}`);
      return next;
    });
  }

  async deleteInstance(id: string): Promise<void> {
    await this.q('DELETE FROM instances WHERE id = $1', [id]);
  }

  // ---- operation occurrences ------------------------------------------------------------

  async getOp(id: string): Promise<OpOccRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    const r = await this.q<Row<OpOccRecord>>('SELECT body FROM op_occs WHERE id = $1', [id]);
    return r.rows[0] ? this.secrets.open(r.rows[0].body) : undefined;
  }

  async putOp(rec: OpOccRecord): Promise<void> {
    const body = this.secrets.seal(rec, `operation ${rec.id}`);
    await this.transaction(async (client) => {
      const prev = await client.query<Row<OpOccRecord>>('SELECT body FROM op_occs WHERE id = $1 FOR UPDATE', [rec.id]);
      await client.query(
        `INSERT INTO op_occs (id, vnf_instance_id, operation, operation_state, start_time, body) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET vnf_instance_id = $2, operation = $3, operation_state = $4, start_time = $5, body = $6, version = op_occs.version + 1`,
        [rec.id, rec.vnfInstanceId, rec.operation, rec.operationState, rec.startTime, body],
      );
      await this.recordEvents(client, prev.rows[0]?.body, rec);
    });
    await this.storeLogIfDone(rec);
  }

  async listOps(): Promise<OpOccRecord[]> {
    const r = await this.q<Row<OpOccRecord>>('SELECT body FROM op_occs ORDER BY start_time, id');
    return r.rows.map((x) => this.secrets.open(x.body));
  }

  async updateOp(id: string, fn: Update<OpOccRecord>): Promise<OpOccRecord> {
    return this.withLock(`op-${id}`, async () => {
      const r = isSafeId(id) ? await this.q<Row<OpOccRecord>>('SELECT body, version FROM op_occs WHERE id = $1', [id]) : undefined;
      const row = r?.rows[0];
      if (!row) throw new CliError('table vnf_lcm_op_occs not Found');
      const cur = this.secrets.open(row.body);
      const next = await fn(structuredClone(cur));
      const body = this.secrets.seal(next, `operation ${id}`);
      await this.transaction(async (client) => {
        const u = await client.query(
          `UPDATE op_occs SET vnf_instance_id = $3, operation = $4, operation_state = $5, start_time = $6, body = $7, version = version + 1
           WHERE id = $1 AND version = $2`,
          [id, row.version, next.vnfInstanceId, next.operation, next.operationState, next.startTime, body],
        );
        if (u.rowCount !== 1) throw new StateConflict(`Operation occurrence ${id}`);
        await this.recordEvents(client, cur, next);
      });
      await this.storeLogIfDone(next);
      return next;
    });
  }

  /** Append what changed between two versions of an occurrence to op_events (state, steps started, step failed). */
  private async recordEvents(client: pg.PoolClient, prev: OpOccRecord | undefined, next: OpOccRecord): Promise<void> {
    const events: { node: string; step: string; at: string; message: string }[] = [];
    if (!prev) events.push({ node: '', step: '', at: next.startTime, message: `started ${next.operation}` });
    if (prev && prev.operationState !== next.operationState) {
      events.push({ node: next.failedStep?.node ?? '', step: next.failedStep?.name ?? '', at: next.stateEnteredTime, message: `${next.operationState}${next.error?.title ? `: ${next.error.title}` : ''}` });
    }
    const key = (s: OpStepRef) => `${s.node}\0${s.name}\0${s.at}`;
    const before = new Set((prev?.runningSteps ?? []).map(key));
    for (const s of next.runningSteps ?? []) if (!before.has(key(s))) events.push({ node: s.node, step: s.name, at: s.at, message: 'step started' });
    for (const e of events) {
      await client.query('INSERT INTO op_events (op_id, node, step, at, message) VALUES ($1, $2, $3, $4, $5)', [next.id, e.node, e.step, e.at, e.message]);
    }
  }

  /** Events of an occurrence, oldest first (op show / logs of another operator's run). */
  async opEvents(opId: string): Promise<{ node: string; step: string; at: string; message: string }[]> {
    const r = await this.q<{ node: string; step: string; at: string; message: string }>(
      `SELECT node, step, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, message FROM op_events WHERE op_id = $1 ORDER BY seq`,
      [opId],
    );
    return r.rows;
  }

  /** When an occurrence stops running, its local log (if this host ran it) becomes the shared copy. */
  private async storeLogIfDone(op: OpOccRecord): Promise<void> {
    if (['STARTING', 'PROCESSING', 'ROLLING_BACK'].includes(op.operationState)) return;
    const data = await readFile(this.opLogFile(op.id)).catch(() => undefined);
    if (data) await this.putStoredFile('log', op.id, data);
  }

  async readOpLog(opId: string): Promise<Buffer | undefined> {
    return (await readFile(this.opLogFile(opId)).catch(() => undefined)) ?? (await this.getStoredFile('log', opId));
  }

  async writeOpLog(opId: string, data: Buffer): Promise<void> {
    await writeFileAtomic(this.opLogFile(opId), data);
    await this.putStoredFile('log', opId, data);
  }

  opLock(): PgOperationLock {
    this.operationLock ??= new PgOperationLock({
      pool: this.pool,
      connect: async () => {
        const c = new pg.Client({ ...this.config, application_name: 'vnflcm-lock' });
        c.on('error', () => undefined);
        await c.connect().catch((err: unknown) => {
          throw this.explain(err);
        });
        return c;
      },
    });
    return this.operationLock;
  }

  opLogFile(opId: string): string {
    return join(this.root, 'logs', `${safeName(opId)}.log`);
  }

  // ---- stored files (kubeconfigs, logs) -------------------------------------------------------

  async putStoredFile(kind: 'kubeconfig' | 'log', name: string, data: Buffer): Promise<void> {
    await this.q(
      `INSERT INTO stored_files (kind, name, data) VALUES ($1, $2, $3)
       ON CONFLICT (kind, name) DO UPDATE SET data = $3, updated_at = now(), version = stored_files.version + 1`,
      [kind, name, data],
    );
  }

  async getStoredFile(kind: 'kubeconfig' | 'log', name: string): Promise<Buffer | undefined> {
    return (await this.q<{ data: Buffer }>('SELECT data FROM stored_files WHERE kind = $1 AND name = $2', [kind, name])).rows[0]?.data;
  }

  // ---- host keys --------------------------------------------------------------------------------

  hostKeys(): HostKeyStore {
    return {
      get: async (id) => (await this.q<{ fingerprint: string }>('SELECT fingerprint FROM host_keys WHERE id = $1', [id])).rows[0]?.fingerprint,
      set: async (id, fingerprint) => {
        await this.q(
          `INSERT INTO host_keys (id, fingerprint) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET fingerprint = $2, recorded_at = now(), version = host_keys.version + 1`,
          [id, fingerprint],
        );
      },
    };
  }

  async listHostKeys(): Promise<{ id: string; fingerprint: string; recordedAt?: string }[]> {
    const r = await this.q<{ id: string; fingerprint: string; recorded_at: Date }>('SELECT id, fingerprint, recorded_at FROM host_keys ORDER BY recorded_at, id');
    return r.rows.map((x) => ({ id: x.id, fingerprint: x.fingerprint, recordedAt: x.recorded_at.toISOString() }));
  }

  // ---- VIMs -------------------------------------------------------------------------------

  /** A Kubernetes VIM's kubeconfig is a local file: written from the shared copy, the record pointing at it. */
  private async localVim(rec: VimRecord, data?: Buffer): Promise<VimRecord> {
    if (!rec.kubernetes) return rec;
    const file = join(this.root, 'kubeconfigs', `${safeName(rec.kubernetes.vnfInstanceId)}.conf`);
    const stored = data ?? (await this.getStoredFile('kubeconfig', rec.kubernetes.vnfInstanceId));
    if (stored) {
      const local = await readFile(file).catch(() => undefined);
      if (!local?.equals(stored)) await writeFileAtomic(file, stored);
    }
    return { ...rec, kubernetes: { ...rec.kubernetes, kubeconfigFile: file } };
  }

  async getVim(name: string): Promise<VimRecord | undefined> {
    const r = await this.q<Row<VimRecord>>('SELECT body FROM vims WHERE name = $1', [safeName(name)]);
    return r.rows[0] ? this.localVim(r.rows[0].body) : undefined;
  }

  async putVim(rec: VimRecord): Promise<void> {
    if (rec.kubernetes) {
      const data = await readFile(rec.kubernetes.kubeconfigFile).catch(() => undefined);
      if (data) await this.putStoredFile('kubeconfig', rec.kubernetes.vnfInstanceId, data);
    }
    await this.q(
      `INSERT INTO vims (name, id, type, created_at, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET id = $2, type = $3, created_at = $4, body = $5, version = vims.version + 1`,
      [safeName(rec.name), rec.id, rec.type, rec.createdAt, rec],
    );
  }

  async deleteVim(name: string): Promise<void> {
    const r = await this.q<Row<VimRecord>>('DELETE FROM vims WHERE name = $1 RETURNING body', [safeName(name)]);
    const k = r.rows[0]?.body.kubernetes;
    if (k) await this.q("DELETE FROM stored_files WHERE kind = 'kubeconfig' AND name = $1", [k.vnfInstanceId]);
  }

  async listVims(): Promise<VimRecord[]> {
    const r = await this.q<Row<VimRecord>>('SELECT body FROM vims ORDER BY created_at, name');
    return Promise.all(r.rows.map((x) => this.localVim(x.body)));
  }

  lockedSecrets(rec: unknown): string | undefined {
    const id = rec && typeof rec === 'object' && 'id' in rec && typeof rec.id === 'string' ? rec.id : '?';
    return this.secrets.locked(rec, `The stored request of VNF instance ${id}`);
  }
}

/** How long a record lock is waited for (in this process, then in the database) before giving up. */
const LOCK_WAIT_MS = 60_000;

function waitBounded(p: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CliError(`Timed out after ${ms / 1000} s waiting for ${what}.`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Every regular file under `dir`, as '/'-separated relative paths. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  await ensureDir(dir);
  await visit(dir);
  return out.sort();
}
