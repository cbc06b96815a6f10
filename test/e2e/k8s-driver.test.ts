// End-to-end tests of the built-in Kubernetes cluster driver (src/lib/mgmt/kubernetes) against
// test-bed VMs (test/env/env.sh vm ...): real sshd/SFTP, apt/systemd/containerd/docker/kubeadm/
// kubectl stubs that share one cluster state, and the environment's two REAL registries (HTTP
// 10.250.0.20:5000 without auth; HTTPS registry.vnflcm.test with a private CA and htpasswd). Every
// pull check is `env.sh verify-pull`, which pulls with skopeo using ONLY the VM's configuration.
// The hook contexts are built by hand (harness.ts): a temp Store, a temp copy of the sample
// package (plus the HTTPS registry's CA and a CNI manifest file), VnfcRefs for the VMs.
//
//   node --import tsx --test test/e2e/k8s-driver.test.ts
//
// VMs: t-k8s-0 .. t-k8s-6 on 10.250.0.60 .. 10.250.0.66 (only), all taken down in `after`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { VnfcRef } from '../../src/lib/mgmt/contract.js';
import { recordingProgress } from '../../src/lib/lcm/progress.js';
import { createKubernetesDriver } from '../../src/lib/mgmt/kubernetes/driver.js';
import { createHarnessInstance, harnessContext, vnfcFor, type HarnessOptions } from '../helpers/k8s-harness.js';
import { k8sTestbedPackage } from '../helpers/packages.js';
import { checkRegistries, RegistryCheckError } from '../../src/lib/mgmt/kubernetes/node-ops.js';
import type { VnfPackage } from '../../src/lib/package/model.js';
import { readPackage } from '../../src/lib/package/reader.js';
import { connect, MemoryHostKeyStore } from '../../src/lib/remote/index.js';
import { Store } from '../../src/lib/store/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const ENV_SH = path.join(ROOT, 'test/env/env.sh');
const FACTS_FILE = '/srv/vnflcm-testenv/env.json';
const IS_ROOT = process.getuid?.() === 0;
const IMAGE = 'testbed/hello:latest';

interface Vm {
  name: string;
  ip: string;
}
const VM = (i: number): Vm => ({ name: `t-k8s-${i}`, ip: `10.250.0.${60 + i}` });
const up = new Set<string>();

// ------------------------------------------------------------------------------------ helpers

