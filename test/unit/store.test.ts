import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Store } from '../../src/lib/store/index.js';
import type { VnfInstanceRecord } from '../../src/lib/store/records.js';
import { ROOT, tempHome } from '../helpers/cli.js';
import { instanceRecord } from '../helpers/records.js';
import { TEST_STATE } from '../helpers/state.js';

// Runs against both backends (VNFLCM_TEST_STATE=pg: PostgreSQL); the layout tests are the file store's.
const FILE_ONLY = { skip: TEST_STATE === 'pg' ? 'the file store\'s layout' : false };

function instance(id: string): VnfInstanceRecord {
  return instanceRecord(id, { metadata: { counter: 0 } });
}

function runNode(code: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
}

test('a new store gets schema version, owner-only directory and files', FILE_ONLY, async () => {
  const home = tempHome();
  const store = await Store.open(join(home, 'st'));
  await store.createInstance(instance('a1'));
  const meta = JSON.parse(await readFile(join(home, 'st', 'meta.json'), 'utf8')) as { schemaVersion: number };
  assert.equal(meta.schemaVersion, Store.schemaVersion);
  assert.equal((await stat(join(home, 'st'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(home, 'st', 'instances'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(home, 'st', 'instances', 'a1.json'))).mode & 0o777, 0o600);
});

test('a v0 store (no meta.json, loose permissions) is migrated', FILE_ONLY, async () => {
  const home = tempHome();
  const root = join(home, 'old');
  await mkdir(join(root, 'instances'), { recursive: true, mode: 0o755 });
  await writeFile(join(root, 'instances', 'b1.json'), JSON.stringify(instance('b1')), { mode: 0o644 });
  const store = await Store.open(root);
  assert.equal((await store.getInstance('b1'))?.id, 'b1');
  assert.equal((await stat(join(root, 'instances', 'b1.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'instances'))).mode & 0o777, 0o700);
});

test('a store newer than this program is refused', FILE_ONLY, async () => {
  const home = tempHome();
  await writeFile(join(home, 'meta.json'), JSON.stringify({ schemaVersion: 99 }));
  await assert.rejects(Store.open(home), /schema version 99, newer than this vnflcm understands/);
});

test('writes are atomic: no temp files left, readers never see partial JSON', async () => {
  const home = tempHome();
  const store = await Store.open(home);
  await store.createInstance(instance('c1'));
  const big = 'x'.repeat(200_000);
  const writers = Array.from({ length: 30 }, (_, i) =>
    store.updateInstance('c1', (r) => ({ ...r, metadata: { counter: i, big } })),
  );
  const readers = Array.from({ length: 60 }, async () => {
    const r = await store.getInstance('c1');
    assert.ok(r && r.id === 'c1');
  });
  await Promise.all([...writers, ...readers]);
  if (TEST_STATE === 'file') assert.deepEqual(await readdir(join(home, 'instances')), ['c1.json']);
  assert.equal((await store.getInstance('c1'))?.metadata?.big, big);
});

test('20 processes updating one record under its lock lose no update', async () => {
  const home = tempHome();
  const store = await Store.open(home);
  await store.createInstance(instance('d1'));
  const code = `
    import { Store } from './src/lib/store/index.js';
    const s = await Store.open(process.env.H);
    await s.updateInstance('d1', (r) => ({ ...r, metadata: { counter: Number(r.metadata.counter) + 1 } }));
  `;
  const codes = await Promise.all(Array.from({ length: 20 }, () => runNode(code, { H: home })));
  assert.deepEqual(codes, Array(20).fill(0));
  assert.equal((await store.getInstance('d1'))?.metadata?.counter, 20);
});

test('ids that are not safe file names are not found', async () => {
  const store = await Store.open(tempHome());
  assert.equal(await store.getInstance('../meta'), undefined);
  assert.equal(await store.getInstance('a/b'), undefined);
});

test('a record lock left by a killed process is taken over once stale, not reported as held', async () => {
  const home = tempHome();
  const store = await Store.open(home);
  await store.createInstance(instance('k1'));
  // The child dies (SIGKILL) inside the lock, as a CLI killed mid-update would.
  const code = `
    import { Store } from './src/lib/store/index.js';
    const s = await Store.open(process.env.H);
    await s.updateInstance('k1', () => { process.kill(process.pid, 'SIGKILL'); return new Promise(() => {}); });
  `;
  assert.notEqual(await runNode(code, { H: home }), 0);
  if (TEST_STATE === 'file') assert.ok((await readdir(join(home, 'locks'))).some((n) => n.endsWith('.lock')), 'the dead process left its lock');
  await store.updateInstance('k1', (r) => ({ ...r, metadata: { counter: 1 } }));
  assert.equal((await store.getInstance('k1'))?.metadata?.counter, 1);
});
