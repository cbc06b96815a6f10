/**
 * Team-shared state on the test environment's PostgreSQL, with the real cloud: two operators (two
 * VNFLCM_HOMEs, one VNFLCM_STATE_URL) share a private registry VNF through its whole lifecycle.
 * Alice onboards, creates and instantiates; Bob sees it, starts a heal; Alice's terminate is
 * refused naming Bob's run; Bob's process is killed with SIGKILL mid-heal: the lock is free within
 * seconds and the occurrence FAILED_TEMP; Alice retries it from her machine (the host keys Bob's run
 * pinned are shared); Bob terminates and deletes.
 *
 *   flock -o /tmp/vnflcm-e2e.lock node --import tsx --test --test-concurrency=1 test/e2e/pg-state.test.ts
 *
 * The Kubernetes lifecycle with the PostgreSQL backend is k8s-vnf.test.ts in the pg pass:
 *   VNFLCM_TEST_STATE=pg flock -o /tmp/vnflcm-e2e.lock node --import tsx --test test/e2e/k8s-vnf.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, ROOT, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { REGISTRY_PKG, REGISTRY_VNFD, SAMPLES } from '../helpers/packages.js';
import { freshPgDatabase } from '../helpers/state.js';
import { waitUntil } from '../helpers/wait.js';

interface LockRow {
  'VNF Instance ID': string;
  Operation: string;
  User: string;
  PID: number;
  State: string;
}

describe('shared state on PostgreSQL: two operators, one registry VNF', { timeout: 40 * 60_000 }, () => {
  let facts: EnvFacts;
  let url = '';
  const key = randomBytes(32).toString('base64');
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-pg-'));
  const alice = tempHome('vnflcm-alice-');
  const bob = tempHome('vnflcm-bob-');
  let id = '';
  let healer: ChildProcess | undefined;

  const envOf = (): NodeJS.ProcessEnv => ({ ...cloudEnv(facts), VNFLCM_STATE_URL: url, VNFLCM_STATE_KEY: key });
  const as = (home: string) => (args: string[]): Promise<CliResult> => runCli(args, { home, env: envOf(), timeoutMs: 900_000 });
  const ok = async (home: string, args: string[]): Promise<CliResult> => {
    const r = await as(home)(args);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r;
  };
  const locks = async (home: string): Promise<LockRow[]> => JSON.parse((await ok(home, ['lock', 'show', '-f', 'json'])).stdout) as LockRow[];
  const opsOf = async (home: string): Promise<Record<string, string>[]> =>
    (JSON.parse((await ok(home, ['op', 'list', '-f', 'json'])).stdout) as Record<string, string>[]).filter((o) => o['VNF Instance ID'] === id);

  before(() => {
    facts = ensureEnv();
    url = freshPgDatabase();
  });

  after(async () => {
    healer?.kill('SIGKILL');
    if (id) await as(alice)(['terminate', id, '--D', '-q']);
  });

  test('create + instantiate by one operator; list, show, heal, retry, terminate by the other; lock refusal and kill -9', async () => {
    await ok(alice, ['package', 'add', REGISTRY_PKG]);
    id = (await ok(alice, ['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'])).stdout.trim();
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_param_file.json'));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    const params = join(work, 'reg.json');
    writeFileSync(params, JSON.stringify(p, null, 2));
    await ok(alice, ['instantiate', id, params]);

    // Bob, on his own home, sees what Alice deployed.
    assert.equal((await ok(bob, ['list', '-f', 'value', '-c', 'ID'])).stdout.trim(), id);
    const shown = JSON.parse((await ok(bob, ['show', id, '-f', 'json'])).stdout) as Record<string, string>;
    assert.equal(shown['Instantiation State'], 'INSTANTIATED');

    // Bob heals; while his heal runs, Alice's terminate is refused and says whose run holds it.
    healer = spawn(process.execPath, [BIN, 'heal', id], { cwd: ROOT, env: { ...process.env, ...envOf(), VNFLCM_HOME: bob, NO_COLOR: '1' }, stdio: 'ignore' });
    const row = await waitUntil('Bob\'s heal to hold the lock', async () => (await locks(alice)).find((l) => l['VNF Instance ID'] === id && l.State === 'held'), { boundMs: 60_000 });
    assert.equal(row.PID, healer.pid);
    assert.equal(row.User, userInfo().username);
    const refused = await as(alice)(['terminate', id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^Vnf instance ${id} in task_state HEALING\\. Cannot terminate .*\\nHeld by operation ${row.Operation}, pid ${healer.pid} on .*, user ${userInfo().username}, since `, 's'));

    // kill -9 of Bob's process mid-heal: the server drops its session and the lock with it.
    await waitUntil('the heal to run a step', async () => (await opsOf(alice)).find((o) => o.ID === row.Operation && o['Operation State'] === 'PROCESSING'), { boundMs: 120_000 });
    const killedAt = Date.now();
    healer.kill('SIGKILL');
    await waitUntil('the lock to be free after kill -9', async () => !(await locks(alice)).some((l) => l['VNF Instance ID'] === id && l.State === 'held'), { boundMs: 20_000 });
    process.stderr.write(`# lock free ${((Date.now() - killedAt) / 1000).toFixed(1)} s after kill -9\n`);
    const interrupted = (await opsOf(alice)).find((o) => o.ID === row.Operation);
    assert.equal(interrupted?.['Operation State'], 'FAILED_TEMP');
    const detail = JSON.parse((await ok(alice, ['op', 'show', row.Operation, '-f', 'json'])).stdout) as Record<string, unknown>;
    assert.match(JSON.stringify(detail.Error), /Interrupted: the vnflcm process running this operation \(pid \d+ on /);

    // Alice continues Bob's heal from her machine; Bob terminates and deletes.
    await ok(alice, ['op', 'retry', row.Operation]);
    assert.equal((await opsOf(bob)).find((o) => o.ID === row.Operation)?.['Operation State'], 'COMPLETED');
    await ok(bob, ['terminate', id]);
    await ok(bob, ['delete', id]);
    assert.equal((await ok(alice, ['list', '-f', 'value', '-c', 'ID'])).stdout.trim(), '');
    id = '';
  });
});
