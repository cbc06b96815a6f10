/**
 * The shared state backend against the test environment's real PostgreSQL (test/env/postgres.sh):
 * migrations (empty → latest, previous → latest with data, newer refused, older asks for migrate),
 * two operators (two VNFLCM_HOMEs, one state URL), the operation lock (refusal naming the holder,
 * freed when the holder is killed with SIGKILL, `lock release`), secrets encrypted at rest,
 * 20 concurrent create/show/delete processes, export/import round trip, no password in messages.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { reconcileOps, runOperation } from '../../src/lib/lcm/op-occurrence.js';
import type { LcmEnv } from '../../src/lib/lcm/lcm-env.js';
import { recordingProgress } from '../../src/lib/lcm/progress.js';
import { exportState, importState } from '../../src/lib/state/archive.js';
import { Store } from '../../src/lib/store/index.js';
import { OperationLockBusy, ownerToken } from '../../src/lib/store/oplock.js';
import { migratePg, PG_MIGRATIONS, PG_SCHEMA_VERSION, schemaVersion } from '../../src/lib/store/pg/migrations.js';
import { ENC_PREFIX } from '../../src/lib/store/pg/secrets.js';
import { ROOT, runCli, tempHome } from '../helpers/cli.js';
import { instanceRecord } from '../helpers/records.js';
import { freshPgDatabase, pgAdminUrl } from '../helpers/state.js';
import { waitUntil } from '../helpers/wait.js';

const SKIP = pgAdminUrl() ? false : 'no test PostgreSQL (test/env/postgres.sh up, or VNFLCM_TEST_PG_URL)';
const KEY = process.env.VNFLCM_STATE_KEY ?? randomBytes(32).toString('base64');
process.env.VNFLCM_STATE_KEY = KEY; // the stores this process opens (and the CLIs it starts)
const REGISTRY_PKG = join(ROOT, 'samples', 'private-registry-vnf-package');
const REGISTRY_VNFD = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A home of its own on a shared database (each "operator" has one). */
function operator(url: string): { home: string; env: NodeJS.ProcessEnv } {
  return { home: tempHome('vnflcm-op-'), env: { VNFLCM_STATE_URL: url, VNFLCM_STATE_KEY: KEY } };
}

describe('PostgreSQL state: migrations', { skip: SKIP }, () => {
  test('empty database -> latest; the CLI refuses an unmigrated database, then works', async () => {
    const url = freshPgDatabase({ migrated: false });
    const op = operator(url);
    const before = await runCli(['list'], op);
    assert.equal(before.code, 1);
    assert.match(before.stderr, /has no vnflcm schema yet\. Run 'vnflcm state migrate' once to create it\./);
    const m = await runCli(['state', 'migrate'], op);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, new RegExp(`migrated from schema version 0 to ${PG_SCHEMA_VERSION}`));
    const again = await runCli(['state', 'migrate'], op);
    assert.match(again.stdout, /nothing to do/);
    const tables = await withClient(url, async (c) => (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t));
    assert.deepEqual(tables, ['host_keys', 'instances', 'lock_holders', 'op_events', 'op_occs', 'package_files', 'packages', 'stored_files', 'vims', 'vnflcm_schema']);
    assert.equal((await runCli(['list'], op)).code, 0);
  });

  test('previous schema with data -> latest: records kept, events backfilled', async () => {
    const url = freshPgDatabase({ migrated: false });
    const prev = PG_SCHEMA_VERSION - 1;
    const now = new Date().toISOString();
    await withClient(url, async (c) => {
      assert.deepEqual(await migratePg(c, prev), PG_MIGRATIONS.filter((m) => m.version <= prev).map((m) => m.version));
      const body = { id: 'op-1', operationState: 'FAILED_TEMP', stateEnteredTime: now, startTime: now, vnfInstanceId: 'i-1', operation: 'HEAL', failedStep: { node: 'vm-1', name: 'pull image', at: now }, error: { title: 'Heal failed at pull image', status: 500, detail: 'x' } };
      await c.query("INSERT INTO op_occs (id, vnf_instance_id, operation, operation_state, start_time, body) VALUES ('op-1', 'i-1', 'HEAL', 'FAILED_TEMP', $1, $2)", [now, body]);
    });
    const refused = await Store.open(tempHome(), { stateUrl: url }).catch((e: unknown) => e as Error);
    assert.match(refused instanceof Error ? refused.message : '', new RegExp(`has schema version ${prev}; this vnflcm needs ${PG_SCHEMA_VERSION}\\. Run 'vnflcm state migrate'`));
    await withClient(url, async (c) => {
      assert.deepEqual(await migratePg(c), [PG_SCHEMA_VERSION]);
      assert.equal(await schemaVersion(c), PG_SCHEMA_VERSION);
      const ev = await c.query<{ node: string; step: string; message: string }>("SELECT node, step, message FROM op_events WHERE op_id = 'op-1' ORDER BY seq");
      assert.deepEqual(ev.rows, [
        { node: '', step: '', message: 'started HEAL' },
        { node: 'vm-1', step: 'pull image', message: 'FAILED_TEMP: Heal failed at pull image' },
      ]);
    });
    const store = await Store.open(tempHome(), { stateUrl: url });
    assert.equal((await store.getOp('op-1'))?.failedStep?.name, 'pull image');
    await store.close();
  });

  test('a newer schema than this vnflcm knows is refused', async () => {
    const url = freshPgDatabase();
    await withClient(url, (c) => c.query("INSERT INTO vnflcm_schema (version, description) VALUES (99, 'from the future')"));
    const r = await runCli(['list'], operator(url));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`has schema version 99, newer than this vnflcm understands \\(${PG_SCHEMA_VERSION}\\)\\. Upgrade vnflcm\\.`));
  });
});

