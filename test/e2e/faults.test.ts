/**
 * Fault injection on the real OpenStack of test/env and its VM stand-ins: the CLI talks to the
 * cloud through a fault-injecting proxy (test/helpers/fault-proxy.ts) and provisions real stand-ins
 * whose sshd and network the test disturbs. For every fault: the occurrence ends COMPLETED (the
 * transparent recoveries: retries with backoff and Retry-After, one re-authentication) or
 * FAILED_TEMP with a detail naming the cause; `op retry` completes it; then the store and the
 * cloud agree — asserted on Heat, Nova, the instance record and `vnflcm doctor -f json`.
 *
 * The CLI is also killed with SIGKILL when named steps of instantiate, scale-out and heal start
 * (10 points); `npm test` runs 3 of them, `npm run test:soak` (VNFLCM_SOAK=30) runs 30 and prints
 * a summary.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, ROOT, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ENV_SH, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { count, FaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { hooklessCopy, K8S_PKG, K8S_VNFD, k8sTestbedPackage, REGISTRY_PKG, SAMPLES } from '../helpers/packages.js';
import { openCloud, resolveCloudConfig, type Cloud } from '../../src/lib/openstack/index.js';

/** The registry VNF without hooks: a Heat stack and nothing else, the fastest operation there is. */
const FAST_VNFD = 'aaaa0011-0000-4000-8000-000000000011';
/** The Kubernetes VNF without hooks (a 3-server stack that scales). */
const K8S_FAST_VNFD = 'aaaa0012-0000-4000-8000-000000000012';
/** Kills in this run: 3 in `npm test`; `npm run test:soak` sets VNFLCM_SOAK=30. */
const KILLS = Number(process.env.VNFLCM_SOAK ?? 3);
const OUTAGE_MS = 60_000;

interface Op {
  ID: string;
  'Operation State': string;
  'VNF Instance ID': string;
  Operation: string;
}
interface Vnfc {
  id: string;
  vduId: string;
  computeResource: { resourceId: string };
  vnfcCpInfo: Array<{ cpProtocolInfo: Array<{ ipOverEthernet?: { ipAddresses: Array<{ addresses: string[] }> } }> }>;
}
interface K8sMeta {
  nodes: Array<{ name: string; role: string; ip: string; vnfcId: string }>;
}

/** A point of an operation where the CLI is killed: the first progress line matching `at` (a step starting). */
interface KillPoint {
  op: 'instantiate' | 'scale-out' | 'heal';
  at: RegExp;
  label: string;
}
const KILL_POINTS: KillPoint[] = [
  { op: 'instantiate', label: 'create stack', at: /… create stack vnf-/ },
  { op: 'instantiate', label: 'master: kubeadm init', at: /… master-\w+: kubeadm-init/ },
  { op: 'instantiate', label: 'worker: prepare', at: /… worker-\w+: runtime-packages/ },
  { op: 'instantiate', label: 'worker: kubeadm join', at: /… worker-\w+: kubeadm-join/ },
  { op: 'instantiate', label: 'master: register Kubernetes VIM', at: /… master-\w+: register Kubernetes VIM/ },
  { op: 'scale-out', label: 'update stack', at: /… update stack vnf-/ },
  { op: 'scale-out', label: 'master: join data', at: /… master-\w+: join data/ },
  { op: 'scale-out', label: 'new worker: kubeadm join', at: /… worker-\w+: kubeadm-join/ },
  { op: 'heal', label: 'mark unhealthy', at: /… mark workerNode \S+ unhealthy/ },
  { op: 'heal', label: 'healed worker: kubeadm join', at: /… worker-\w+: kubeadm-join/ },
];

function envSh(args: string[]): { code: number; out: string } {
  const r = spawnSync('bash', [ENV_SH, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TESTBED_QUIET: '1' } });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The stand-in VM that holds `ip` (nova-sync names them nv-<server id>). */
