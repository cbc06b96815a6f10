import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readPackage } from '../../src/lib/package/reader.js';
import { validateInstantiateRequest } from '../../src/lib/params/validate.js';
import { paramWizard, type Choice, type Prompter } from '../../src/lib/params/wizard.js';
import { cloudNetworks, networkChoices, registryVnfChoices } from '../../src/lib/params/wizard/sources.js';
import { Store } from '../../src/lib/store/index.js';
import { K8S_PKG, K8S_VNFD, REGISTRY_PKG, REGISTRY_VNFD } from '../helpers/packages.js';
import { runCli, tempHome } from '../helpers/cli.js';

type Scripted = Prompter & { asked: string[]; rejected: Array<[string, string]>; offered: Map<string, Choice[]>; notes: string[] };

/**
 * Answers questions in order, as a person at the terminal would: each answer names a fragment of
 * the question it is meant for; an answer the question's validation rejects is recorded and the
 * same question takes the next answer (what @inquirer does on the terminal).
 */
function scripted(answers: Array<[string, string | boolean]>): Scripted {
  const asked: string[] = [];
  const rejected: Array<[string, string]> = [];
  const offered = new Map<string, Choice[]>();
  const notes: string[] = [];
  const next = (message: string): string | boolean => {
    asked.push(message);
    const a = answers.shift();
    if (!a) throw new Error(`no answer left for: ${message}`);
    assert.ok(message.includes(a[0]), `question "${message}" was answered with the answer for "${a[0]}"`);
    return a[1];
  };
  const typed = (m: string, validate: (v: string) => true | string, def?: string): string => {
    for (;;) {
      const given = String(next(m));
      const v = given === '' && def !== undefined ? def : given;
      const ok = validate(v);
      if (ok === true) return v;
      rejected.push([v, ok]);
    }
  };
  return {
    asked,
    rejected,
    offered,
    notes,
    select: async (m, choices) => {
      offered.set(m, choices);
      const v = String(next(m));
      assert.ok(choices.some((c) => c.value === v), `${v} is one of the choices of "${m}"`);
      return v;
    },
    input: async (m, o) => typed(m, o.validate, o.default),
    password: async (m, o) => typed(m, o.validate),
    confirm: async (m) => Boolean(next(m)),
    note: (line) => notes.push(line),
  };
}

const NET = '3f9a2c1e-0000-4000-8000-000000000001';

