/**
 * The Kubernetes VNF end to end through the CLI, as the guide runs it: a registry VNF first, then a
 * cluster whose private_registry_connection_info names that registry (`vnf:<id>`, HTTP) and the
 * HTTPS fixture (private CA, htpasswd login) — on the real OpenStack of test/env, with Nova's
 * servers as VM stand-ins. Every node must pull from both registries with its own configuration.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ENV_SH, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { K8S_PKG, K8S_VNFD, REGISTRY_PKG, REGISTRY_VNFD, SAMPLES } from '../helpers/packages.js';

interface Vnfc {
  id: string;
  vduId: string;
  computeResource: { resourceId: string };
  vnfcCpInfo: Array<{ cpProtocolInfo: Array<{ ipOverEthernet?: { ipAddresses: Array<{ addresses: string[] }> } }> }>;
}

const IMAGE = 'testbed/hello:latest';

function envSh(args: string[]): { code: number; out: string } {
  const r = spawnSync('bash', [ENV_SH, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, TESTBED_QUIET: '1' } });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The stand-in VM name that holds an IP (nova-sync names them nv-<server id>). */
function vmAt(ip: string): string {
  const list = envSh(['vm', 'list']).out.split('\n');
  const line = list.find((l) => l.split(/\s+/)[1] === ip);
  assert.ok(line, `a VM stand-in answers at ${ip}:\n${list.join('\n')}`);
  return line.split(/\s+/)[0] as string;
}

const ipOf = (v: Vnfc): string => v.vnfcCpInfo[0]?.cpProtocolInfo[0]?.ipOverEthernet?.ipAddresses[0]?.addresses[0] ?? '';

