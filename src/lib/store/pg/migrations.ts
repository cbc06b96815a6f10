/**
 * The shared state database's schema, as numbered SQL migrations. `vnflcm state migrate` applies
 * the missing ones, each in its own transaction under an advisory lock (two migrating operators do
 * not collide), recording each in `vnflcm_schema`. Every command checks the version when it opens
 * the store: a newer schema than this vnflcm knows is refused, an older one asks for migrate.
 *
 * Records are JSON bodies (their shape is the record types of store/records.ts) plus the columns
 * commands filter or sort on, and a `version` every update increments (optimistic concurrency).
 * The bodies are `json`, not `jsonb`: jsonb reorders object keys, and the order of a record's keys
 * is what `show` prints (the real client prints dicts in insertion order); every column a command
 * filters on is a plain indexed column, so nothing needs jsonb's operators or indexes.
 */
import type { ClientBase } from 'pg';
import { CliError } from '../../errors.js';

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    description: 'records, package files, stored files, lock holders',
    sql: `
CREATE TABLE packages (
  vnfd_id text PRIMARY KEY,
  id text NOT NULL UNIQUE,
  onboarded_at text NOT NULL,
  content_hash text NOT NULL,
  body json NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE TABLE package_files (
  vnfd_id text NOT NULL REFERENCES packages (vnfd_id) ON DELETE CASCADE,
  path text NOT NULL,
  mode integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (vnfd_id, path)
);
CREATE TABLE instances (
  id text PRIMARY KEY,
  vnfd_id text NOT NULL,
  instantiation_state text NOT NULL,
  active_op_id text,
  created_at text NOT NULL,
  body json NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX instances_vnfd_id ON instances (vnfd_id);
CREATE INDEX instances_created_at ON instances (created_at);
CREATE TABLE op_occs (
  id text PRIMARY KEY,
  vnf_instance_id text NOT NULL,
  operation text NOT NULL,
  operation_state text NOT NULL,
  start_time text NOT NULL,
  body json NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX op_occs_instance ON op_occs (vnf_instance_id);
CREATE INDEX op_occs_start_time ON op_occs (start_time);
CREATE TABLE vims (
  name text PRIMARY KEY,
  id text NOT NULL,
  type text NOT NULL,
  created_at text NOT NULL,
  body json NOT NULL,
  version bigint NOT NULL DEFAULT 1
);
CREATE TABLE host_keys (
  id text PRIMARY KEY,
  fingerprint text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 1
);
-- kubeconfigs (kind 'kubeconfig', name = instance id) and operation logs (kind 'log', name = op id)
CREATE TABLE stored_files (
  kind text NOT NULL,
  name text NOT NULL,
  data bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (kind, name)
);
-- who holds an instance's operation lock (the advisory lock itself lives in pg_locks)
CREATE TABLE lock_holders (
  instance_id text PRIMARY KEY,
  lock_key bigint NOT NULL,
  op_id text NOT NULL,
  operator text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at text NOT NULL,
  backend_pid integer NOT NULL,
  since timestamptz NOT NULL DEFAULT now(),
  heartbeat timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    description: 'append-only operation events (op id, node, step, time, message)',
    sql: `
CREATE TABLE op_events (
  seq bigserial PRIMARY KEY,
  op_id text NOT NULL,
  node text NOT NULL DEFAULT '',
  step text NOT NULL DEFAULT '',
  at timestamptz NOT NULL DEFAULT now(),
  message text NOT NULL
);
CREATE INDEX op_events_op ON op_events (op_id, seq);
-- occurrences recorded before events existed: their start and the state they are in
INSERT INTO op_events (op_id, at, message)
  SELECT id, start_time::timestamptz, 'started ' || operation FROM op_occs ORDER BY start_time;
INSERT INTO op_events (op_id, node, step, at, message)
  SELECT id, coalesce(body->'failedStep'->>'node', ''), coalesce(body->'failedStep'->>'name', ''),
         (body->>'stateEnteredTime')::timestamptz,
         operation_state || coalesce(': ' || (body->'error'->>'title'), '')
  FROM op_occs WHERE operation_state <> 'STARTING' ORDER BY start_time;
REVOKE UPDATE, DELETE, TRUNCATE ON op_events FROM PUBLIC;
`,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]?.version ?? 0;

/** A fixed key of the advisory lock migrations run under. */
const MIGRATE_LOCK_KEY = '7262876120163840001';

/** The database's schema version: 0 when vnflcm never migrated it. */
export async function schemaVersion(db: Pick<ClientBase, 'query'>): Promise<number> {
  try {
    const r = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM vnflcm_schema');
    return r.rows[0]?.v ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return 0; // undefined_table
    throw err;
  }
}

export function checkSchema(version: number, where: string): void {
  if (version > PG_SCHEMA_VERSION) {
    throw new CliError(
      `The state database ${where} has schema version ${version}, newer than this vnflcm understands (${PG_SCHEMA_VERSION}). Upgrade vnflcm.`,
    );
  }
  if (version < PG_SCHEMA_VERSION) {
    throw new CliError(
      version === 0
        ? `The state database ${where} has no vnflcm schema yet. Run 'vnflcm state migrate' once to create it.`
        : `The state database ${where} has schema version ${version}; this vnflcm needs ${PG_SCHEMA_VERSION}. Run 'vnflcm state migrate'.`,
    );
  }
}

/** Apply the migrations after the current version, up to `target`. Returns the versions applied. */
export async function migratePg(client: ClientBase, target = PG_SCHEMA_VERSION, who = ''): Promise<number[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS vnflcm_schema (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT ''
  )`);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATE_LOCK_KEY]);
    const current = await schemaVersion(client);
    if (current > PG_SCHEMA_VERSION) checkSchema(current, 'here');
    for (const m of PG_MIGRATIONS) {
      if (m.version <= current || m.version > target) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO vnflcm_schema (version, description, applied_by) VALUES ($1, $2, $3)', [m.version, m.description, who]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return applied;
}