describe('params init wizard (scripted terminal)', () => {
  test('registry package: an empty SSH password is rejected at once and asked again, nothing else is lost', async () => {
    const pkg = await readPackage(REGISTRY_PKG);
    const p = scripted([
      ['Network', NET],
      ['CP used for SSH', 'CP1'],
      ['SSH user', 'ubuntu'],
      ['SSH password', ''],
      ['SSH password', 's3cret;$(x)'],
      ['Registry image', 'Files/images/registry.tar'],
      ['Registry port', '70000'],
      ['Registry port', '5443'],
      ['proxy', false],
      ['Write', true],
    ]);
    const body = await paramWizard(pkg, {
      prompter: p,
      output: 'reg.json',
      sources: { networks: async () => [{ name: 'vnf-net', value: NET }] },
    });
    assert.deepEqual(p.rejected, [
      ['', 'expected an SSH password (it must not be empty)'],
      ['70000', 'expected a TCP port number 1–65535 (an integer or a string of digits) (ports range from 1 to 65535)'],
    ]);
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
    assert.deepEqual(p.offered.get('Network for CP1 of PrivateRegistryVDU')?.map((c) => c.value), [NET, '\u0000typed']);
    assert.equal((body.extVirtualLinks as Array<{ resourceId: string }>)[0]?.resourceId, NET);
    assert.deepEqual((body.additionalParams as Record<string, unknown>).private_registry_installation_param, {
      ssh_cp_name: 'CP1',
      ssh_username: 'ubuntu',
      ssh_password: 's3cret;$(x)',
      image_path: 'Files/images/registry.tar',
      port_no: 5443,
    });
    const shown = p.notes.find((n) => n.startsWith('The param file:')) ?? '';
    assert.ok(!shown.includes('s3cret'), 'the preview does not show the password');
    assert.match(shown, /"ssh_password": "\*+"/);
  });

  test('kubernetes complex flavour: a whole-file problem takes the operator back to that answer only', async () => {
    const pkg = await readPackage(K8S_PKG);
    const p = scripted([
      ['Deployment flavour', 'complex'],
      ['Instantiation level', 'instantiation_level_1'],
      ['masterNode_CP1', 'vnf-net'],
      ['workerNode_CP2', ''], // keeps the previous network (the default)
      ['SSH user on the masters', 'ubuntu'],
      ['SSH password on the masters', 'pw'],
      ['Pod network CIDR', '192.168.0.0/16'],
      ['Service network CIDR', '10.96.0.0/33'],
      ['Service network CIDR', '10.96.0.0/12'],
      ['SSH user on the workers', 'ubuntu'],
      ['SSH password on the workers', 'pw'],
      ['VIM', 'kubernetes_vim'],
      ['Container runtime', 'containerd'],
      ['proxy', true],
      ['http_proxy', 'http://proxy.example.com:3128'],
      ['https_proxy', ''],
      ['no_proxy', '10.0.0.0/8,.example.com'],
      ['k8s_node_cidr', '192.168.10.0/24'], // passes the field rule, overlaps the pod network
      ['Connect the cluster', true],
      ['Connection type', '0'],
      ['Registry server', 'vnf:4c1c2f5e-6c1b-4bd6-9a0a-0d2e7d1c9a11'],
      ['Registry user name', ''],
      ['/etc/hosts', ''],
      ['Add another', false],
      ['k8s_node_cidr', '10.250.0.0/24'],
      ['Write', true],
    ]);
    const vnf = { name: 'vnf:4c1c2f5e-6c1b-4bd6-9a0a-0d2e7d1c9a11 (reg1, 10.0.0.5:5000)', value: 'vnf:4c1c2f5e-6c1b-4bd6-9a0a-0d2e7d1c9a11' };
    const body = await paramWizard(pkg, { prompter: p, sources: { registryVnfs: async () => [vnf] } });
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
    assert.equal(p.rejected.length, 1);
    assert.match(p.rejected[0]?.[1] ?? '', /^expected a service network CIDR/);
    // The whole-file problem was told, and only its question was asked again.
    assert.ok(p.notes.some((n) => n.startsWith('Not accepted: additionalParams.k8s_cluster_installation_param.proxy.k8s_node_cidr: expected a node network CIDR that does not overlap')));
    assert.equal(p.asked.filter((m) => m.includes('k8s_node_cidr')).length, 2);
    assert.equal(p.asked.filter((m) => m.includes('SSH password')).length, 2);
    assert.deepEqual(p.offered.get('Registry server: host[:port] as in image references, or vnf:<registry VNF instance id>')?.[0], vnf);
    const k = (body.additionalParams as Record<string, Record<string, Record<string, unknown>>>).k8s_cluster_installation_param;
    assert.equal(k?.master_node?.cluster_cp_name, 'vip_CP');
    assert.deepEqual(k?.proxy, { http_proxy: 'http://proxy.example.com:3128', https_proxy: 'http://proxy.example.com:3128', no_proxy: '10.0.0.0/8,.example.com', k8s_node_cidr: '10.250.0.0/24' });
    assert.deepEqual(k?.private_registry_connection_info, [{ connection_type: '0', server: 'vnf:4c1c2f5e-6c1b-4bd6-9a0a-0d2e7d1c9a11' }]);
    assert.deepEqual(
      (body.extVirtualLinks as Array<{ resourceId: string }>).map((l) => l.resourceId),
      ['vnf-net', 'vnf-net'],
    );
  });

  test('at the preview any answer can be changed; flags given are not asked', async () => {
    const pkg = await readPackage(REGISTRY_PKG);
    const p = scripted([
      ['SSH password', 'first'],
      ['proxy', false],
      ['Write', false],
      ['Which answer', 'ssh-username'],
      ['SSH user', 'admin'],
      ['Write', true],
    ]);
    const body = await paramWizard(pkg, {
      prompter: p,
      flags: { network: ['net0'], 'ssh-cp-name': ['CP1'], 'image-path': [''], 'port-no': ['5000'], 'ssh-username': ['ubuntu'] },
    });
    const reg = (body.additionalParams as Record<string, Record<string, unknown>>).private_registry_installation_param;
    assert.equal(reg?.ssh_username, 'admin');
    assert.equal(reg?.ssh_password, 'first');
    assert.equal(reg?.image_path, undefined);
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
  });

  test('a flag value that fails its rule is told and asked at the terminal', async () => {
    const pkg = await readPackage(REGISTRY_PKG);
    const p = scripted([
      ['CP used for SSH', 'CP1'],
      ['SSH user', 'ubuntu'],
      ['SSH password', 'pw'],
      ['proxy', false],
      ['Write', true],
    ]);
    const body = await paramWizard(pkg, { prompter: p, flags: { network: ['net0'], 'ssh-cp-name': ['CP9'], 'image-path': [''], 'port-no': ['5000'] } });
    assert.equal(p.notes[0], '--ssh-cp-name "CP9" is not accepted: expected one of: CP1');
    assert.equal((body.additionalParams as Record<string, Record<string, unknown>>).private_registry_installation_param?.ssh_cp_name, 'CP1');
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
  });
});

