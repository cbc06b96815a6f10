/**
 * What `vnflcm state …` and `vnflcm lock …` do: migrate the shared database, say which backend is
 * in effect, list the operation locks and who holds them, force one free.
 */
import { hostname } from 'node:os';
import { CliError } from '../errors.js';
import { vnflcmHome } from '../paths.js';
import { Store } from '../store/index.js';
import type { LockOwner } from '../store/oplock.js';
import { isPostgresUrl, redactUrl, resolveStateUrl } from './url.js';

export interface MigrateResult {
  location: string;
  from: number;
  to: number;
  applied: number[];
}

/** `vnflcm state migrate`: bring the shared database's schema to this vnflcm's version. */
export async function migrateState(): Promise<MigrateResult> {
  const choice = await resolveStateUrl();
  if (!choice) throw new CliError('No shared state is configured (VNFLCM_STATE_URL, --state-url or state_url in vnflcm.yaml): the local file store migrates itself.');
  if (!isPostgresUrl(choice.url)) throw new CliError(`Unsupported state URL ${redactUrl(choice.url)}: only postgres:// URLs are supported.`);
  const store = await Store.open(vnflcmHome(), { stateUrl: choice.url, skipSchemaCheck: true });
  try {
    const { PgBackend } = await import('../store/pg/backend.js');
    const { migratePg, schemaVersion } = await import('../store/pg/migrations.js');
    if (!(store.backend instanceof PgBackend)) throw new CliError('not a PostgreSQL store');
    const client = await store.backend.pool.connect();
    try {
      const from = await schemaVersion(client);
      const applied = await migratePg(client, undefined, `${process.env.USER ?? ''}@${hostname()}`);
      return { location: store.backend.location, from, to: await schemaVersion(client), applied };
    } finally {
      client.release();
    }
  } finally {
    await store.close();
  }
}

export interface StateStatus {
  backend: 'file' | 'postgres';
  location: string;
  source: string;
  schemaVersion: number;
  records: { packages: number; instances: number; ops: number; vims: number };
  secretsKey: 'set' | 'not set' | 'n/a';
}

export async function stateStatus(): Promise<StateStatus> {
  const choice = await resolveStateUrl();
  const store = await Store.open();
  try {
    const [packages, instances, ops, vims] = await Promise.all([store.listPackages(), store.listInstances(), store.listOps(), store.listVims()]);
    let schema = Store.schemaVersion;
    let key: StateStatus['secretsKey'] = 'n/a';
    const { backend } = store;
    if (backend.kind === 'postgres') {
      const { PgBackend } = await import('../store/pg/backend.js');
      const { PG_SCHEMA_VERSION } = await import('../store/pg/migrations.js');
      schema = PG_SCHEMA_VERSION;
      if (backend instanceof PgBackend) key = backend.secrets.hasKey ? 'set' : 'not set';
    }
    return {
      backend: backend.kind,
      location: backend.location,
      source: choice?.source ?? 'default (VNFLCM_HOME)',
      schemaVersion: schema,
      records: { packages: packages.length, instances: instances.length, ops: ops.length, vims: vims.length },
      secretsKey: key,
    };
  } finally {
    await store.close();
  }
}

export interface LockInfo {
  instanceId: string;
  opId: string;
  operator: string;
  host: string;
  pid: number;
  since: string;
  heartbeat: string;
  state: 'held' | 'stale';
}

/** The instances' operation locks: every holder row (PostgreSQL), or the live holders (file store). */
export async function listLocks(store: Store, instanceId?: string): Promise<LockInfo[]> {
  const lock = store.opLock();
  const { PgOperationLock } = store.backend.kind === 'postgres' ? await import('../store/pg/lock.js') : { PgOperationLock: undefined };
  if (PgOperationLock && lock instanceof PgOperationLock) {
    return (await lock.list(instanceId)).map((r) => ({
      instanceId: r.instanceId,
      opId: r.opId,
      operator: r.operator,
      host: r.host,
      pid: r.pid,
      since: r.since,
      heartbeat: r.heartbeat,
      state: r.live ? 'held' : 'stale',
    }));
  }
  const ids = instanceId ? [instanceId] : (await store.listInstances()).map((i) => i.id);
  const out: LockInfo[] = [];
  for (const id of ids) {
    const h = await lock.holder(id);
    if (!h) continue;
    const o: Partial<LockOwner> = h === 'unknown' ? {} : h;
    out.push({ instanceId: id, opId: o.opId ?? '', operator: o.operator ?? '', host: o.host ?? '', pid: o.pid ?? 0, since: o.startedAt ?? '', heartbeat: '', state: 'held' });
  }
  return out;
}

/** `vnflcm lock release ID`: end the session holding the instance's lock (shared state only). */
export async function releaseLock(store: Store, instanceId: string): Promise<{ terminated: number | null; holder: LockInfo | undefined }> {
  const lock = store.opLock();
  const { PgOperationLock } = store.backend.kind === 'postgres' ? await import('../store/pg/lock.js') : { PgOperationLock: undefined };
  if (!PgOperationLock || !(lock instanceof PgOperationLock)) {
    throw new CliError('With the local file store an operation lock is held by a running vnflcm process on this machine and ends with it: stop that process (vnflcm lock show names its pid).');
  }
  const [holder] = await listLocks(store, instanceId);
  const r = await lock.forceRelease(instanceId);
  return { terminated: r.terminated, holder };
}
