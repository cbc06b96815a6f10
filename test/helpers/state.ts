/**
 * The test matrix's second backend: with VNFLCM_TEST_STATE=pg every `tempHome()` also gets a fresh
 * PostgreSQL database of the test environment's cluster (test/env/postgres.sh), created from a
 * migrated template, and VNFLCM_STATE_URL pointing at it: the in-process Store.open() and the CLI
 * processes `runCli` starts for that home use it. The databases are dropped when the process exits.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PG_MIGRATIONS } from '../../src/lib/store/pg/migrations.js';

export const TEST_STATE: 'file' | 'pg' = process.env.VNFLCM_TEST_STATE === 'pg' ? 'pg' : 'file';

// The shared backend stores passwords only encrypted: the pg pass runs with a throwaway key.
if (TEST_STATE === 'pg') process.env.VNFLCM_STATE_KEY ??= randomBytes(32).toString('base64');

const STATE_DIR = process.env.VNFLCM_TESTENV_STATE ?? '/srv/vnflcm-testenv';

const POSTGRES_SH = join(dirname(fileURLToPath(import.meta.url)), '..', 'env', 'postgres.sh');
let started = false;

/**
 * The test cluster's URL (database vnflcm, a role that may create databases), or undefined. As
 * root, a cluster that is not running is started first (postgres.sh up: idempotent, a few seconds),
 * as ensureEnv() does for the cloud: `npm run test:unit` runs before the e2e tests bring the env up.
 */
export function pgAdminUrl(): string | undefined {
  if (process.env.VNFLCM_TEST_PG_URL) return process.env.VNFLCM_TEST_PG_URL;
  const file = `${STATE_DIR}/postgres/url`;
  if (!started && process.getuid?.() === 0 && existsSync('/usr/lib/postgresql')) {
    started = true;
    if (spawnSync('bash', [POSTGRES_SH, 'status'], { encoding: 'utf8' }).status !== 0) spawnSync('bash', [POSTGRES_SH, 'up'], { stdio: 'ignore' });
  }
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  try {
    const facts = JSON.parse(readFileSync(`${STATE_DIR}/env.json`, 'utf8')) as { postgres_url?: string };
    return facts.postgres_url;
  } catch {
    return undefined;
  }
}

function psql(url: string, sql: string): void {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url], { input: sql, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

export function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

const created: string[] = [];
let template: string | undefined;
let seq = 0;

/** A new database (empty, or migrated to the latest schema), dropped at exit. Returns its URL. */
export function freshPgDatabase(opts: { migrated?: boolean } = {}): string {
  const admin = pgAdminUrl();
  if (!admin) throw new Error('VNFLCM_TEST_STATE=pg needs the test PostgreSQL (test/env/postgres.sh up) or VNFLCM_TEST_PG_URL');
  const migrated = opts.migrated ?? true;
  if (migrated && !template) {
    template = `vt_tpl_${process.pid}`;
    psql(admin, `DROP DATABASE IF EXISTS ${template}; CREATE DATABASE ${template};`);
    created.push(template);
    const ddl = [
      'CREATE TABLE vnflcm_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT \'\');',
      ...PG_MIGRATIONS.map((m) => `${m.sql}\nINSERT INTO vnflcm_schema (version, description) VALUES (${m.version}, 'test template');`),
    ].join('\n');
    psql(withDb(admin, template), ddl);
  }
  const name = `vt_${process.pid}_${++seq}`;
  psql(admin, `CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${template}` : ''};`);
  created.unshift(name);
  return withDb(admin, name);
}

process.on('exit', () => {
  const admin = pgAdminUrl();
  if (!admin || created.length === 0) return;
  spawnSync('psql', ['-X', '-q', '-d', admin], { input: created.map((d) => `DROP DATABASE IF EXISTS ${d} WITH (FORCE);`).join('\n'), encoding: 'utf8' });
});

const urls = new Map<string, string>();

/** Called by tempHome(): in the pg pass, the home gets its own database. */
export function stateForHome(home: string): void {
  if (TEST_STATE !== 'pg') return;
  const url = freshPgDatabase();
  urls.set(home, url);
  process.env.VNFLCM_STATE_URL = url;
}

/** The state URL of a home's CLI processes (undefined: the file store). */
export function stateUrlOf(home: string): string | undefined {
  return urls.get(home);
}