test('a bad flag for a question not normally asked (silent) is asked at the terminal, not an error', async () => {
  const pkg = await readPackage(K8S_PKG);
  const p = scripted([
    ['CP (or VIP port) giving the API server address', 'masterNode_CP1'],
    ['proxy', false],
    ['Connect the cluster', false],
    ['Write', true],
  ]);
  const flags = { flavour: ['simple'], network: ['n'], 'master-password': ['p'], 'worker-password': ['p'], 'master-username': ['ubuntu'], 'worker-username': ['ubuntu'], 'pod-cidr': ['192.168.0.0/16'], 'cluster-cidr': ['10.96.0.0/12'], 'vim-name': ['v'], 'container-runtime': ['containerd'], 'instantiation-level': ['instantiation_level_1'], 'cluster-cp-name': ['bad name!'] };
  const body = await paramWizard(pkg, { prompter: p, flags });
  assert.match(p.notes[0] ?? '', /^--cluster-cp-name "bad name!" is not accepted: expected the name of the CP \(or VIP port\) giving the API server address/);
  assert.equal((body.additionalParams as Record<string, Record<string, Record<string, unknown>>>).k8s_cluster_installation_param?.master_node?.cluster_cp_name, 'masterNode_CP1');
  assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
});

describe('params init wizard (flags alone)', () => {
  test('every missing value is listed at once, by flag', async () => {
    const pkg = await readPackage(K8S_PKG);
    const err = await paramWizard(pkg, { flags: { flavour: ['simple'], 'master-password': [''] } }).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.equal((err as { exitCode?: number }).exitCode, 2);
    const lines = err.message.split('\n');
    assert.equal(lines[0], "Missing and invalid values for 'vnflcm params init --no-interactive' (give them as flags):");
    assert.deepEqual(lines.slice(1), [
      '  --network masterNode_CP1=NETWORK (or --network NETWORK for every CP): Network for masterNode_CP1 of masterNode',
      '  --network workerNode_CP2=NETWORK (or --network NETWORK for every CP): Network for workerNode_CP2 of workerNode',
      '  --worker-password-file FILE (or VNFLCM_WORKER_PASSWORD, --worker-password): SSH password on the workers',
      '  --master-password: expected an SSH password (it must not be empty)',
    ]);
  });

  test('the flags of the kubernetes sample make the same file as the sample', async () => {
    const pkg = await readPackage(K8S_PKG);
    const sample = JSON.parse(readFileSync(join(REGISTRY_PKG, '..', 'private_registry_kubernetes_param_file.json'), 'utf8')) as Record<string, unknown>;
    const body = await paramWizard(pkg, {
      flags: {
        flavour: ['simple'],
        network: ['00000000-0000-0000-0000-000000000000'],
        'master-password': ['ubuntu'],
        'worker-password': ['ubuntu'],
        'cluster-cidr': ['10.199.187.0/24'],
        'registry-server': ['192.168.246.10:5000'],
      },
    });
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
    const norm = (b: Record<string, unknown>) => validateInstantiateRequest(b, pkg).request;
    const mine = norm(body) as Record<string, unknown>;
    const theirs = norm(sample) as Record<string, unknown>;
    assert.deepEqual(mine.additionalParams, theirs.additionalParams);
    assert.deepEqual(
      (mine.extVirtualLinks as Array<{ extCps: unknown; resourceId: string }>).map((l) => [l.resourceId, l.extCps]),
      (theirs.extVirtualLinks as Array<{ extCps: unknown; resourceId: string }>).map((l) => [l.resourceId, l.extCps]),
    );
  });

  test('a whole-file problem names the flag that set it (exit 3)', async () => {
    const pkg = await readPackage(K8S_PKG);
    const err = await paramWizard(pkg, {
      flags: { flavour: ['simple'], network: ['n'], 'master-password': ['p'], 'worker-password': ['p'], 'pod-cidr': ['10.0.0.0/8'], 'k8s-node-cidr': ['10.1.0.0/24'] },
    }).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.equal((err as { exitCode?: number }).exitCode, 3);
    assert.match(err.message, /proxy\.k8s_node_cidr: expected a node network CIDR that does not overlap .*set by --k8s-node-cidr/);
  });
});