describe('Kubernetes VNF with private registries through the CLI', { timeout: 60 * 60_000 }, () => {
  let facts: EnvFacts;
  let env: NodeJS.ProcessEnv;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-k8s-'));
  const created: string[] = [];
  let registryId = '';
  let registryEndpoint = '';

  const cli = (args: string[]): Promise<CliResult> => runCli(args, { home, env, timeoutMs: 1_800_000 });
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await cli(args);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r;
  };
  const create = async (vnfd: string, name: string): Promise<string> => {
    const id = (await ok(['create', vnfd, '--name', name, '-f', 'value', '-c', 'ID'])).stdout.trim();
    created.push(id);
    return id;
  };
  const vnfcs = async (id: string): Promise<Vnfc[]> =>
    (JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiated Vnf Info'])).stdout) as { 'Instantiated Vnf Info': { vnfcResourceInfo: Vnfc[] } })[
      'Instantiated Vnf Info'
    ].vnfcResourceInfo;
  const k8sParams = (name: string, flavour: string, edit: (k: Record<string, unknown>) => void = () => undefined): string => {
    const sample = flavour === 'complex' ? 'private_registry_kubernetes_complex_param_file.json' : 'private_registry_kubernetes_param_file.json';
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, sample));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    const k = (p.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as Record<string, unknown>;
    const https = facts.registries.https;
    k.private_registry_connection_info = [
      { connection_type: '0', server: `vnf:${registryId}` },
      {
        connection_type: '1',
        server: https.server,
        username: https.username,
        password: https.password,
        certificate_path: 'Files/certs/registry-ca.crt',
        hosts_string: https.hosts_line,
      },
    ];
    edit(k);
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(p, null, 2));
    return file;
  };
  /** Every node of the cluster pulls the test image from both registries with its own configuration. */
  const assertAllPull = async (id: string): Promise<void> => {
    for (const v of await vnfcs(id)) {
      const vm = vmAt(ipOf(v));
      for (const server of [registryEndpoint, facts.registries.https.server]) {
        const r = envSh(['verify-pull', vm, server, IMAGE]);
        assert.equal(r.code, 0, `${v.vduId} ${vm} pulls ${server}/${IMAGE}:\n${r.out}`);
      }
    }
  };

  before(async () => {
    facts = ensureEnv();
    env = cloudEnv(facts);
    // The cluster package gets the HTTPS registry's CA (certificate_path is package-relative) and a
    // local CNI manifest (the stand-ins have no internet to fetch Calico).
    const pkg = join(work, 'k8s-package');
    cpSync(K8S_PKG, pkg, { recursive: true });
    mkdirSync(join(pkg, 'Files', 'certs'), { recursive: true });
    cpSync(facts.registries.https.ca_file ?? '', join(pkg, 'Files', 'certs', 'registry-ca.crt'));
    mkdirSync(join(pkg, 'Files', 'cni'), { recursive: true });
    writeFileSync(join(pkg, 'Files', 'cni', 'cni.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-cni\n  namespace: kube-system\n');
    writeFileSync(join(pkg, 'Scripts', 'install_k8s_cluster.conf'), 'CNI_MANIFEST=Files/cni/cni.yaml\n');
    await ok(['package', 'add', REGISTRY_PKG]);
    await ok(['package', 'add', pkg]);
    // The registry VNF (the guide's first half), holding the test image.
    registryId = await create(REGISTRY_VNFD, 'registry');
    const regParams = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_param_file.json'));
    for (const vl of regParams.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    ((regParams.additionalParams as Record<string, Record<string, unknown>>).private_registry_installation_param as Record<string, unknown>).image_path =
      'Files/images/registry.tar';
    writeFileSync(join(work, 'registry.json'), JSON.stringify(regParams));
    await ok(['instantiate', registryId, join(work, 'registry.json'), '-q']);
    const meta = JSON.parse((await ok(['show', registryId, '-f', 'json', '-c', 'metadata'])).stdout) as {
      metadata: { private_registry: { endpoint: string } };
    };
    registryEndpoint = meta.metadata.private_registry.endpoint;
    execFileSync('skopeo', [
      'copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false',
      `docker://${facts.registries.http.server}/${IMAGE}`, `docker://${registryEndpoint}/${IMAGE}`,
    ]);
  });

  after(async () => {
    for (const id of [...created].reverse()) await cli(['terminate', id, '--D', '-q']);
  });

  test('simple flavour: instantiate, every node pulls from both registries; scale out 2 and in 1; heal a worker', async () => {
    const id = await create(K8S_VNFD, 'cluster-simple');
    const r = await ok(['instantiate', id, k8sParams('simple.json', 'simple')]);
    assert.match(r.stdout, /completed in \d+ s/);
    assert.match(r.stderr, /masterNode|master/i, 'progress names the nodes');

    const shown = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'VIM Connection Info'])).stdout) as { 'VIM Connection Info': Array<{ vimType: string }> };
    assert.ok(shown['VIM Connection Info'].some((v) => v.vimType === 'kubernetes'), 'the cluster is registered as a Kubernetes VIM');
    const vims = JSON.parse((await ok(['vim', 'list', '-f', 'json'])).stdout) as Array<Record<string, string>>;
    assert.ok(vims.some((v) => v.Name === 'kubernetes_vim' && v.Type === 'kubernetes'));

    const v1 = await vnfcs(id);
    assert.deepEqual(v1.map((v) => v.vduId).sort(), ['masterNode', 'workerNode', 'workerNode']);
    await assertAllPull(id);

    // One piece removed on one node (its hosts line for the HTTPS registry) and that node cannot pull any more.
    const w0 = vmAt(ipOf(v1.find((v) => v.vduId === 'workerNode') as Vnfc));
    envSh(['vm', 'exec', w0, '--', 'sed', '-i', `/${facts.registries.https.fqdn}/d`, '/etc/hosts']);
    assert.notEqual(envSh(['verify-pull', w0, facts.registries.https.server, IMAGE]).code, 0, 'without its hosts line the node cannot pull');

    // --dry-run prints the per-node plan of the scale-out and changes nothing (no occurrence, same VNFCs)
    const opsBefore = (await ok(['op', 'list', '-f', 'value', '-c', 'ID'])).stdout;
    const plan = (await ok(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance', '--number-of-steps', '2', '--dry-run'])).stdout;
    assert.match(plan, /^operation: scale-out$/m);
    assert.match(plan, /kubernetes_plan:/);
    assert.match(plan, /- registry-hosts\//, 'the new workers get the registry steps');
    assert.match(plan, /- hosts-block$/m, 'existing nodes get the hosts block');
    assert.equal((await ok(['op', 'list', '-f', 'value', '-c', 'ID'])).stdout, opsBefore, 'a dry run records no occurrence');
    assert.deepEqual((await vnfcs(id)).map((v) => v.id).sort(), v1.map((v) => v.id).sort());

    await ok(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance', '--number-of-steps', '2']);
    const v2 = await vnfcs(id);
    assert.equal(v2.filter((v) => v.vduId === 'workerNode').length, 4);
    const added = v2.filter((v) => !v1.some((o) => o.id === v.id));
    for (const v of added) {
      const vm = vmAt(ipOf(v));
      for (const server of [registryEndpoint, facts.registries.https.server]) {
        assert.equal(envSh(['verify-pull', vm, server, IMAGE]).code, 0, `new worker ${vm} pulls from ${server}`);
      }
    }
    // The scale-out rewrote the managed hosts block on every node: w0 can pull again.
    assert.equal(envSh(['verify-pull', w0, facts.registries.https.server, IMAGE]).code, 0, 'hosts block restored on existing nodes');

    await ok(['scale', id, '--type', 'SCALE_IN', '--aspect-id', 'worker_instance']);
    const v3 = await vnfcs(id);
    assert.equal(v3.filter((v) => v.vduId === 'workerNode').length, 3);
    const removed = v2.find((v) => !v3.some((o) => o.id === v.id)) as Vnfc;
    const master = vmAt(ipOf(v3.find((v) => v.vduId === 'masterNode') as Vnfc));
    const hosts = envSh(['vm', 'exec', master, '--', 'cat', '/etc/hosts']).out;
    assert.ok(!hosts.split('\n').some((l) => l.startsWith(`${ipOf(removed)} `)), 'the removed worker left every hosts block');

    const worker = v3.find((v) => v.vduId === 'workerNode') as Vnfc;
    const healPlan = (await ok(['heal', id, '--vnfc-instance', worker.id, '--dry-run'])).stdout;
    assert.match(healPlan, /^operation: heal$/m);
    assert.match(healPlan, /- stale-node$/m, 'the replaced node is removed from the cluster first');
    await ok(['heal', id, '--vnfc-instance', worker.id]);
    const v4 = await vnfcs(id);
    const healed = v4.find((v) => v.id === worker.id) as Vnfc;
    assert.notEqual(healed.computeResource.resourceId, worker.computeResource.resourceId);
    await assertAllPull(id);
  });

  test('complex flavour (3 masters + VIP) with the docker runtime', async () => {
    const id = await create(K8S_VNFD, 'cluster-complex');
    await ok(['instantiate', id, k8sParams('complex.json', 'complex', (k) => {
      k.container_runtime = 'docker';
      k.vim_name = 'kubernetes_vim_complex';
    }), '-q']);
    const v = await vnfcs(id);
    assert.equal(v.filter((x) => x.vduId === 'masterNode').length, 3);
    await assertAllPull(id);
    await ok(['terminate', id, '--D', '-q']);
    created.splice(created.indexOf(id), 1);
  });
});