describe('PostgreSQL state: two operators', { skip: SKIP }, () => {
  test("one operator's package and instance are listed, shown and deleted by the other", async () => {
    const url = freshPgDatabase();
    const alice = operator(url);
    const bob = operator(url);
    assert.equal((await runCli(['package', 'add', REGISTRY_PKG], alice)).code, 0);
    const created = await runCli(['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'], alice);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    const listed = await runCli(['list', '-f', 'value', '-c', 'ID'], bob);
    assert.equal(listed.stdout.trim(), id);
    const shown = await runCli(['show', id, '-f', 'json'], bob);
    assert.equal((JSON.parse(shown.stdout) as Record<string, string>)['VNFD ID'], REGISTRY_VNFD);
    // bob has the package's files too (materialized from the database when he reads the package)
    assert.equal((await runCli(['package', 'show', REGISTRY_VNFD], bob)).code, 0);
    assert.ok(readFileSync(join(bob.home, 'cache', 'packages', REGISTRY_VNFD, 'content', 'Definitions', 'sample_vnfd_df_simple.yaml'), 'utf8').length > 0);
    const del = await runCli(['delete', id], bob);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await runCli(['list', '-f', 'value', '-c', 'ID'], alice)).stdout.trim(), '');
    assert.equal((await runCli(['show', id], alice)).code, 1);
  });

  test('20 concurrent create + show + delete processes: no lost or duplicated record, no error', async () => {
    const url = freshPgDatabase();
    const ops = Array.from({ length: 20 }, () => operator(url));
    assert.equal((await runCli(['package', 'add', REGISTRY_PKG], ops[0] ?? operator(url))).code, 0);
    const keep = await runCli(['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'], ops[0] ?? operator(url));
    const results = await Promise.all(
      ops.map(async (op) => {
        const c = await runCli(['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'], op);
        const id = c.stdout.trim();
        const s = await runCli(['show', id, '-f', 'value', '-c', 'ID'], op);
        const d = await runCli(['delete', id], op);
        return { id, codes: [c.code, s.code, d.code], shown: s.stdout.trim(), stderr: c.stderr + s.stderr + d.stderr };
      }),
    );
    for (const r of results) {
      assert.deepEqual(r.codes, [0, 0, 0], r.stderr);
      assert.equal(r.shown, r.id);
    }
    assert.equal(new Set(results.map((r) => r.id)).size, 20);
    const left = await runCli(['list', '-f', 'value', '-c', 'ID'], ops[1] ?? operator(url));
    assert.deepEqual(left.stdout.trim().split('\n'), [keep.stdout.trim()]);
  });
});