describe('params init wizard sources', () => {
  test('networks are offered by name with their id as the value', () => {
    const c = networkChoices([
      { id: 'b', name: 'vnf-net', status: 'ACTIVE', subnets: [] },
      { id: 'a', name: 'ext', status: 'ACTIVE', subnets: [], 'router:external': true, shared: true },
    ]);
    assert.deepEqual(c, [
      { name: 'ext (a, shared, external)', value: 'a' },
      { name: 'vnf-net (b)', value: 'b' },
    ]);
  });

  test('without credentials, or with a cloud that does not answer, the network is typed and a note says why', async () => {
    const home = tempHome();
    const store = await Store.open(home);
    const notes: string[] = [];
    const none = await cloudNetworks(store, {}, (l) => notes.push(l), { VNFLCM_HOME: home, HOME: home })();
    assert.equal(none, undefined);
    assert.match(notes[0] ?? '', /^No cloud credentials \(.+\): type the network names or ids\.$/);
    const down = { VNFLCM_HOME: home, HOME: home, OS_AUTH_URL: 'http://127.0.0.1:9/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'x', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default' };
    const lister = cloudNetworks(store, {}, (l) => notes.push(l), down);
    assert.equal(await lister(), undefined);
    assert.equal(await lister(), undefined);
    assert.equal(notes.length, 2, 'the cloud is tried once');
    assert.match(notes[1] ?? '', /^The cloud's networks cannot be listed \(.+\): type the network names or ids\.$/);
  });

  test('instantiated registry VNFs of the store are offered as vnf:<id>', async () => {
    const store = await Store.open(tempHome());
    const base = { vnfInstanceDescription: null, vnfdId: REGISTRY_VNFD, vnfPkgId: 'p', vnfProvider: 'x', vnfProductName: 'registry', vnfSoftwareVersion: '1', vnfdVersion: '1', vimConnectionInfo: [], createdAt: new Date().toISOString() };
    await store.createInstance({ ...base, id: '11111111-1111-4111-8111-111111111111', vnfInstanceName: 'reg1', instantiationState: 'INSTANTIATED', metadata: { private_registry: { endpoint: '10.0.0.5:5000' } } });
    await store.createInstance({ ...base, id: '22222222-2222-4222-8222-222222222222', vnfInstanceName: 'reg2', instantiationState: 'NOT_INSTANTIATED' });
    await store.createInstance({ ...base, id: '33333333-3333-4333-8333-333333333333', vnfInstanceName: 'k8s', vnfdId: K8S_VNFD, instantiationState: 'INSTANTIATED', metadata: {} });
    assert.deepEqual(await registryVnfChoices(store), [
      { name: 'vnf:11111111-1111-4111-8111-111111111111 (reg1, 10.0.0.5:5000)', value: 'vnf:11111111-1111-4111-8111-111111111111' },
    ]);
  });
});

describe('vnflcm params init (the built CLI, no terminal)', () => {
  const home = tempHome();
  const dir = mkdtempSync(join(tmpdir(), 'vnflcm-wizard-'));

  test('setup: onboard both sample packages', async () => {
    for (const pkg of [REGISTRY_PKG, K8S_PKG]) assert.equal((await runCli(['package', 'add', pkg], { home })).code, 0);
  });

  test('registry VNF from flags, the password from a file: written 0600 and `vnflcm validate` accepts it', async () => {
    const pwFile = join(dir, 'pw');
    writeFileSync(pwFile, 'from-file\n', { mode: 0o600 });
    const out = join(dir, 'reg.json');
    const r = await runCli(['params', 'init', REGISTRY_VNFD, '-o', out, '--no-interactive', '--network', 'net0', '--ssh-cp-name', 'CP1', '--ssh-password-file', pwFile, '--port-no', '5443', '--http-proxy', 'http://proxy.example.com:3128'], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const body = JSON.parse(readFileSync(out, 'utf8')) as { additionalParams: { private_registry_installation_param: Record<string, unknown> } };
    assert.equal(body.additionalParams.private_registry_installation_param.ssh_password, 'from-file');
    assert.deepEqual(body.additionalParams.private_registry_installation_param.proxy, { http_proxy: 'http://proxy.example.com:3128', https_proxy: 'http://proxy.example.com:3128' });
    const v = await runCli(['validate', out, '--vnfd-id', REGISTRY_VNFD], { home });
    assert.equal(v.code, 0, v.stderr);
  });

  test('kubernetes VNF from flags, passwords from the environment; `vnflcm validate` accepts it', async () => {
    const out = join(dir, 'k8s.json');
    const r = await runCli(
      ['params', 'init', K8S_VNFD, '-o', out, '--flavour', 'complex', '--network', 'masterNode_CP1=net-m', '--network', 'workerNode_CP2=net-w', '--registry-server', 'registry.example.com:5000', '--registry-connection-type', '1', '--registry-username', 'bob'],
      { home, env: { VNFLCM_MASTER_PASSWORD: 'm-pw', VNFLCM_WORKER_PASSWORD: 'w-pw', VNFLCM_REGISTRY_PASSWORD: 'r-pw' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(readFileSync(out, 'utf8')) as { extVirtualLinks: Array<{ resourceId: string }>; additionalParams: { k8s_cluster_installation_param: { master_node: Record<string, unknown>; worker_node: Record<string, unknown>; private_registry_connection_info: unknown } } };
    const k = body.additionalParams.k8s_cluster_installation_param;
    assert.deepEqual(body.extVirtualLinks.map((l) => l.resourceId), ['net-m', 'net-w']);
    assert.equal(k.master_node.password, 'm-pw');
    assert.equal(k.worker_node.password, 'w-pw');
    assert.deepEqual(k.private_registry_connection_info, [{ connection_type: '1', server: 'registry.example.com:5000', username: 'bob', password: 'r-pw' }]);
    const v = await runCli(['validate', out, '--vnfd-id', K8S_VNFD], { home });
    assert.equal(v.code, 0, v.stderr);
  });

  test('an existing file is kept unless --force; with --force it is replaced and made 0600', async () => {
    const out = join(dir, 'exists.json');
    writeFileSync(out, 'keep me\n', { mode: 0o644 });
    const args = ['params', 'init', REGISTRY_VNFD, '-o', out, '--network', 'net0', '--ssh-password', 'pw'];
    const r = await runCli(args, { home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exists; use --force to overwrite it/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
    const f = await runCli([...args, '--force'], { home });
    assert.equal(f.code, 0, f.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal((await runCli(['validate', out, '--vnfd-id', REGISTRY_VNFD], { home })).code, 0);
  });

  test('missing values: exit 2, every missing flag listed, no file written', async () => {
    const out = join(dir, 'missing.json');
    const r = await runCli(['params', 'init', REGISTRY_VNFD, '-o', out], { home, env: { VNFLCM_SSH_PASSWORD: '' } });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      [
        "Missing and invalid values for 'vnflcm params init --no-interactive' (give them as flags):",
        '  --network CP1=NETWORK (or --network NETWORK for every CP): Network for CP1 of PrivateRegistryVDU',
        '  --ssh-password: expected an SSH password (it must not be empty)',
        '',
      ].join('\n'),
    );
    assert.equal(existsSync(out), false);
  });
});
