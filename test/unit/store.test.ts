import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliError } from '../../src/lib/errors.js';
import type { CloudOps } from '../../src/lib/lcm/cloud-ops.js';
import { callHook } from '../../src/lib/lcm/hooks.js';
import type { LcmEnv } from '../../src/lib/lcm/lcm-env.js';
import { Store } from '../../src/lib/store/index.js';
import { typedRequest } from '../../src/lib/store/migrations.js';
import { REQUEST_SCHEMA_VERSION, type VnfInstanceRecord } from '../../src/lib/store/records.js';
import { ROOT, tempHome } from '../helpers/cli.js';
import { registryPackage } from '../fixtures/params/packages.js';
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

test('a v1 store: stored instantiate requests become the schema\'s typed output with a schema version', FILE_ONLY, async () => {
  const home = tempHome();
  const root = join(home, 'v1');
  await mkdir(join(root, 'instances'), { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'meta.json'), JSON.stringify({ schemaVersion: 1 }), { mode: 0o600 });
  // as an earlier build stored it: port_no a string, connection_type a number, no defaults applied
  const raw = {
    flavourId: 'simple',
    additionalParams: { private_registry_installation_param: { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'pw', port_no: '5443' } },
  };
  const k8sRaw = JSON.parse(await readFile(join(ROOT, 'test/fixtures/params/good/private_registry_kubernetes_param_file.json'), 'utf8')) as Record<string, unknown>;
  const k8sParam = (k8sRaw.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as Record<string, unknown>;
  k8sParam.private_registry_connection_info = [{ connection_type: 0, server: '[fd00::10]:5000' }];
  delete (k8sParam.master_node as Record<string, unknown>).pod_cidr;
  // half registry credentials: the schema refuses it now
  const bad = structuredClone(k8sRaw);
  ((bad.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as { private_registry_connection_info: unknown }).private_registry_connection_info = [
    { connection_type: '0', server: 'r.example.com:5000', username: 'u' },
  ];
  const write = (id: string, internal: Record<string, unknown>) =>
    writeFile(join(root, 'instances', `${id}.json`), JSON.stringify({ ...instance(id), internal: { stack: { id: 's', name: `vnf-${id}` }, ...internal } }), { mode: 0o600 });
  await write('m1', { request: raw });
  await write('m2', { request: k8sRaw });
  await write('m3', { request: bad });
  await write('m4', {});

  const store = await Store.open(root);
  const meta = JSON.parse(await readFile(join(root, 'meta.json'), 'utf8')) as { schemaVersion: number };
  assert.equal(meta.schemaVersion, Store.schemaVersion);

  const m1 = (await store.getInstance('m1'))?.internal;
  assert.equal(m1?.requestSchemaVersion, REQUEST_SCHEMA_VERSION);
  assert.deepEqual(m1?.request?.additionalParams.private_registry_installation_param, { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'pw', port_no: 5443 });
  assert.deepEqual(m1?.stack, { id: 's', name: 'vnf-m1' }, 'the rest of the internal state is kept');

  const k8s = (await store.getInstance('m2'))?.internal?.request?.additionalParams.k8s_cluster_installation_param;
  assert.equal(k8s?.master_node.pod_cidr, '192.168.0.0/16', 'defaults applied');
  assert.equal(k8s?.container_runtime, 'containerd');
  assert.deepEqual(k8s?.private_registry_connection_info, [{ connection_type: '0', server: '[fd00::10]:5000' }]);

  const m3 = (await store.getInstance('m3'))?.internal;
  assert.equal(m3?.request, undefined, 'a request the schema refuses is not stored as typed');
  assert.deepEqual(m3?.unparsedRequest, bad);
  assert.deepEqual(m3?.requestProblems, [
    'additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].password: expected a registry password, found nothing (hint: username is given; give both or neither)',
  ]);

  assert.deepEqual((await store.getInstance('m4'))?.internal, { stack: { id: 's', name: 'vnf-m4' } });

  // migrating again changes nothing (the meta says v2; a typed record is left as it is)
  const before = await readFile(join(root, 'instances', 'm1.json'), 'utf8');
  assert.deepEqual(await typedRequest(JSON.parse(before) as VnfInstanceRecord), JSON.parse(before));
});

test('hooks get the migrated typed request; an instance whose stored request was refused says why and runs no hook', FILE_ONLY, async () => {
  const home = tempHome();
  const root = join(home, 'hooks');
  await mkdir(join(root, 'instances'), { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'meta.json'), JSON.stringify({ schemaVersion: 1 }), { mode: 0o600 });
  const param = { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'pw', port_no: '5443' };
  const write = (id: string, p: Record<string, unknown>) =>
    writeFile(join(root, 'instances', `${id}.json`), JSON.stringify({ ...instance(id), internal: { request: { flavourId: 'simple', additionalParams: { private_registry_installation_param: p } } } }), { mode: 0o600 });
  await write('h1', param);
  await write('h2', { ...param, port_no: 'http' });
  const store = await Store.open(root);

  const seen: unknown[] = [];
  const pkg = registryPackage();
  const base = pkg.flavours.simple;
  assert.ok(base);
  const env: LcmEnv = {
    store,
    cloud: {} as CloudOps, // callHook reads the cloud only when a hook asks for VNFCs
    pkg,
    flavour: { ...base, lcmHooks: { heal_start: 'vnflcm-unit-test-driver' } },
    progress: { step: () => undefined, info: () => undefined },
    options: { timeoutMs: 1000, acceptNewHostKey: false, concurrency: 1 },
    drivers: { 'vnflcm-unit-test-driver': async () => ({ heal_start: async (ctx) => void seen.push(ctx.request.additionalParams.private_registry_installation_param?.port_no) }) },
  };
  await callHook(env, 'heal_start', 'h1', 'op-1', {});
  assert.deepEqual(seen, [5443], 'the hook got the typed request (port_no a number)');

  const before = await readFile(join(root, 'instances', 'h2.json'), 'utf8');
  await assert.rejects(callHook(env, 'heal_start', 'h2', 'op-2', {}), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.match(e.message, /^VNF instance h2 has no stored instantiate request: the stored request is not valid any more \(additionalParams\.private_registry_installation_param\.port_no: expected a TCP port number/);
    assert.match(e.message, /terminate it and instantiate it again\.$/);
    return true;
  });
  assert.deepEqual(seen, [5443], 'no hook ran');
  assert.equal(await readFile(join(root, 'instances', 'h2.json'), 'utf8'), before, 'the record is left as it is');
  await rm(pkg.root, { recursive: true, force: true });
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
