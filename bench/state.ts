/**
 * The shared state backend's cost on the commands people run most: `vnflcm show ID -f json` and
 * `vnflcm list` against PostgreSQL on loopback, as a ratio to the same commands on the local file
 * store, runs interleaved so that the load of the machine hits both alike. Both stores hold the
 * same records (one package, --instances instances). Target (issue 10): ≤ 1.3 ×.
 *
 *   node --import tsx bench/state.ts [--runs 15] [--instances 20] [--url postgres://…]   (needs a built dist/)
 *
 * The database: --url (a role that may create databases), else the test environment's cluster
 * (test/env/postgres.sh url). A throwaway database is created, migrated and dropped.
 * Writes its section of bench/RESULTS.md (bench/report.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migratePg } from '../src/lib/store/pg/migrations.js';
import { redactUrl } from '../src/lib/state/url.js';
import { machine, writeSection } from './report.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const PKG = join(ROOT, 'samples', 'private-registry-vnf-package');
const VNFD_ID = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';
const TARGET = 1.3;

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '15' }, instances: { type: 'string', default: '20' }, url: { type: 'string' } } });
const RUNS = Number(opts.runs);
const INSTANCES = Number(opts.instances);

function adminUrl(): string {
  if (opts.url) return opts.url;
  const r = spawnSync('bash', [join(ROOT, 'test', 'env', 'postgres.sh'), 'url'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('no --url and no test PostgreSQL (test/env/postgres.sh up)');
  return r.stdout.trim();
}

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vnflcm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function once(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveP, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveP(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`${args.join(' ')}: ${err}`))));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const admin = adminUrl();
const db = `bench_state_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(admin);
  u.pathname = `/${db}`;
  return u.toString();
})();
const adminClient = new pg.Client({ connectionString: admin });
await adminClient.connect();
await adminClient.query(`CREATE DATABASE ${db}`);
try {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  await migratePg(c);
  await c.end();

  const key = randomBytes(32).toString('base64');
  const fileEnv: NodeJS.ProcessEnv = { VNFLCM_HOME: mkdtempSync(join(tmpdir(), 'vnflcm-bench-file-')), VNFLCM_STATE_URL: '' };
  const pgEnv: NodeJS.ProcessEnv = { VNFLCM_HOME: mkdtempSync(join(tmpdir(), 'vnflcm-bench-pg-')), VNFLCM_STATE_URL: dbUrl, VNFLCM_STATE_KEY: key };
  const ids: Record<string, string> = {};
  for (const [name, env] of [['file', fileEnv], ['pg', pgEnv]] as const) {
    cli(['package', 'add', PKG], env);
    for (let i = 0; i < INSTANCES; i++) ids[name] = cli(['create', VNFD_ID, '-f', 'value', '-c', 'ID'], env).trim();
  }
  const cases = [
    { label: 'show ID -f json', args: (b: 'file' | 'pg') => ['show', ids[b] ?? '', '-f', 'json'] },
    { label: 'list', args: () => ['list'] },
  ];
  const loadBefore = machine();
  const rows: string[] = [];
  for (const c of cases) {
    const t: Record<'file' | 'pg', number[]> = { file: [], pg: [] };
    await once(c.args('file'), fileEnv); // warm the page cache and the code cache
    await once(c.args('pg'), pgEnv);
    for (let i = 0; i < RUNS; i++) {
      const order: ('file' | 'pg')[] = i % 2 ? ['pg', 'file'] : ['file', 'pg'];
      for (const b of order) t[b].push(await once(c.args(b), b === 'file' ? fileEnv : pgEnv));
    }
    const f = median(t.file);
    const p = median(t.pg);
    const ratio = p / f;
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;
    rows.push(`| \`vnflcm ${c.label}\` | ${f.toFixed(3)} s (${range(t.file)}) | ${p.toFixed(3)} s (${range(t.pg)}) | ${ratio.toFixed(2)} | ${ratio <= TARGET ? 'met' : 'NOT met'} |`);
    console.log(`${c.label}: file ${f.toFixed(3)} s, postgres ${p.toFixed(3)} s, ratio ${ratio.toFixed(2)}`);
  }
  const body = [
    '## Shared state: PostgreSQL on loopback against the local file store',
    '',
    `Reproduce: \`npm run build && node --import tsx bench/state.ts --runs ${RUNS} --instances ${INSTANCES}\` (root: the test environment's PostgreSQL, \`test/env/postgres.sh up\`).`,
    `Medians of ${RUNS} runs per command and backend, interleaved; wall time from spawn to exit of \`node bin/run.js\`. Both stores hold one package and ${INSTANCES} instances;`,
    `PostgreSQL ${redactUrl(dbUrl).replace(/\/[^/]*$/, '/…')} (a throwaway database of the test cluster, scram-sha-256 password auth, TCP on 127.0.0.1).`,
    `Baseline: the same command on the file store (VNFLCM_HOME). Target (issue 10): ≤ ${TARGET} ×.`,
    '',
    `Machine at the start: ${loadBefore}.`,
    `At the end: ${machine().replace(/^.*load average ([\d. ]+),.*$/, 'load average $1')}.`,
    '',
    '| command | file store: median wall (min–max) | PostgreSQL: median wall (min–max) | ratio | target |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  writeSection('state', body);
} finally {
  await adminClient.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await adminClient.end();
}
