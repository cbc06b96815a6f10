// End-to-end test of `vnflcm registry check` on the test environment: a Kubernetes cluster (1
// master + 1 worker) installed by the driver on VM stand-ins through the hook harness (as in
// k8s-driver.test.ts), pulling from the environment's two real registries (HTTP 10.250.0.20:5000;
// HTTPS registry.vnflcm.test with a private CA and htpasswd). The built CLI checks it: a correct
// cluster passes; then ONE thing is broken on ONE node at a time — a wrong CA file, a wrong
// password, a removed hosts line, an HTTP registry switched to HTTPS — and the failing row must
// name that node, that registry and that check, with every other node still passing.
//
//   flock /tmp/vnflcm-e2e.lock node --import tsx --test --test-concurrency=1 test/e2e/registry-check.test.ts
//
// VMs: t-rc-0, t-rc-1 on 10.250.0.76, 10.250.0.77, taken down in `after`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { VnfcRef } from '../../src/lib/mgmt/contract.js';
import { addPackage, loadPackage } from '../../src/lib/lcm/packages.js';
import { recordingProgress } from '../../src/lib/lcm/progress.js';
import { createKubernetesDriver } from '../../src/lib/mgmt/kubernetes/driver.js';
import type { VnfPackage } from '../../src/lib/package/model.js';
import { Store } from '../../src/lib/store/index.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { k8sTestbedPackage } from '../helpers/packages.js';
import { createHarnessInstance, harnessContext, vnfcFor, type HarnessOptions } from '../helpers/k8s-harness.js';
import { instantiateVnfRequestSchema } from '../../src/lib/params/schema.js';

const ENV_SH = path.join(ROOT, 'test/env/env.sh');
const FACTS_FILE = '/srv/vnflcm-testenv/env.json';
const IS_ROOT = process.getuid?.() === 0;
const IMAGE = 'testbed/hello:latest';

interface Vm {
  name: string;
  ip: string;
}
const MASTER: Vm = { name: 't-rc-0', ip: '10.250.0.76' };
const WORKER: Vm = { name: 't-rc-1', ip: '10.250.0.77' };
const up = new Set<string>();

interface RegistryFacts {
  server: string;
  fqdn: string;
  ca_file: string | null;
  username: string | null;
  password: string | null;
  hosts_line: string;
}
interface Facts {
  registries: { http: RegistryFacts; https: RegistryFacts };
}

interface Row {
  Node: string;
  Registry: string;
  Via: string;
  Check: string;
  Result: string;
  Detail: string;
  Hint: string;
}

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

function vmSh(vm: Vm, script: string): string {
  const r = envSh(['vm', 'exec', vm.name, '--', 'sh', '-c', script]);
  assert.equal(r.code, 0, `vm exec ${vm.name} ${script}: ${r.stderr}`);
  return r.stdout;
}

let facts: Facts;
let work: string;
let home: string;
let store: Store;
let pkg: VnfPackage;
let instanceId: string;
let paramFile: string;
const names = new Map<Vm, string>();
let skipReason: string | false = IS_ROOT ? false : 'needs root (test-bed VMs)';

/** The sample package with the HTTPS registry's CA and a CNI manifest (the test bed has no Internet), onboarded. */
async function onboardPackage(): Promise<VnfPackage> {
  const dir = await k8sTestbedPackage(path.join(work, 'pkg'), facts.registries.https.ca_file as string);
  const added = await addPackage(store, dir);
  return (await loadPackage(store, added.record.vnfdId)).model;
}