/** A second process that holds the instance's operation lock for a PROCESSING occurrence, like runOperation. */
function holder(url: string, home: string, instanceId: string, opId: string): Promise<ChildProcess> {
  const code = `
    import { Store } from './src/lib/store/index.js';
    import { ownerToken } from './src/lib/store/oplock.js';
    const store = await Store.open(process.env.H, { stateUrl: process.env.U });
    await store.opLock().acquire(process.env.I, { ...ownerToken(), opId: process.env.O });
    const now = new Date().toISOString();
    await store.putOp({ id: process.env.O, operationState: 'PROCESSING', stateEnteredTime: now, startTime: now,
      vnfInstanceId: process.env.I, grantId: null, operation: 'HEAL', isAutomaticInvocation: false,
      operationParams: {}, isCancelPending: false, error: null, owner: ownerToken(),
      runningSteps: [{ node: 'vm-1', name: 'pull image', at: now }] });
    await store.updateInstance(process.env.I, (r) => ({ ...r, activeOpId: process.env.O }));
    process.stdout.write('held\\n');
    setInterval(() => undefined, 1000);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      env: { ...process.env, H: home, U: url, I: instanceId, O: opId },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (c) => reject(new Error(`holder exited early (${c})`)));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('held')) resolve(child);
    });
  });
}

function exited(child: ChildProcess, signal?: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    if (signal) child.kill(signal);
  });
}

describe('PostgreSQL state: operation locks', { skip: SKIP }, () => {
  test("a second operation is refused naming the holder; kill -9 of the holder frees the lock; the occurrence becomes FAILED_TEMP", async () => {
    const url = freshPgDatabase();
    const store = await Store.open(tempHome(), { stateUrl: url });
    await store.createInstance(instanceRecord('i-lock'));
    const child = await holder(url, tempHome(), 'i-lock', 'op-heal');
    try {
      const busy = await store.opLock().acquire('i-lock', { ...ownerToken(), opId: 'op-scale' }).catch((e: unknown) => e);
      assert.ok(busy instanceof OperationLockBusy);
      assert.ok(busy.holder !== 'unknown');
      assert.equal(busy.holder.pid, child.pid);
      assert.equal(busy.holder.operator, userInfo().username);
      assert.match(busy.message, new RegExp(`operation op-heal, pid ${child.pid} on ${hostname()}, user ${userInfo().username}, since \\d{4}-`));
      // through runOperation, as `vnflcm scale` would: Tacker's message, then who holds it
      const env = { store, progress: recordingProgress(), options: { timeoutMs: 1000, acceptNewHostKey: false, concurrency: 1 } } as unknown as LcmEnv;
      const refused = await runOperation(env, 'i-lock', 'SCALE', {}, 'NOT_INSTANTIATED', async () => undefined).catch((e: unknown) => e as Error);
      assert.match(refused instanceof Error ? refused.message : '', /^Vnf instance i-lock in task_state HEALING\. Cannot scale .*\nHeld by operation op-heal, pid \d+ on .*, user .*, since /s);
      const shown = await runCli(['lock', 'show', '-f', 'json'], { home: tempHome(), env: { VNFLCM_STATE_URL: url } });
      const rows = JSON.parse(shown.stdout) as Record<string, unknown>[];
      assert.deepEqual(rows.map((r) => [r['VNF Instance ID'], r.Operation, r.PID, r.State]), [['i-lock', 'op-heal', child.pid, 'held']]);
      assert.equal((await reconcileOps(store)).find((o) => o.id === 'op-heal')?.operationState, 'PROCESSING', 'a live holder is left alone');
    } finally {
      await exited(child, 'SIGKILL');
    }
    await waitUntil('the killed holder\'s lock to be freed', async () => (await store.opLock().holder('i-lock')) === undefined, { boundMs: 10_000 });
    const [after] = (await reconcileOps(store)).filter((o) => o.id === 'op-heal');
    assert.equal(after?.operationState, 'FAILED_TEMP');
    assert.match(after?.error?.detail ?? '', /^Interrupted: the vnflcm process running this operation \(pid \d+ on .*\) ended without recording an outcome, during step 'pull image' on node vm-1/);
    // the append-only events: the start, the step the holder had started, the interruption
    const { PgBackend } = await import('../../src/lib/store/pg/backend.js');
    assert.ok(store.backend instanceof PgBackend);
    assert.deepEqual(
      (await store.backend.opEvents('op-heal')).map((e) => [e.node, e.step, e.message.replace(/:.*/, '')]),
      [['', '', 'started HEAL'], ['vm-1', 'pull image', 'step started'], ['vm-1', 'pull image', 'FAILED_TEMP']],
    );
    const held = await store.opLock().acquire('i-lock', { ...ownerToken(), opId: 'op-next' });
    await held.release();
    assert.equal(await store.opLock().holder('i-lock'), undefined);
    await store.close();
  });

  test('lock release ends the holder\'s session; the lock and its holder row are gone', async () => {
    const url = freshPgDatabase();
    const store = await Store.open(tempHome(), { stateUrl: url });
    await store.createInstance(instanceRecord('i-rel'));
    const child = await holder(url, tempHome(), 'i-rel', 'op-stuck');
    try {
      const noYes = await runCli(['lock', 'release', 'i-rel'], { home: tempHome(), env: { VNFLCM_STATE_URL: url } });
      assert.equal(noYes.code, 1);
      assert.match(noYes.stderr, /held by operation op-stuck of .* Re-run with --yes/);
      assert.notEqual(await store.opLock().holder('i-rel'), undefined, 'not released without confirmation');
      const r = await runCli(['lock', 'release', 'i-rel', '--yes'], { home: tempHome(), env: { VNFLCM_STATE_URL: url } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /The lock of VNF instance i-rel is released: the session of operation op-stuck/);
      await waitUntil('the lock to be free', async () => (await store.opLock().holder('i-rel')) === undefined, { boundMs: 10_000 });
      const rows = await withClient(url, async (c) => (await c.query("SELECT 1 FROM lock_holders WHERE instance_id = 'i-rel'")).rowCount);
      assert.equal(rows, 0);
    } finally {
      await exited(child, 'SIGKILL');
    }
    await store.close();
  });
});

describe('PostgreSQL state: secrets, export/import, messages', { skip: SKIP }, () => {
  const secretRec = (id: string) => instanceRecord(id, {
      internal: {
        request: {
          flavourId: 'simple',
          additionalParams: {
            private_registry_installation_param: { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'hunter2-secret', port_no: 5000, proxy: { http_proxy: 'http://u:pw123@proxy:3128' } },
          },
        },
      },
    });

  test('passwords are encrypted at rest; without the key records still show (masked) and operations stop clearly', async () => {
    const url = freshPgDatabase();
    const withKey = await Store.open(tempHome(), { stateUrl: url });
    await withKey.createInstance(secretRec('i-sec'));
    const raw = await withClient(url, async (c) => (await c.query<{ body: string }>("SELECT body::text AS body FROM instances WHERE id = 'i-sec'")).rows[0]?.body ?? '');
    assert.doesNotMatch(raw, /hunter2|pw123/);
    assert.equal(raw.split(ENC_PREFIX).length - 1, 2);
    assert.equal((await withKey.getInstance('i-sec'))?.internal?.request?.additionalParams.private_registry_installation_param?.ssh_password, 'hunter2-secret');
    await withKey.close();

    const home = tempHome();
    const env = { VNFLCM_STATE_URL: url, VNFLCM_STATE_KEY: '' };
    const shown = await runCli(['show', 'i-sec', '-f', 'json'], { home, env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout, /hunter2/);
    const saved = process.env.VNFLCM_STATE_KEY;
    delete process.env.VNFLCM_STATE_KEY;
    try {
      const noKey = await Store.open(tempHome(), { stateUrl: url });
      const rec = await noKey.getInstance('i-sec');
      assert.match(noKey.lockedSecrets(rec) ?? '', /VNF instance i-sec holds passwords encrypted with the state key, which is not set here\. Set VNFLCM_STATE_KEY/);
      const refused = await noKey.createInstance(secretRec('i-plain')).catch((e: unknown) => e as Error);
      assert.match(refused instanceof Error ? refused.message : '', /Cannot store VNF instance i-plain: it holds passwords/);
      assert.equal(await noKey.getInstance('i-plain'), undefined);
      // an update without the key keeps the stored ciphertext as it is
      await noKey.updateInstance('i-sec', (r) => ({ ...r, vnfInstanceName: 'renamed' }));
      await noKey.close();
    } finally {
      process.env.VNFLCM_STATE_KEY = saved;
    }
    const again = await Store.open(tempHome(), { stateUrl: url });
    const rec = await again.getInstance('i-sec');
    assert.equal(rec?.vnfInstanceName, 'renamed');
    assert.equal(rec?.internal?.request?.additionalParams.private_registry_installation_param?.ssh_password, 'hunter2-secret');
    await again.close();
    const wrong = await runCli(['op', 'list'], { home, env: { VNFLCM_STATE_URL: url, VNFLCM_STATE_KEY: randomBytes(32).toString('base64') } });
    assert.equal(wrong.code, 0, 'records without secrets read with any key');
  });

  test('export from a file store, import into PostgreSQL, export again, import into a file store: nothing lost', async () => {
    const saved = process.env.VNFLCM_STATE_URL;
    delete process.env.VNFLCM_STATE_URL;
    try {
      const homeA = tempHome();
      const a = await Store.open(homeA, { stateUrl: '' });
      assert.equal(a.backend.kind, 'file');
      assert.equal((await runCli(['package', 'add', REGISTRY_PKG], { home: homeA, env: { VNFLCM_STATE_URL: '' } })).code, 0);
      await a.createInstance(secretRec('i-exp'));
      const now = new Date().toISOString();
      await a.putOp({ id: 'op-exp', operationState: 'COMPLETED', stateEnteredTime: now, startTime: now, vnfInstanceId: 'i-exp', grantId: null, operation: 'HEAL', isAutomaticInvocation: false, operationParams: { additionalParams: { master_node_password: 'pw-op' } }, isCancelPending: false, error: null, logFile: a.opLogFile('op-exp') });
      mkdirSync(join(homeA, 'logs'), { recursive: true });
      writeFileSync(a.opLogFile('op-exp'), 'line 1\nline 2\n');
      writeFileSync(join(homeA, 'k.conf'), 'apiVersion: v1\nclusters: []\n');
      await a.putVim({ name: 'k8s', id: 'vim-1', type: 'kubernetes', kubernetes: { server: 'https://10.0.0.1:6443', kubeconfigFile: join(homeA, 'k.conf'), vnfInstanceId: 'i-exp' }, createdAt: now });
      await a.hostKeys().set('10.0.0.5:22', 'SHA256:abc');

      const url = freshPgDatabase();
      const p = await Store.open(tempHome(), { stateUrl: url });
      await importState(p, await exportState(a, { includeSecrets: true }));
      const fromPg = await exportState(p, { includeSecrets: true });
      await p.close();
      const homeB = tempHome();
      const b = await Store.open(homeB, { stateUrl: '' });
      await importState(b, fromPg);

      const norm = async (s: Store) => {
        const x = await exportState(s, { includeSecrets: true });
        return {
          ...x,
          exportedAt: '',
          source: '',
          ops: x.ops.map((o) => ({ ...o, logFile: o.logFile ? 'LOG' : undefined })),
          vims: x.vims.map((v) => ({ ...v, record: { ...v.record, kubernetes: v.record.kubernetes ? { ...v.record.kubernetes, kubeconfigFile: 'KC' } : undefined } })),
        };
      };
      const [ea, eb] = [await norm(a), await norm(b)];
      assert.deepEqual(eb, ea);
      assert.equal(ea.packages[0]?.files.length, ea.packages[0]?.files.length && ea.packages[0].files.length);
      assert.ok((ea.packages[0]?.files.length ?? 0) > 3);
      assert.equal(ea.logs.length, 1);
      assert.equal(ea.hostKeys.length, 1);
      assert.equal(Buffer.from(ea.vims[0]?.kubeconfig ?? '', 'base64').toString(), 'apiVersion: v1\nclusters: []\n');

      const masked = await exportState(a, { includeSecrets: false });
      assert.doesNotMatch(JSON.stringify(masked), /hunter2|pw123|pw-op/);
      assert.equal(masked.vims[0]?.kubeconfig, undefined);
    } finally {
      process.env.VNFLCM_STATE_URL = saved;
    }
  });

  test('state export / import commands; connection errors never show the password', async () => {
    const url = freshPgDatabase();
    const op = operator(url);
    assert.equal((await runCli(['package', 'add', REGISTRY_PKG], op)).code, 0);
    const file = join(op.home, 'state.json.gz');
    const ex = await runCli(['state', 'export', file], op);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /^Exported 1 package\(s\), 0 instance\(s\).* to .*state\.json\.gz \(secrets left out\)\.$/m);
    const to = freshPgDatabase();
    const im = await runCli(['state', 'import', file], { home: tempHome(), env: { VNFLCM_STATE_URL: to, VNFLCM_STATE_KEY: KEY } });
    assert.equal(im.code, 0, im.stderr);
    assert.equal((await runCli(['package', 'list', '-f', 'value', '-c', 'VNFD ID'], { home: tempHome(), env: { VNFLCM_STATE_URL: to } })).stdout.trim(), REGISTRY_VNFD);

    const u = new URL(url);
    u.password = 'wrong-Secret-42';
    const bad = await runCli(['list'], { home: tempHome(), env: { VNFLCM_STATE_URL: u.toString() } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Cannot use the state database postgres:\/\/vnflcm:\*\*\*\*@127\.0\.0\.1:\d+\/vt_\w+: password authentication failed/);
    assert.doesNotMatch(bad.stderr + bad.stdout, /wrong-Secret-42/);
  });
});