function vmAt(ip: string): string {
  const line = envSh(['vm', 'list']).out.split('\n').find((l) => l.split(/\s+/)[1] === ip);
  assert.ok(line, `a stand-in answers at ${ip}`);
  return line.split(/\s+/)[0] as string;
}

/**
 * Start the CLI; `onLine` sees every stderr line as it comes and may act on it (kill the CLI, break
 * something). Resolves with the outcome.
 */
function runWatching(args: string[], opts: { home: string; env: NodeJS.ProcessEnv }, onLine: (line: string, child: ReturnType<typeof spawn>) => void) {
  return new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '80', ...opts.env, VNFLCM_HOME: opts.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr, signal });
    });
  });
}

describe('fault injection', { timeout: 90 * 60_000 }, () => {
  let facts: EnvFacts;
  let env: NodeJS.ProcessEnv;
  let proxy: FaultProxy;
  let cloud: Cloud;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-faults-'));
  const created: string[] = [];

  const cli = (args: string[]): Promise<CliResult> => runCli(args, { home, env, timeoutMs: 900_000 });
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await cli(args);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const create = async (vnfd: string): Promise<string> => {
    const id = (await ok(['create', vnfd, '-f', 'value', '-c', 'ID'])).stdout.trim();
    created.push(id);
    return id;
  };
  const opsOf = async (id: string): Promise<Op[]> => {
    return (JSON.parse((await ok(['op', 'list', '-f', 'json'])).stdout) as Op[]).filter((o) => o['VNF Instance ID'] === id);
  };
  const lastOp = async (id: string): Promise<Op> => {
    const op = (await opsOf(id)).at(-1);
    assert.ok(op, `an occurrence of ${id}`);
    return op;
  };
  const errorOf = async (opId: string): Promise<{ title: string; detail: string }> =>
    (JSON.parse((await ok(['op', 'show', opId, '-f', 'json'])).stdout) as { Error: { title: string; detail: string } }).Error;
  const shown = async (id: string) =>
    JSON.parse((await ok(['show', id, '-f', 'json'])).stdout) as {
      'Instantiation State': string;
      'Instantiated Vnf Info'?: { vnfcResourceInfo: Vnfc[]; scaleStatus: Array<{ aspectId: string; scaleLevel: number }> };
      metadata?: { kubernetes?: K8sMeta };
    };
  const fastParams = (name: string, edit: (p: Record<string, unknown>) => void = () => undefined): string => {
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_param_file.json'));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    edit(p);
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(p, null, 2));
    return file;
  };
  const k8sParams = (): string => {
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_kubernetes_param_file.json'));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    const { http, https } = facts.registries;
    const k = (p.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as Record<string, unknown>;
    // Its own VIM name: a cluster left behind by a failed test must not block the next one.
    k.vim_name = `faults-${Math.random().toString(16).slice(2, 10)}`;
    k.private_registry_connection_info = [
      { connection_type: '0', server: http.server },
      { connection_type: '1', server: https.server, username: https.username, password: https.password, certificate_path: 'Files/registries/ca.crt', hosts_string: https.hosts_line },
    ];
    const file = join(work, 'k8s.json');
    writeFileSync(file, JSON.stringify(p, null, 2));
    return file;
  };
  /** Instantiate through the proxy with `rules` in force (cleared afterwards); returns the outcome and what the proxy saw. */
  const withFaults = async (rules: FaultRule[], args: string[]) => {
    const mark = proxy.seen.length;
    for (const r of rules) proxy.add(r);
    try {
      const r = await cli(args);
      return { ...r, seen: proxy.since(mark) };
    } finally {
      proxy.clear();
    }
  };

  /**
   * The end state every fault must reach: the last occurrence COMPLETED and none left running or
   * FAILED_TEMP; the instance INSTANTIATED with `vnfcs` VNFCs on distinct ACTIVE servers; its stack
   * complete in Heat; for a cluster, one Kubernetes node per VNFC; and doctor finding nothing about it.
   */
  const assertConsistent = async (id: string, vnfcs: number, opts: { k8s?: boolean } = {}) => {
    const ops = await opsOf(id);
    assert.equal(ops.at(-1)?.['Operation State'], 'COMPLETED', JSON.stringify(ops));
    assert.deepEqual(ops.filter((o) => !['COMPLETED', 'FAILED', 'ROLLED_BACK'].includes(o['Operation State'])), [], 'no occurrence left running or FAILED_TEMP');
    const rec = await shown(id);
    assert.equal(rec['Instantiation State'], 'INSTANTIATED');
    const info = rec['Instantiated Vnf Info']?.vnfcResourceInfo ?? [];
    assert.equal(info.length, vnfcs, 'VNFCs recorded');
    const servers = info.map((v) => v.computeResource.resourceId);
    assert.equal(new Set(servers).size, servers.length, 'each VNFC on its own server');
    for (const s of servers) assert.equal((await cloud.nova.getServer(s)).status, 'ACTIVE', `server ${s}`);
    const stack = await cloud.heat.findStack(`vnf-${id}`);
    assert.match(stack?.stack_status ?? 'none', /^(CREATE|UPDATE)_COMPLETE$/);
    if (opts.k8s) {
      const nodes = rec.metadata?.kubernetes?.nodes ?? [];
      assert.deepEqual(nodes.map((n) => n.vnfcId).sort(), info.map((v) => v.id).sort(), 'one Kubernetes node per VNFC');
      assert.equal(new Set(nodes.map((n) => n.name)).size, nodes.length, 'no duplicate node names');
    }
    const doc = await cli(['doctor', '-f', 'json']);
    const findings = doc.code === 0 ? [] : (JSON.parse(doc.stdout) as Array<Record<string, string>>);
    assert.ok(doc.code === 0 || doc.code === 1, doc.stderr);
    // About this instance only: a failure left by an earlier test is that test's failure, not this one's.
    const itsOps = new Set(ops.map((o) => o.ID));
    const mine = findings.filter((f) => f.Subject === id || f.Subject === `vnf-${id}` || itsOps.has(f.Subject ?? '') || f.Check === 'cloud');
    assert.deepEqual(mine, [], 'doctor finds the store consistent with the cloud');
  };
  /** Terminate a checked instance now (fewer stand-ins running for the next tests). */
  const finish = async (id: string) => {
    await ok(['terminate', id, '--D', '-q']);
    created.splice(created.indexOf(id), 1);
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
  };
  /** FAILED_TEMP with an error detail matching `cause`; then `op retry` completes it. */
  const assertFailedThenRetry = async (id: string, cause: RegExp): Promise<{ detail: string; retry: CliResult }> => {
    const op = await lastOp(id);
    assert.equal(op['Operation State'], 'FAILED_TEMP');
    const { detail } = await errorOf(op.ID);
    assert.match(detail, cause);
    assert.equal((await shown(id))['Instantiation State'], op.Operation === 'INSTANTIATE' ? 'NOT_INSTANTIATED' : 'INSTANTIATED');
    const retry = await ok(['op', 'retry', op.ID]);
    assert.equal((await lastOp(id))['Operation State'], 'COMPLETED');
    return { detail, retry };
  };

  before(async () => {
    facts = ensureEnv();
    proxy = await FaultProxy.start(facts.auth_url);
    const clouds = proxy.writeCloudsYaml(work, { username: 'demo', password: 'demo-secret', project: 'demo' });
    env = { OS_CLIENT_CONFIG_FILE: clouds, OS_CLOUD: 'faulty' };
    cloud = await openCloud(resolveCloudConfig({}, { env: { ...process.env, ...cloudEnv(facts) } }), { tokenCache: false });
    await ok(['package', 'add', hooklessCopy(REGISTRY_PKG, ['Definitions/sample_vnfd_df_simple.yaml'], FAST_VNFD, 'Definitions/sample_vnfd_top.yaml')]);
    await ok(['package', 'add', hooklessCopy(K8S_PKG, ['Definitions/sample_kubernetes_df_simple.yaml', 'Definitions/sample_kubernetes_df_complex.yaml'], K8S_FAST_VNFD, 'Definitions/sample_kubernetes_top.vnfd.yaml')]);
    await ok(['package', 'add', await k8sTestbedPackage(join(work, 'k8s-pkg'), facts.registries.https.ca_file ?? '')]);
  });

  after(async () => {
    proxy.clear();
    for (const id of created) {
      for (const o of await opsOf(id).catch(() => [])) if (o['Operation State'] === 'FAILED_TEMP') await cli(['op', 'fail', o.ID]);
      await cli(['terminate', id, '--D', '-q']);
    }
    await proxy.close();
  });

  // ---------------------------------------------------------------------------------------------
  // The cloud's APIs misbehaving

  test('Heat 503 twice and Nova 429 once, with Retry-After: retried with backoff, the instantiate completes', async () => {
    const id = await create(FAST_VNFD);
    const r = await withFaults(
      [
        { service: 'orchestration', method: 'GET', path: /\/stacks\/vnf-[^/?]+\/[0-9a-f-]{36}$/, action: { kind: 'status', status: 503, retryAfter: 1 }, times: 2 },
        { service: 'compute', method: 'GET', path: /\/flavors/, action: { kind: 'status', status: 429, retryAfter: 1 }, times: 1 },
      ],
      ['instantiate', id, fastParams('retried.json')],
    );
    assert.equal(r.code, 0, r.stderr);
    const polls = r.seen.filter((s) => s.service === 'orchestration' && s.method === 'GET' && /\/stacks\/vnf-[^/?]+\/[0-9a-f-]{36}$/.test(s.path));
    assert.deepEqual(polls.slice(0, 3).map((s) => s.status), [503, 503, 200], 'the stack poll is answered 503, 503, then passes');
    const flavors = r.seen.filter((s) => s.service === 'compute' && /\/flavors/.test(s.path));
    assert.equal(flavors[0]?.status, 429);
    assert.deepEqual([flavors[1]?.path, flavors[1]?.fault], [flavors[0]?.path, undefined], 'the same flavor request again, answered by Nova');
    await assertConsistent(id, 1);
    await finish(id);
  });

  test('Heat answering 500 for good while the stack is created: FAILED_TEMP naming orchestration and 500; op retry skips the finished stack', async () => {
    const id = await create(FAST_VNFD);
    const r = await withFaults(
      [{ service: 'orchestration', method: 'GET', path: /\/stacks\/vnf-[^/?]+\/[0-9a-f-]{36}$/, action: { kind: 'status', status: 500 }, times: Infinity }],
      ['instantiate', id, fastParams('heat500.json')],
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal(count(r.seen, { service: 'orchestration', status: 500 }), 4, 'the first try and 3 retries');
    const stack = await cloud.heat.findStack(`vnf-${id}`);
    assert.ok(stack, 'the stack was created before the failure');
    const { retry } = await assertFailedThenRetry(id, /^Heat \(orchestration\) answered HTTP 500 to GET \/v1\/\w+\/stacks\/vnf-/);
    assert.match(retry.stderr, /= create stack vnf-\S+ \(exists, CREATE_COMPLETE\)/);
    assert.equal((await cloud.heat.findStack(`vnf-${id}`))?.id, stack.id, 'the same stack');
    await assertConsistent(id, 1);
    await finish(id);
  });

  test('Nova answering 503 for good: FAILED_TEMP naming compute and 503 before any stack; op retry completes', async () => {
    const id = await create(FAST_VNFD);
    const r = await withFaults([{ service: 'compute', action: { kind: 'status', status: 503, retryAfter: 1 }, times: Infinity }], ['instantiate', id, fastParams('nova503.json')]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(count(r.seen, { service: 'compute', status: 503 }) >= 4);
    assert.equal(count(r.seen, { service: 'orchestration', method: 'POST' }), 0, 'no stack requested');
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
    await assertFailedThenRetry(id, /^Nova \(compute\) answered HTTP 503 to GET \/v2\.1\/flavors/);
    await assertConsistent(id, 1);
    await finish(id);
  });

  test('POST /stacks answered 503 (a POST is never retried): FAILED_TEMP naming orchestration and 503, no stack; op retry completes', async () => {
    const id = await create(FAST_VNFD);
    const r = await withFaults([{ service: 'orchestration', method: 'POST', path: /\/stacks$/, action: { kind: 'status', status: 503 } }], ['instantiate', id, fastParams('post503.json')]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(count(r.seen, { service: 'orchestration', method: 'POST' }), 1);
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
    await assertFailedThenRetry(id, /^Heat \(orchestration\) answered HTTP 503 to POST \/v1\/\w+\/stacks: /);
    await assertConsistent(id, 1);
    await finish(id);
  });

  test('the Keystone token revoked in the middle of the operation: one re-authentication, transparent', async () => {
    const id = await create(FAST_VNFD);
    const r = await withFaults(
      [{ service: 'orchestration', method: 'GET', path: /\/stacks\/vnf-[^/?]+\/[0-9a-f-]{36}$/, action: { kind: 'revoke' }, skip: 1 }],
      ['instantiate', id, fastParams('revoked.json')],
    );
    assert.equal(r.code, 0, r.stderr);
    const at = r.seen.findIndex((s) => s.fault === 'revoke');
    assert.ok(at >= 0, 'the token was revoked during the operation');
    const later = r.seen.slice(at + 1);
    assert.equal(count(later, { service: 'identity', method: 'POST', path: /\/auth\/tokens$/ }), 1, 'authenticated again, once');
    assert.equal(count(later, { status: 401 }), 0, 'the revoked token is not sent again');
    assert.ok(later.some((s) => s.token && s.token !== r.seen[at]?.token), 'a new token is used');
    await assertConsistent(id, 1);
    await finish(id);
  });

  test('a truncated body and an HTML 502 page from Heat are retried; an HTML 200 page fails the operation naming the request; op retry completes', async () => {
    const id = await create(FAST_VNFD);
    const poll = /\/stacks\/vnf-[^/?]+\/[0-9a-f-]{36}$/;
    const r = await withFaults(
      [
        { service: 'orchestration', method: 'GET', path: poll, action: { kind: 'truncate' } },
        { service: 'orchestration', method: 'GET', path: poll, action: { kind: 'html', status: 502 } },
      ],
      ['instantiate', id, fastParams('truncated.json')],
    );
    assert.equal(r.code, 0, r.stderr);
    const polls = r.seen.filter((s) => s.service === 'orchestration' && poll.test(s.path));
    assert.deepEqual(polls.slice(0, 3).map((s) => s.fault ?? s.status), ['truncate', 'html', 200]);
    await assertConsistent(id, 1);
    await finish(id);

    const id2 = await create(FAST_VNFD);
    const bad = await withFaults([{ service: 'orchestration', method: 'GET', path: poll, action: { kind: 'html' } }], ['instantiate', id2, fastParams('html.json')]);
    assert.equal(bad.code, 1, bad.stderr);
    await assertFailedThenRetry(id2, /Invalid JSON in the response of GET \S+\/stacks\/vnf-/);
    await assertConsistent(id2, 1);
    await finish(id2);
  });

  test('a stack ending CREATE_FAILED (its fixed IP taken): FAILED_TEMP with Heat\'s reason; the IP freed, op retry replaces the failed stack', async () => {
    const ip = `10.250.0.${240 + Math.floor(Math.random() * 10)}`;
    const osc = (args: string[]) =>
      execFileSync('openstack', ['--os-cloud', facts.cloud_demo, ...args], { encoding: 'utf8', env: { ...process.env, OS_CLIENT_CONFIG_FILE: facts.clouds_yaml } });
    const port = osc(['port', 'create', '--network', facts.network_id, '--fixed-ip', `subnet=${facts.subnet_id},ip-address=${ip}`, `faults-${ip}`, '-f', 'value', '-c', 'id']).trim();
    let portGone = false;
    try {
      const id = await create(FAST_VNFD);
      const r = await cli([
        'instantiate',
        id,
        fastParams('taken.json', (p) => {
          const vl = (p.extVirtualLinks as Array<{ extCps: Array<{ cpConfig: Array<{ cpProtocolData: Array<Record<string, unknown>> }> }> }>)[0];
          const pd = vl?.extCps[0]?.cpConfig[0]?.cpProtocolData[0];
          if (pd) pd.ipOverEthernet = { ipAddresses: [{ type: 'IPV4', fixedAddresses: [ip] }] };
        }),
      ]);
      assert.equal(r.code, 1, r.stderr);
      const failed = await cloud.heat.findStack(`vnf-${id}`);
      assert.equal(failed?.stack_status, 'CREATE_FAILED');
      osc(['port', 'delete', port]);
      portGone = true;
      const { detail, retry } = await assertFailedThenRetry(id, new RegExp(`CREATE_FAILED.*${ip.replaceAll('.', '\\.')}`, 's'));
      assert.ok(detail.includes(failed.stack_status_reason ?? '\u0000'), `the detail carries Heat's reason: ${failed.stack_status_reason}`);
      assert.match(retry.stderr, /is CREATE_FAILED; deleting it before creating it again/);
      const now = await cloud.heat.findStack(`vnf-${id}`);
      assert.notEqual(now?.id, failed.id, 'a new stack');
      await assertConsistent(id, 1);
      await finish(id);
    } finally {
      if (!portGone) osc(['port', 'delete', port]);
    }
  });

  // Heat retries a failing resource 5 times (action_retry_limit) before the stack fails: over a
  // minute per failed stack, so the scale-out case runs in the soak (VNFLCM_SOAK) only.
  test('a scale-out whose stack ends UPDATE_FAILED (Nova\'s instance quota full): FAILED_TEMP with Heat\'s reason; the quota raised, op retry completes', { skip: !process.env.VNFLCM_SOAK && 'slow (Heat retries): run by npm run test:soak' }, async () => {
    const admin = (args: string[]) =>
      execFileSync('openstack', ['--os-cloud', facts.cloud_admin, ...args], { encoding: 'utf8', env: { ...process.env, OS_CLIENT_CONFIG_FILE: facts.clouds_yaml } });
    const project = (JSON.parse(admin(['project', 'show', 'demo', '-f', 'json'])) as { id: string }).id;
    const quota = (JSON.parse(admin(['quota', 'show', project, '-f', 'json'])) as { instances: number }).instances;
    const id = await create(K8S_FAST_VNFD);
    // No hooks: the sample's parameters as they are (its registry is never contacted).
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_kubernetes_param_file.json'));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    writeFileSync(join(work, 'k8s-fast.json'), JSON.stringify(p));
    await ok(['instantiate', id, join(work, 'k8s-fast.json'), '-q']);
    let restored = false;
    const restore = () => {
      if (!restored) admin(['quota', 'set', '--instances', String(quota), project]);
      restored = true;
    };
    try {
      const used = (await cloud.nova.listServers()).length;
      admin(['quota', 'set', '--instances', String(used), project]);
      const r = await cli(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance']);
      assert.equal(r.code, 1, r.stderr);
      const failed = await cloud.heat.findStack(`vnf-${id}`);
      assert.equal(failed?.stack_status, 'UPDATE_FAILED');
      restore();
      const { detail } = await assertFailedThenRetry(id, /UPDATE_FAILED.*[Qq]uota/s);
      assert.ok(detail.includes((failed.stack_status_reason ?? '\u0000').split('\n')[0] as string), `the detail carries Heat's reason: ${failed.stack_status_reason}`);
      await assertConsistent(id, 4);
      await finish(id);
    } finally {
      restore();
    }
  });

  // ---------------------------------------------------------------------------------------------
  // The VMs misbehaving (a Kubernetes cluster: three nodes provisioned over SSH)

  /**
   * Instantiate a 1 master + 2 worker cluster, breaking one worker (`fault(ip)`) when `trigger`
   * matches a progress line naming it; `later(line)` sees the lines after that.
   */
  const clusterWithFault = async (trigger: RegExp, fault: (ip: string) => void, later: (line: string, node: string) => void = () => undefined) => {
    const id = await create(K8S_VNFD);
    const ips = new Map<string, string>();
    let fired = '';
    const r = await runWatching(['instantiate', id, k8sParams()], { home, env }, (line) => {
      if (fired) return later(line, fired);
      const c = /✓ (\S+): connect \(ubuntu@([\d.]+):22\)/.exec(line);
      if (c?.[1] && c[2]) ips.set(c[1], c[2]);
      const node = trigger.exec(line)?.[1];
      if (node && ips.has(node)) {
        fired = node;
        fault(ips.get(node) as string);
      }
    });
    assert.ok(fired, `the fault was injected:\n${r.stderr}`);
    return { id, r, node: fired };
  };

  test('the SSH connection dropped in the middle of a step (sshd stopped, its sessions killed): FAILED_TEMP naming the node and the connection, or recovered; op retry completes', async (t) => {
    let vm = '';
    let resumed = false;
    const listener = 'sshd: /usr/sbin/sshd .*\\[listener\\]';
    const resume = () => {
      if (resumed || !vm) return;
      resumed = true;
      envSh(['vm', 'exec', vm, 'pkill', '-CONT', '-f', listener]);
    };
    try {
      const { id, r, node } = await clusterWithFault(
        /… (worker-\w+): runtime-packages/,
        (ip) => {
          vm = vmAt(ip);
          envSh(['vm', 'exec', vm, 'pkill', '-STOP', '-f', listener]);
          envSh(['vm', 'exec', vm, 'pkill', '-KILL', '-f', 'sshd: ubuntu']);
        },
        // sshd comes back once the CLI has noticed (a failed step or a reconnect attempt on that node).
        (line, n) => {
          if (line.includes(n) && /✗|waiting for ssh|reconnect|retry/i.test(line)) resume();
        },
      );
      resume();
      if (r.code !== 0) {
        const { detail } = await assertFailedThenRetry(id, new RegExp(node.replace('worker-', '')));
        t.diagnostic(`FAILED_TEMP: ${detail}`);
        assert.match(detail, /connect|connection|closed|ssh/i);
      } else {
        t.diagnostic('recovered without op retry');
        assert.match(r.stderr, new RegExp(`${node}: (waiting for ssh|.*reconnect)`), 'recovered by connecting again');
      }
      await assertConsistent(id, 3, { k8s: true });
      await finish(id);
    } finally {
      resume();
    }
  });

  test(`a VM unreachable for ${OUTAGE_MS / 1000} s then back: the operation waits for it (or fails naming it); op retry completes`, async (t) => {
    let veth = '';
    let restored: Promise<void> = Promise.resolve();
    const { id, r, node } = await clusterWithFault(/✓ (worker-\w+): connect/, (ip) => {
      const info = envSh(['vm', 'info', vmAt(ip)]).out;
      veth = /^veth=(\S+)$/m.exec(info)?.[1] ?? '';
      execFileSync('ip', ['link', 'set', veth, 'down']);
      restored = new Promise((res) => setTimeout(() => {
        execFileSync('ip', ['link', 'set', veth, 'up']);
        res();
      }, OUTAGE_MS));
    });
    await restored;
    assert.ok(veth);
    if (r.code !== 0) {
      const { detail } = await assertFailedThenRetry(id, new RegExp(node.replace('worker-', '')));
      t.diagnostic(`FAILED_TEMP: ${detail}`);
      assert.match(detail, /stopped answering|unreachable|timed out|connection was lost/);
    } else {
      t.diagnostic(`completed by waiting for the VM:\n${r.stderr.split('\n').filter((l) => l.includes(node)).join('\n')}`);
    }
    await assertConsistent(id, 3, { k8s: true });
    await finish(id);
  });

  // ---------------------------------------------------------------------------------------------
  // SIGKILL at named steps of instantiate, scale-out and heal

  const kills: Array<{ point: string; state: string; retry: string; ok: boolean }> = [];
  after(() => {
    if (kills.length === 0) return;
    const lines = kills.map((k) => `  ${k.ok ? 'ok  ' : 'FAIL'} ${k.point.padEnd(46)} ${k.state.padEnd(12)} ${k.retry}`);
    process.stdout.write(`SIGKILL summary: ${kills.filter((k) => k.ok).length}/${kills.length} recovered by op retry\n${lines.join('\n')}\n`);
  });

  /** Run `args`, SIGKILL it when `point` is reached, check the occurrence, retry it, check the end state. */
  const killAndRetry = async (id: string, args: string[], point: KillPoint, vnfcs: number) => {
    const name = `${point.op} @ ${point.label}`;
    const entry = { point: name, state: '?', retry: '?', ok: false };
    kills.push(entry);
    let killed = false;
    const r = await runWatching(args, { home, env }, (line, child) => {
      if (!killed && point.at.test(line)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    assert.equal(r.signal, 'SIGKILL', `killed at ${name}:\n${r.stderr}`);
    const op = await lastOp(id);
    entry.state = op['Operation State'];
    assert.equal(op['Operation State'], 'FAILED_TEMP', 'the killed occurrence is found FAILED_TEMP');
    const error = await errorOf(op.ID);
    assert.match(error.detail, /^Interrupted: the vnflcm process running this operation \(pid \d+ on .+\) ended without recording an outcome, (during step '[^']+'( on node \S+)?|before the first step) \(/);
    const t0 = Date.now();
    const retry = await cli(['op', 'retry', op.ID]);
    entry.retry = `${retry.code === 0 ? 'COMPLETED' : `exit ${retry.code}`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    assert.equal(retry.code, 0, retry.stderr);
    await assertConsistent(id, vnfcs, { k8s: true });
    entry.ok = true;
  };

  /** One cluster life: instantiate, scale-out of one worker, heal of one worker, each killed once. */
  const round = async (inst: KillPoint, scale: KillPoint, heal: KillPoint) => {
    const id = await create(K8S_VNFD);
    await killAndRetry(id, ['instantiate', id, k8sParams()], inst, 3);
    await killAndRetry(id, ['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance'], scale, 4);
    const worker = (await shown(id))['Instantiated Vnf Info']?.vnfcResourceInfo.find((v) => v.vduId === 'workerNode');
    assert.ok(worker);
    await killAndRetry(id, ['heal', id, '--vnfc-instance', worker.id], heal, 4);
    await finish(id);
  };

  const byOp = (op: KillPoint['op']) => KILL_POINTS.filter((p) => p.op === op);
  const rounds = Math.max(1, Math.ceil(KILLS / 3));
  for (let i = 0; i < rounds; i++) {
    // npm test: the join points (the middle of each operation); the soak cycles through all ten.
    const pick = (op: KillPoint['op'], dflt: number): KillPoint => {
      const ps = byOp(op);
      return (KILLS <= 3 ? ps[dflt] : ps[i % ps.length]) as KillPoint;
    };
    const inst = pick('instantiate', 3);
    const scale = pick('scale-out', 2);
    const heal = pick('heal', 1);
    test(`SIGKILL round ${i + 1}/${rounds}: instantiate @ ${inst.label}, scale-out @ ${scale.label}, heal @ ${heal.label}; op retry completes each`, async () => {
      await round(inst, scale, heal);
    });
  }
});