function envSh(args: string[], timeoutMs = 180_000) {
  const r = spawnSync('bash', [ENV_SH, ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, TESTBED_QUIET: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function vmUp(vm: Vm): void {
  envSh(['vm', 'down', vm.name]);
  const r = envSh(['vm', 'up', vm.name, vm.ip]);
  assert.equal(r.code, 0, `vm up ${vm.name}: ${r.stderr}${r.stdout}`);
  up.add(vm.name);
}

function vmDown(vm: Vm): void {
  envSh(['vm', 'down', vm.name]);
  up.delete(vm.name);
}

function vmSh(vm: Vm, script: string): string {
  const r = envSh(['vm', 'exec', vm.name, '--', 'sh', '-c', script]);
  assert.equal(r.code, 0, `vm exec ${vm.name} ${script}: ${r.stderr}`);
  return r.stdout;
}

function verifyPull(vm: Vm, server: string, via: 'containerd' | 'docker' | 'any' = 'any'): { ok: boolean; out: string } {
  const r = envSh(['verify-pull', vm.name, server, IMAGE, '--via', via]);
  return { ok: r.code === 0, out: r.stdout + r.stderr };
}

interface Call {
  prog: string;
  argv: string[];
}

function calls(vm: Vm): Call[] {
  return envSh(['calls', vm.name])
    .stdout.split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Call);
}

const kubeadmInits = (vm: Vm): number => calls(vm).filter((c) => c.prog === 'kubeadm' && c.argv[1] === 'init' && c.argv[2] !== 'phase').length;
const kubeadmJoins = (vm: Vm): Call[] => calls(vm).filter((c) => c.prog === 'kubeadm' && c.argv[1] === 'join');

/** The cluster's node names according to kubectl on a master. */
function clusterNodes(master: Vm): string[] {
  return vmSh(master, 'kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o name')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^node\//, ''));
}

/** The lines of the instance's /etc/hosts block on a VM (markers excluded), and how many blocks there are. */
function hostsBlock(vm: Vm, instanceId: string): { lines: string[]; blocks: number; file: string } {
  const file = vmSh(vm, 'cat /etc/hosts');
  const all = file.split('\n');
  const begin = `# BEGIN vnflcm ${instanceId}`;
  const blocks = all.filter((l) => l === begin).length;
  const from = all.indexOf(begin);
  const to = all.indexOf(`# END vnflcm ${instanceId}`);
  return { lines: from >= 0 && to > from ? all.slice(from + 1, to) : [], blocks, file };
}

interface RegistryFacts {
  server: string;
  ip: string;
  fqdn: string;
  ca_file: string | null;
  username: string | null;
  password: string | null;
  hosts_line: string;
}
interface Facts {
  registries: { http: RegistryFacts; https: RegistryFacts };
}

let facts: Facts;
let pkg: VnfPackage;
let work: string;
let skipReason: string | false = IS_ROOT ? false : 'needs root (test-bed VMs)';

/** A temp copy of the sample package with the HTTPS registry's CA, a CNI manifest and an overrides file. */
async function packageCopy(): Promise<VnfPackage> {
  const dir = await k8sTestbedPackage(path.join(work, 'pkg'), facts.registries.https.ca_file as string);
  return readPackage(dir);
}

function request(o: { runtime?: 'containerd' | 'docker'; httpServer?: string } = {}): Record<string, unknown> {
  const { http, https } = facts.registries;
  return {
    flavourId: 'simple',
    additionalParams: {
      k8s_cluster_installation_param: {
        script_path: 'Scripts/install_k8s_cluster.sh',
        ...(o.runtime ? { container_runtime: o.runtime } : {}),
        master_node: {
          aspect_id: 'master_instance',
          ssh_cp_name: 'masterNode_CP1',
          nic_cp_name: 'masterNode_CP1',
          username: 'ubuntu',
          password: 'ubuntu',
          cluster_cp_name: 'masterNode_CP1',
        },
        worker_node: { aspect_id: 'worker_instance', ssh_cp_name: 'workerNode_CP2', nic_cp_name: 'workerNode_CP2', username: 'ubuntu', password: 'ubuntu' },
        private_registry_connection_info: [
          { connection_type: '0', server: o.httpServer ?? http.server },
          {
            connection_type: '1',
            server: https.server,
            username: https.username,
            password: https.password,
            certificate_path: 'Files/registries/ca.crt',
            hosts_string: https.hosts_line,
          },
        ],
      },
    },
  };
}

/** A cluster under test: its store, instance and the VNFCs "Heat" reports. */
class Cluster {
  readonly driver = createKubernetesDriver();
  readonly progress = recordingProgress();
  vnfcs: VnfcRef[] = [];
  readonly vms = new Map<string, Vm>(); // vnfc id -> VM
  constructor(
    readonly store: Store,
    readonly instanceId: string,
    readonly req: Record<string, unknown>,
  ) {}

  static async create(label: string, req: Record<string, unknown>): Promise<Cluster> {
    const store = await Store.open(path.join(work, `store-${label}`));
    const instanceId = `${label}-${randomUUID().slice(0, 8)}`;
    await createHarnessInstance({ store, pkg, instanceId }, label);
    return new Cluster(store, instanceId, req);
  }

  add(vm: Vm, role: 'master' | 'worker'): VnfcRef {
    const v =
      role === 'master'
        ? vnfcFor('masterNode', 'masterNode_CP1', vm.ip, new Date(Date.now() + this.vnfcs.length).toISOString())
        : vnfcFor('workerNode', 'workerNode_CP2', vm.ip, new Date(Date.now() + this.vnfcs.length).toISOString());
    this.vnfcs.push(v);
    this.vms.set(v.id, vm);
    return v;
  }

  opts(): HarnessOptions {
    return {
      store: this.store,
      pkg,
      flavourId: 'simple',
      instanceId: this.instanceId,
      request: this.req,
      vnfcs: () => this.vnfcs,
      progress: this.progress,
      logFile: path.join(work, `${this.instanceId}.log`),
      concurrency: 10,
    };
  }

  async meta(): Promise<{ nodeNames: Record<string, string>; mainMasterVnfcId: string; vimName: string }> {
    const rec = await this.store.getInstance(this.instanceId);
    return (rec?.metadata as { kubernetes: { nodeNames: Record<string, string>; mainMasterVnfcId: string; vimName: string } }).kubernetes;
  }

  async nameOf(v: VnfcRef): Promise<string> {
    return (await this.meta()).nodeNames[v.id] as string;
  }
}

async function sshTo(vm: Vm) {
  return connect({ host: vm.ip, username: 'ubuntu', password: 'ubuntu', hostKeyStore: new MemoryHostKeyStore(), hostKeyId: `${vm.name}-${randomUUID()}`, timeoutMs: 30_000 });
}

// ------------------------------------------------------------------------------------ setup

before(async () => {
  if (skipReason) return;
  const st = envSh(['status'], 120_000).stdout;
  if (!/^reg-http\s+up/m.test(st) || !/^reg-https\s+up/m.test(st) || !/^facts\s+up/m.test(st)) {
    const r = envSh(['up'], 20 * 60_000);
    if (r.code !== 0) {
      skipReason = `the test environment is not up (env.sh up failed: ${r.stderr.split('\n').slice(-3).join(' ')})`;
      return;
    }
  }
  facts = JSON.parse(await readFile(FACTS_FILE, 'utf8')) as Facts;
  work = await mkdtemp(path.join(tmpdir(), 'vnflcm-k8s-e2e-'));
  pkg = await packageCopy();
});

after(async () => {
  for (const name of [...up]) envSh(['vm', 'down', name]);
  if (work) await rm(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------ the containerd cluster

describe('containerd cluster: 1 master + 2 workers, both registries', { skip: skipReason, concurrency: false }, () => {
  let c: Cluster;
  let master: VnfcRef;
  let w1: VnfcRef;
  let w2: VnfcRef;
  const [m0, v1, v2, v3, v4] = [VM(0), VM(1), VM(2), VM(3), VM(4)];

  test('instantiate_end: init on one master, workers join, every node pulls from both registries', { timeout: 600_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    for (const vm of [m0, v1, v2]) vmUp(vm);
    c = await Cluster.create('k8s', request());
    master = c.add(m0, 'master');
    w1 = c.add(v1, 'worker');
    w2 = c.add(v2, 'worker');
    const t0 = Date.now();
    await c.driver.instantiate_end?.(await harnessContext('instantiate_end', c.opts()));
    t.diagnostic(`instantiate_end (1 master + 2 workers): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const l of c.progress.lines.filter((x) => /^[│┌├└]/.test(x))) t.diagnostic(l);

    const { http, https } = facts.registries;
    for (const vm of [m0, v1, v2]) {
      for (const server of [http.server, https.server]) {
        const p = verifyPull(vm, server, 'containerd');
        assert.ok(p.ok, `verify-pull ${vm.name} ${server}:\n${p.out}`);
      }
    }
    // kubeadm init exactly once, on the master; one join per worker
    assert.equal(kubeadmInits(m0), 1);
    assert.equal(kubeadmInits(v1) + kubeadmInits(v2), 0);
    assert.equal(kubeadmJoins(v1).length, 1);
    assert.equal(kubeadmJoins(v2).length, 1);
    assert.equal(kubeadmJoins(m0).length, 0);
    // names from the VNFC ids, also the hostnames and the Kubernetes node names
    const names = [await c.nameOf(master), await c.nameOf(w1), await c.nameOf(w2)];
    assert.deepEqual(names, [`master-${master.id.replace(/-/g, '').slice(0, 8)}`, `worker-${w1.id.replace(/-/g, '').slice(0, 8)}`, `worker-${w2.id.replace(/-/g, '').slice(0, 8)}`]);
    assert.deepEqual(clusterNodes(m0).sort(), [...names].sort());
    assert.equal(vmSh(v1, 'hostname').trim(), names[1]);
    // one hosts block per node: every node and the registry's hosts_string, once
    for (const vm of [m0, v1, v2]) {
      const hb = hostsBlock(vm, c.instanceId);
      assert.equal(hb.blocks, 1, hb.file);
      assert.deepEqual(hb.lines, [`${m0.ip} ${names[0]}`, `${v1.ip} ${names[1]}`, `${v2.ip} ${names[2]}`, https.hosts_line]);
      assert.equal(hb.file.split('\n').filter((l) => l.includes(names[0] as string)).length, 1, `no duplicate line for the master on ${vm.name}`);
      assert.equal(vmSh(vm, 'stat -c "%a %U %G" /var/lib/kubelet/config.json').trim(), '600 root root');
    }
    // the VIM: kubeconfig in the store (0600), vimConnectionInfo without secrets
    const meta = await c.meta();
    const vim = await c.store.getVim(meta.vimName);
    assert.ok(vim?.kubernetes, 'VIM registered');
    assert.equal(vim.kubernetes.server, `https://${m0.ip}:6443`);
    assert.equal((await stat(vim.kubernetes.kubeconfigFile)).mode & 0o777, 0o600);
    assert.match(await readFile(vim.kubernetes.kubeconfigFile, 'utf8'), /client-certificate-data/);
    const rec = await c.store.getInstance(c.instanceId);
    assert.deepEqual(
      rec?.vimConnectionInfo.map((v) => ({ vimId: v.vimId, vimType: v.vimType, interfaceInfo: v.interfaceInfo, accessInfo: v.accessInfo })),
      [{ vimId: vim.id, vimType: 'kubernetes', interfaceInfo: { endpoint: `https://${m0.ip}:6443` }, accessInfo: {} }],
    );
    // no secret in the operation log
    const log = await readFile(path.join(work, `${c.instanceId}.log`), 'utf8');
    assert.ok(!log.includes(https.password as string), 'registry password redacted');
    assert.ok(!log.includes(Buffer.from(`${https.username}:${https.password}`).toString('base64')), 'registry auth redacted');
    assert.doesNotMatch(log, /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, 'kubeadm bootstrap tokens redacted');
    assert.match(log, /Using token: \*{8}/, 'the token kubeadm printed is in the log, redacted');
    // the summary table
    assert.ok(c.progress.lines.some((l) => l.includes('registries configured')), 'summary table printed');
  });

  test('the registry check fails, naming node and registry, when one piece is missing on a node', { timeout: 300_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const { http, https } = facts.registries;
    const name = await c.nameOf(w2);
    const spec = {
      node: name,
      runtime: 'containerd',
      registries: [
        { server: http.server, secure: false, auth: false, ca: false },
        { server: https.server, secure: true, auth: true, ca: true },
      ],
    };
    const host = await sshTo(v2);
    try {
      assert.equal((await checkRegistries(host, spec)).filter((l) => l.ok).length, 2, 'all good before');
      const pieces: { what: string; server: string; breakIt: string; restore: string; expect: RegExp }[] = [
        {
          what: 'CA',
          server: https.server,
          breakIt: `mv /etc/containerd/certs.d/${https.server}/ca.crt /root/ca.bak`,
          restore: `mv /root/ca.bak /etc/containerd/certs.d/${https.server}/ca.crt`,
          expect: /CA file .* does not exist/,
        },
        {
          what: 'credentials',
          server: https.server,
          breakIt: 'cp -p /var/lib/kubelet/config.json /root/cj.bak && echo \'{"auths": {}}\' > /var/lib/kubelet/config.json',
          restore: 'mv /root/cj.bak /var/lib/kubelet/config.json',
          expect: /no credentials for registry\.vnflcm\.test/,
        },
        {
          what: 'hosts line',
          server: https.server,
          breakIt: `cp -p /etc/hosts /root/hosts.bak && grep -v '${https.fqdn}' /root/hosts.bak > /etc/hosts`,
          restore: 'cat /root/hosts.bak > /etc/hosts',
          expect: /cannot resolve registry\.vnflcm\.test/,
        },
        {
          what: 'http entry',
          server: http.server,
          breakIt: `mv /etc/containerd/certs.d/${http.server}/hosts.toml /root/ht.bak`,
          restore: `mv /root/ht.bak /etc/containerd/certs.d/${http.server}/hosts.toml`,
          expect: /HTTP registry, but containerd would use https:\/\//,
        },
      ];
      for (const p of pieces) {
        vmSh(v2, p.breakIt);
        try {
          await assert.rejects(
            () => checkRegistries(host, spec),
            (err: unknown) => {
              assert.ok(err instanceof RegistryCheckError, String(err));
              assert.equal(err.node, name);
              assert.deepEqual(
                err.failures.map((f) => f.server),
                [p.server],
                `${p.what}: only ${p.server} fails`,
              );
              assert.match(err.message, new RegExp(name));
              assert.match(err.message, p.expect);
              return true;
            },
            `check without the ${p.what}`,
          );
          // the real pull agrees
          assert.ok(!verifyPull(v2, p.server, 'containerd').ok, `verify-pull ${p.server} fails without the ${p.what}`);
        } finally {
          vmSh(v2, p.restore);
        }
        assert.equal((await checkRegistries(host, spec)).filter((l) => l.ok).length, 2, `good again after restoring the ${p.what}`);
      }
    } finally {
      await host.close();
    }
  });

  test('instantiate_end again repairs a node and keeps names, main master and the single hosts block', { timeout: 300_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const before = await c.meta();
    const restarts = (vm: Vm): number => calls(vm).filter((x) => x.prog === 'systemctl' && x.argv.includes('restart') && x.argv.includes('containerd')).length;
    const restartsBefore = [m0, v1, v2].map(restarts);
    vmSh(v1, `rm -f /etc/containerd/certs.d/${facts.registries.https.server}/ca.crt`);
    const lines0 = c.progress.lines.length;
    await c.driver.instantiate_end?.(await harnessContext('instantiate_end', c.opts()));
    for (const l of c.progress.lines.slice(lines0).filter((x) => /^[│┌├└]/.test(x))) t.diagnostic(l);
    assert.deepEqual([m0, v1, v2].map(restarts), restartsBefore, 'containerd is not restarted when its configuration did not change');
    const afterMeta = await c.meta();
    assert.deepEqual(afterMeta.nodeNames, before.nodeNames);
    assert.equal(afterMeta.mainMasterVnfcId, master.id);
    assert.equal(kubeadmInits(m0), 1, 'no second kubeadm init');
    assert.equal(kubeadmJoins(v1).length, 1, 'no second join');
    assert.ok(verifyPull(v1, facts.registries.https.server, 'containerd').ok, 'CA restored');
    for (const vm of [m0, v1, v2]) assert.equal(hostsBlock(vm, c.instanceId).blocks, 1);
  });

  test('instantiate_end on the converged cluster: every registry and runtime step is skipped, no runtime restarts', { timeout: 300_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const restarts = (vm: Vm): number => calls(vm).filter((x) => x.prog === 'systemctl' && x.argv.includes('restart') && (x.argv.includes('containerd') || x.argv.includes('docker'))).length;
    const before = [m0, v1, v2].map(restarts);
    const lines0 = c.progress.lines.length;
    await c.driver.instantiate_end?.(await harnessContext('instantiate_end', c.opts()));
    const lines = c.progress.lines.slice(lines0);
    const registryStep = /^(containerd-config|registry-hosts\/|registry-ca\/|kubelet-credentials|docker-daemon|runtime-restart|docker-login\/|registry-check\/|hosts-block)/;
    const finished = lines.map((l) => /^(done|skipped|failed) ([a-z0-9-]+): (\S+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null && registryStep.test(m[3] as string));
    const names = [await c.nameOf(master), await c.nameOf(w1), await c.nameOf(w2)];
    for (const name of names) {
      const mine = finished.filter((m) => m[2] === name);
      // hosts block, containerd config, 2 hosts.toml, 1 CA, kubelet credentials, restart handler, 2 checks
      assert.equal(mine.length, 9, `${name}: ${mine.map((m) => m[0]).join('; ')}`);
      assert.deepEqual(mine.filter((m) => m[1] !== 'skipped').map((m) => m[0]), [], `${name}: every registry step skipped`);
    }
    assert.deepEqual([m0, v1, v2].map(restarts), before, 'no runtime restarted');
    assert.equal(kubeadmInits(m0), 1);
  });

  test('scale_end SCALE_OUT: two new workers join in parallel, everybody gets their hosts lines', { timeout: 600_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    vmUp(v3);
    vmUp(v4);
    const a3 = c.add(v3, 'worker');
    const a4 = c.add(v4, 'worker');
    await c.driver.scale_end?.(
      await harnessContext('scale_end', c.opts(), { scale: { type: 'SCALE_OUT', aspectId: 'worker_instance', steps: 2, removed: [], added: [a3, a4] } }),
    );
    const n3 = await c.nameOf(a3);
    const n4 = await c.nameOf(a4);
    assert.ok(clusterNodes(m0).includes(n3) && clusterNodes(m0).includes(n4));
    for (const vm of [v3, v4]) {
      assert.equal(kubeadmJoins(vm).length, 1);
      for (const server of [facts.registries.http.server, facts.registries.https.server]) {
        assert.ok(verifyPull(vm, server, 'containerd').ok, `verify-pull ${vm.name} ${server}`);
      }
    }
    for (const vm of [m0, v1, v2, v3, v4]) {
      const hb = hostsBlock(vm, c.instanceId);
      assert.equal(hb.blocks, 1);
      assert.ok(hb.lines.includes(`${v3.ip} ${n3}`) && hb.lines.includes(`${v4.ip} ${n4}`), `${vm.name} knows the new workers`);
    }
  });

  test('scale_start SCALE_IN: the worker is drained and deleted, its hosts line is gone everywhere', { timeout: 300_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const name = await c.nameOf(w1);
    await c.driver.scale_start?.(
      await harnessContext('scale_start', c.opts(), { scale: { type: 'SCALE_IN', aspectId: 'worker_instance', steps: 1, removed: [w1], added: [] } }),
    );
    const drains = calls(m0).filter((x) => x.prog === 'kubectl' && x.argv.includes('drain') && x.argv.includes(name));
    assert.equal(drains.length, 1);
    for (const flag of ['--ignore-daemonsets', '--delete-emptydir-data']) assert.ok(drains[0]?.argv.includes(flag), flag);
    assert.ok(drains[0]?.argv.some((a) => a.startsWith('--timeout=')));
    assert.ok(!clusterNodes(m0).includes(name), 'node deleted');
    // "Heat" removes the VM
    c.vnfcs = c.vnfcs.filter((v) => v.id !== w1.id);
    vmDown(v1);
    for (const vm of [m0, v2, v3, v4]) {
      const hb = hostsBlock(vm, c.instanceId);
      assert.equal(hb.blocks, 1);
      assert.ok(!hb.file.includes(name), `${vm.name}: no line for ${name}`);
      assert.ok(!hb.file.split('\n').some((l) => l.startsWith(`${v1.ip} `)), `${vm.name}: no line for ${v1.ip}`);
      assert.equal(hb.lines.length, 4 + 1, `${vm.name}: 4 nodes + the registry line`);
    }
  });

  test('heal of one worker: taken out, re-created at the same IP with a new server, joins again and pulls', { timeout: 600_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const name = await c.nameOf(w2);
    await c.driver.heal_start?.(await harnessContext('heal_start', c.opts(), { heal: { entire: false, vnfcIds: [w2.id] } }));
    assert.ok(!clusterNodes(m0).includes(name), 'healed node left the cluster');
    // Heat replaces the server: same VNFC id and port (IP), new server id, new VM (new host key)
    vmDown(v2);
    vmUp(v2);
    const healed: VnfcRef = { ...w2, serverId: randomUUID() };
    c.vnfcs = c.vnfcs.map((v) => (v.id === w2.id ? healed : v));
    await c.driver.heal_end?.(await harnessContext('heal_end', c.opts(), { heal: { entire: false, vnfcIds: [w2.id] } }));
    assert.ok(clusterNodes(m0).includes(name), 'same name again');
    assert.equal(kubeadmJoins(v2).length, 1);
    assert.equal(vmSh(v2, 'hostname').trim(), name);
    for (const server of [facts.registries.http.server, facts.registries.https.server]) {
      assert.ok(verifyPull(v2, server, 'containerd').ok, `verify-pull ${server} on the healed node`);
    }
    assert.equal(hostsBlock(v2, c.instanceId).lines.length, 5);
  });

  test('heal of the only master is refused (heal the entire VNF instead)', { timeout: 120_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    await assert.rejects(
      async () => c.driver.heal_start?.(await harnessContext('heal_start', c.opts(), { heal: { entire: false, vnfcIds: [master.id] } })),
      /only master node.*Heal the entire VNF/s,
    );
    assert.ok(clusterNodes(m0).length >= 4, 'nothing was removed');
  });

  test('terminate_end deregisters the VIM', { timeout: 60_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const meta = await c.meta();
    const vim = await c.store.getVim(meta.vimName);
    assert.ok(vim);
    await c.driver.terminate_end?.(await harnessContext('terminate_end', c.opts()));
    assert.equal(await c.store.getVim(meta.vimName), undefined);
    await assert.rejects(stat(vim.kubernetes?.kubeconfigFile as string));
    assert.deepEqual((await c.store.getInstance(c.instanceId))?.vimConnectionInfo, []);
  });
});

// ------------------------------------------------------------------------------------ the docker cluster

describe('docker runtime, registry given as vnf:<instance id>', { skip: skipReason, concurrency: false }, () => {
  const [m5, w6] = [VM(5), VM(6)];
  let c: Cluster | undefined;

  test('instantiate_end: docker and containerd views both pull from both registries', { timeout: 600_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    vmUp(m5);
    vmUp(w6);
    const probe = await Cluster.create('dock', request());
    // a registry VNF instance as the registry driver leaves it
    const regId = randomUUID();
    await createHarnessInstance({ store: probe.store, pkg, instanceId: regId }, 'registry');
    await probe.store.updateInstance(regId, (r) => ({ ...r, metadata: { private_registry: { endpoint: facts.registries.http.server } } }));
    c = new Cluster(probe.store, probe.instanceId, request({ runtime: 'docker', httpServer: `vnf:${regId}` }));
    c.add(m5, 'master');
    c.add(w6, 'worker');
    await c.driver.instantiate_end?.(await harnessContext('instantiate_end', c.opts()));
    for (const vm of [m5, w6]) {
      for (const server of [facts.registries.http.server, facts.registries.https.server]) {
        const d = verifyPull(vm, server, 'docker');
        assert.ok(d.ok, `verify-pull --via docker ${vm.name} ${server}:\n${d.out}`);
        const k = verifyPull(vm, server, 'containerd');
        assert.ok(k.ok, `verify-pull --via containerd ${vm.name} ${server}:\n${k.out}`);
      }
      const daemon = JSON.parse(vmSh(vm, 'cat /etc/docker/daemon.json')) as Record<string, unknown>;
      assert.deepEqual(daemon['insecure-registries'], [facts.registries.http.server], 'vnf: resolved to the endpoint');
      assert.ok(calls(vm).some((x) => x.prog === 'docker' && x.argv.includes('login') && x.argv.includes('--password-stdin')), 'docker login --password-stdin');
      assert.ok(!calls(vm).some((x) => x.prog === 'docker' && x.argv.some((a) => a.includes(facts.registries.https.password as string))), 'no password in argv');
    }
  });

  test('heal of the entire VNF: the VIM goes at heal_start; new VMs get a new cluster and the VIM again', { timeout: 600_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const cl = c;
    const vimName = (await cl.meta()).vimName;
    const oldVim = await cl.store.getVim(vimName);
    assert.ok(oldVim);
    await cl.driver.heal_start?.(await harnessContext('heal_start', cl.opts(), { heal: { entire: true, vnfcIds: [] } }));
    assert.equal(await cl.store.getVim(vimName), undefined, 'VIM deregistered before Heat rebuilds the stack');
    assert.deepEqual((await cl.store.getInstance(cl.instanceId))?.vimConnectionInfo, []);
    // Heat deletes and re-creates everything: new VMs, new VNFC ids
    for (const vm of [m5, w6]) {
      vmDown(vm);
      vmUp(vm);
    }
    const oldIds = cl.vnfcs.map((v) => v.id);
    cl.vnfcs = [];
    cl.add(m5, 'master');
    cl.add(w6, 'worker');
    await cl.driver.heal_end?.(await harnessContext('heal_end', cl.opts(), { heal: { entire: true, vnfcIds: [] } }));
    const meta = await cl.meta();
    assert.deepEqual(Object.keys(meta.nodeNames).sort(), cl.vnfcs.map((v) => v.id).sort(), 'only the new VNFCs are named');
    assert.ok(!oldIds.includes(meta.mainMasterVnfcId));
    assert.equal(kubeadmInits(m5), 1);
    assert.equal(kubeadmJoins(w6).length, 1);
    const vim = await cl.store.getVim(vimName);
    assert.ok(vim && vim.id !== oldVim.id, 'a new VIM');
    for (const server of [facts.registries.http.server, facts.registries.https.server]) assert.ok(verifyPull(w6, server, 'docker').ok, `docker pull ${server} after heal`);
  });
});

// ------------------------------------------------------------------------------------ HA control plane

describe('HA control plane: 3 masters behind a VIP + 1 worker (complex flavour)', { skip: skipReason, concurrency: false }, () => {
  const masters = [VM(7), VM(8), VM(9)];
  const worker = VM(10);
  const VIP = '10.250.0.71'; // the vip_CP port's address: no VM holds it in the test bed
  let c: Cluster;
  let mv: VnfcRef[] = [];

  /** haproxy backend lines of a master. */
  const backends = (vm: Vm): string[] =>
    vmSh(vm, 'cat /etc/haproxy/haproxy.cfg')
      .split('\n')
      .filter((l) => /^\s*server\s/.test(l))
      .map((l) => l.trim().split(/\s+/)[2] as string)
      .sort();

  function haOpts(): HarnessOptions {
    return { ...c.opts(), flavourId: 'complex', stackPorts: () => ({ vip_CP: { ip: VIP, portId: 'vip-port' } }) };
  }

  test('instantiate_end: init with the VIP endpoint, masters join the control plane, haproxy on every master', { timeout: 900_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    for (const vm of [...masters, worker]) vmUp(vm);
    const req = request();
    const k8s = (req.additionalParams as Record<string, Record<string, Record<string, unknown>>>).k8s_cluster_installation_param as Record<string, Record<string, unknown>>;
    (k8s.master_node as Record<string, unknown>).cluster_cp_name = 'vip_CP';
    c = await Cluster.create('ha', { ...req, flavourId: 'complex' });
    mv = masters.map((vm) => c.add(vm, 'master'));
    c.add(worker, 'worker');
    await c.driver.instantiate_end?.(await harnessContext('instantiate_end', haOpts()));

    const init = calls(masters[0] as Vm).filter((x) => x.prog === 'kubeadm' && x.argv[1] === 'init' && x.argv[2] !== 'phase');
    assert.equal(init.length, 1);
    assert.ok(init[0]?.argv.includes(`${VIP}:16443`), 'control-plane endpoint = VIP:16443');
    for (const vm of masters.slice(1)) {
      const j = kubeadmJoins(vm);
      assert.equal(j.length, 1);
      assert.ok(j[0]?.argv.includes('--control-plane') && j[0]?.argv.includes('--certificate-key'), `${vm.name} joins the control plane`);
      assert.equal(kubeadmInits(vm), 0);
    }
    assert.equal(kubeadmJoins(worker)[0]?.argv[2], `${VIP}:16443`, 'the worker joins through the VIP');
    for (const vm of masters) {
      assert.deepEqual(backends(vm), masters.map((m) => `${m.ip}:6443`).sort(), `haproxy backends on ${vm.name}`);
      assert.match(vmSh(vm, 'cat /etc/keepalived/keepalived.conf'), new RegExp(`${VIP.replace(/\./g, '\\.')}/32`));
    }
    assert.ok(verifyPull(worker, facts.registries.https.server, 'containerd').ok);
    const vim = await c.store.getVim((await c.meta()).vimName);
    assert.equal(vim?.kubernetes?.server, `https://${VIP}:16443`);
  });

  test('healing every master at once is refused', { timeout: 120_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    await assert.rejects(
      async () => c.driver.heal_start?.(await harnessContext('heal_start', haOpts(), { heal: { entire: false, vnfcIds: mv.map((v) => v.id) } })),
      /Every master node .* would be removed at once/,
    );
  });

  test('heal of a master: etcd member removal, node deleted, haproxy of the others without it; then it joins the control plane again', { timeout: 900_000 }, async (t) => {
    if (skipReason || !c) return t.skip(skipReason || 'no cluster');
    const target = mv[1] as VnfcRef;
    const vm = masters[1] as Vm;
    const name = await c.nameOf(target);
    await c.driver.heal_start?.(await harnessContext('heal_start', haOpts(), { heal: { entire: false, vnfcIds: [target.id] } }));
    const main = masters[0] as Vm;
    assert.ok(
      calls(main).some((x) => x.prog === 'kubectl' && x.argv.includes('exec') && x.argv.includes('member') && x.argv.includes('list')),
      'etcdctl member list through kubectl exec on the main master',
    );
    assert.ok(!clusterNodes(main).includes(name), 'node deleted');
    for (const other of [masters[0], masters[2]] as Vm[]) assert.deepEqual(backends(other), [masters[0], masters[2]].map((m) => `${m?.ip}:6443`).sort());

    vmDown(vm);
    vmUp(vm);
    const healed: VnfcRef = { ...target, serverId: randomUUID() };
    c.vnfcs = c.vnfcs.map((v) => (v.id === target.id ? healed : v));
    await c.driver.heal_end?.(await harnessContext('heal_end', haOpts(), { heal: { entire: false, vnfcIds: [target.id] } }));
    const j = kubeadmJoins(vm);
    assert.equal(j.length, 1);
    assert.ok(j[0]?.argv.includes('--control-plane'));
    assert.ok(clusterNodes(main).includes(name));
    for (const m of masters) assert.deepEqual(backends(m), masters.map((x) => `${x.ip}:6443`).sort(), `haproxy backends on ${m.name}`);
    assert.ok(verifyPull(vm, facts.registries.http.server, 'containerd').ok);
  });
});