function request(): Record<string, unknown> {
  const { http, https } = facts.registries;
  const sample = JSON.parse(readFileSync(path.join(ROOT, 'samples/private_registry_kubernetes_param_file.json'), 'utf8')) as Record<string, unknown>;
  return {
    ...sample,
    flavourId: 'simple',
    additionalParams: {
      k8s_cluster_installation_param: {
        script_path: 'Scripts/install_k8s_cluster.sh',
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
          { connection_type: '0', server: http.server },
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

/** instantiatedVnfInfo and the stored request as a real instantiate leaves them (the part registry check reads). */
function vnfInfo(vnfcs: VnfcRef[]): Record<string, unknown> {
  return {
    flavourId: 'simple',
    vnfState: 'STARTED',
    vnfcResourceInfo: vnfcs.map((v) => ({
      id: v.id,
      vduId: v.vduId,
      computeResource: { vimConnectionId: null, resourceId: v.serverId, vimLevelResourceType: 'OS::Nova::Server' },
      storageResourceIds: [],
      vnfcCpInfo: Object.entries(v.addresses).map(([cpdId, a]) => ({
        id: randomUUID(),
        cpdId,
        cpProtocolInfo: [{ layerProtocol: 'IP_OVER_ETHERNET', ipOverEthernet: { macAddress: 'fa:16:3e:00:00:01', ipAddresses: [{ type: 'IPV4', addresses: [a.ip], isDynamic: true }] } }],
      })),
    })),
  };
}

async function check(target: string, extra: string[] = []): Promise<{ code: number; rows: Row[]; stderr: string }> {
  const r = await runCli(['registry', 'check', target, '--image', IMAGE, '-f', 'json', ...extra], { home, timeoutMs: 240_000 });
  let rows: Row[] = [];
  try {
    rows = JSON.parse(r.stdout) as Row[];
  } catch {
    assert.fail(`registry check printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, rows, stderr: r.stderr };
}

const failed = (rows: Row[]): string[] => rows.filter((r) => r.Result === 'FAIL').map((r) => `${r.Node} ${r.Registry} ${r.Via} ${r.Check}`);

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
  work = await mkdtemp(path.join(tmpdir(), 'vnflcm-regcheck-e2e-'));
  home = path.join(work, 'home');
  store = await Store.open(home);
  pkg = await onboardPackage();
});

after(async () => {
  for (const name of [...up]) envSh(['vm', 'down', name]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('vnflcm registry check on a Kubernetes VNF', { skip: skipReason, concurrency: false }, () => {
  test('a correct cluster passes every check on every node; the param file passes from this machine', { timeout: 900_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    vmUp(MASTER);
    vmUp(WORKER);
    instanceId = randomUUID();
    await createHarnessInstance({ store, pkg, instanceId }, 'regcheck');
    const t0 = Date.now();
    const vnfcs = [
      vnfcFor('masterNode', 'masterNode_CP1', MASTER.ip, new Date(t0).toISOString()),
      vnfcFor('workerNode', 'workerNode_CP2', WORKER.ip, new Date(t0 + 1).toISOString()),
    ];
    const req = request();
    const opts: HarnessOptions = { store, pkg, flavourId: 'simple', instanceId, request: req, vnfcs: () => vnfcs, progress: recordingProgress(), logFile: path.join(work, 'install.log') };
    await createKubernetesDriver().instantiate_end?.(await harnessContext('instantiate_end', opts));
    t.diagnostic(`cluster installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await store.updateInstance(instanceId, (r) => ({ ...r, instantiatedVnfInfo: vnfInfo(vnfcs), internal: { ...(r.internal ?? {}), request: instantiateVnfRequestSchema.parse(req) } }));
    const meta = (await store.getInstance(instanceId))?.metadata as { kubernetes: { nodeNames: Record<string, string> } };
    names.set(MASTER, meta.kubernetes.nodeNames[vnfcs[0]?.id as string] as string);
    names.set(WORKER, meta.kubernetes.nodeNames[vnfcs[1]?.id as string] as string);

    const r = await check(instanceId);
    assert.equal(r.code, 0, `${r.stderr}\n${failed(r.rows).join('\n')}`);
    const { http, https } = facts.registries;
    for (const vm of [MASTER, WORKER]) {
      for (const server of [http.server, https.server]) {
        const rows = r.rows.filter((x) => x.Node === names.get(vm) && x.Registry === server);
        assert.deepEqual(
          rows.map((x) => `${x.Via}:${x.Check}=${x.Result}`),
          ['config', 'dns', 'tcp', 'scheme', 'tls', 'login', 'manifest'].map((c) => `containerd:${c}=${c === 'tls' && server === http.server ? 'skip' : 'ok'}`),
          `${vm.name} ${server}`,
        );
      }
    }
    const manifest = r.rows.find((x) => x.Node === names.get(WORKER) && x.Registry === https.server && x.Check === 'manifest');
    assert.match(manifest?.Detail ?? '', /testbed\/hello:latest is sha256:[0-9a-f]{64}/);
    assert.match(r.rows.find((x) => x.Registry === https.server && x.Check === 'login')?.Detail ?? '', /logged in as alice/);
    assert.ok(!JSON.stringify(r.rows).includes(https.password as string), 'no password in the output');

    // before instantiate: the same param file, checked from this machine
    paramFile = path.join(work, 'params.json');
    await writeFile(paramFile, JSON.stringify(req));
    const local = await check(paramFile, ['--vnfd-id', pkg.vnf.descriptorId]);
    assert.equal(local.code, 0, `${local.stderr}\n${failed(local.rows).join('\n')}`);
    assert.ok(local.rows.every((x) => x.Node === 'operator'));
    assert.equal(local.rows.filter((x) => x.Result === 'ok').length, 13, '7 checks × 2 registries, tls skipped for HTTP');
    assert.match(local.rows.find((x) => x.Registry === https.server && x.Check === 'dns')?.Detail ?? '', /registry\.vnflcm\.test -> 10\.250\.0\.21 \(hosts_string\)/);
  });

  interface Breakage {
    what: string;
    vm: () => Vm;
    server: () => string;
    check: string;
    breakIt: () => string;
    restore: string;
    detail: RegExp;
    hint?: RegExp;
  }
  const https = () => facts.registries.https;
  const http = () => facts.registries.http;
  const breakages: Breakage[] = [
    {
      what: 'a wrong CA file',
      vm: () => WORKER,
      server: () => https().server,
      check: 'tls',
      breakIt: () => {
        const other = path.join(work, 'other');
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${other}.key`, '-out', `${other}.crt`, '-days', '2', '-subj', '/CN=not the registry CA'], { stdio: 'pipe' });
        const pem = readFileSync(`${other}.crt`, 'utf8');
        return `cp -p /etc/containerd/certs.d/${https().server}/ca.crt /root/ca.bak && printf '%s' '${pem}' > /etc/containerd/certs.d/${https().server}/ca.crt`;
      },
      restore: `mv /root/ca.bak /etc/containerd/certs.d/registry.vnflcm.test/ca.crt`,
      detail: /certificate of registry\.vnflcm\.test is not trusted with CA \/etc\/containerd\/certs\.d\/registry\.vnflcm\.test\/ca\.crt/,
      hint: /not the package's certificate_path/,
    },
    {
      what: 'a wrong password',
      vm: () => WORKER,
      server: () => https().server,
      check: 'login',
      breakIt: () => {
        const auths = { auths: { [https().server]: { auth: Buffer.from(`${https().username}:wrong-password`).toString('base64') } } };
        return `cp -p /var/lib/kubelet/config.json /root/cj.bak && printf '%s' '${JSON.stringify(auths)}' > /var/lib/kubelet/config.json`;
      },
      restore: 'mv /root/cj.bak /var/lib/kubelet/config.json',
      detail: /the registry rejected the credentials of alice \(HTTP 401\)/,
    },
    {
      what: 'a missing hosts line',
      vm: () => MASTER,
      server: () => https().server,
      check: 'dns',
      breakIt: () => `cp -p /etc/hosts /root/hosts.bak && grep -v '${https().fqdn}' /root/hosts.bak > /etc/hosts`,
      restore: 'cat /root/hosts.bak > /etc/hosts',
      detail: /cannot resolve registry\.vnflcm\.test on this node/,
      hint: /add "10\.250\.0\.21 registry\.vnflcm\.test" to \/etc\/hosts/,
    },
    {
      what: 'an HTTP registry configured as HTTPS',
      vm: () => WORKER,
      server: () => http().server,
      check: 'scheme',
      breakIt: () => `cp -p /etc/containerd/certs.d/${http().server}/hosts.toml /root/ht.bak && sed -i 's#http://#https://#g' /etc/containerd/certs.d/${http().server}/hosts.toml`,
      restore: `mv /root/ht.bak /etc/containerd/certs.d/10.250.0.20:5000/hosts.toml`,
      detail: /containerd pulls via https:\/\/, but 10\.250\.0\.20 port 5000 speaks plain HTTP/,
      hint: /use connection_type "0"/,
    },
  ];

  for (const b of breakages) {
    test(`${b.what} is reported on that node by the ${b.check} check`, { timeout: 300_000 }, async (t) => {
      if (skipReason || !instanceId) return t.skip(skipReason || 'no cluster');
      const vm = b.vm();
      const node = names.get(vm) as string;
      vmSh(vm, b.breakIt());
      let r: Awaited<ReturnType<typeof check>>;
      try {
        r = await check(instanceId);
      } finally {
        vmSh(vm, b.restore);
      }
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(failed(r.rows), [`${node} ${b.server()} containerd ${b.check}`], `only ${b.check} of ${b.server()} on ${node} fails`);
      const row = r.rows.find((x) => x.Result === 'FAIL') as Row;
      t.diagnostic(`${row.Node} ${row.Registry} ${row.Check} FAIL: ${row.Detail} | hint: ${row.Hint}`);
      assert.match(row.Detail, b.detail);
      if (b.hint) assert.match(row.Hint, b.hint);
      // the checks after it are skipped, the ones before passed
      const chain = r.rows.filter((x) => x.Node === node && x.Registry === b.server());
      const at = chain.findIndex((x) => x.Check === b.check);
      assert.ok(chain.slice(0, at).every((x) => x.Result !== 'FAIL'));
      assert.ok(chain.slice(at + 1).every((x) => x.Result === 'skip'), chain.map((x) => `${x.Check}=${x.Result}`).join(' '));
      assert.match(r.stderr, new RegExp(`Registry check: 1 check failed on ${node}:`));
      // restored: the whole cluster passes again
      const again = await check(instanceId);
      assert.equal(again.code, 0, failed(again.rows).join('\n'));
    });
  }

  test('from this machine, the HTTPS registry given as HTTP on its port fails the scheme check', { timeout: 120_000 }, async (t) => {
    if (skipReason || !paramFile) return t.skip(skipReason || 'no param file');
    const req = JSON.parse(await readFile(paramFile, 'utf8')) as { additionalParams: { k8s_cluster_installation_param: { private_registry_connection_info: Record<string, unknown>[] } } };
    req.additionalParams.k8s_cluster_installation_param.private_registry_connection_info = [
      { connection_type: '0', server: `${https().server}:443`, username: https().username, password: https().password, hosts_string: https().hosts_line },
    ];
    const f = path.join(work, 'mixed.json');
    await writeFile(f, JSON.stringify(req));
    const r = await check(f);
    assert.equal(r.code, 1);
    assert.deepEqual(failed(r.rows), [`operator ${https().server}:443 direct scheme`]);
    assert.match(r.rows.find((x) => x.Check === 'scheme')?.Hint ?? '', /use connection_type "1"/);
  });
});
