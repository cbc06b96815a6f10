// The Kubernetes driver's registry files (hosts.toml, kubelet config.json, daemon.json,
// containerd config_path) and the resolution of registry entries (vnf:<id>, CA files, credentials).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CliError } from '../../src/lib/errors.js';
import {
  checkSpecs,
  ensureConfigPath,
  renderDaemonJson,
  renderHostsToml,
  renderKubeletCredentials,
  resolveRegistries,
  resolveRegistryVnf,
  type RegistrySpec,
} from '../../src/lib/mgmt/kubernetes/registries.js';
import { readFileSync } from 'node:fs';
import { parseRegistryAddress } from '../../src/lib/params/address.js';
import type { PrivateRegistryConnection } from '../../src/lib/params/schema.js';
import { validateInstantiateRequest } from '../../src/lib/params/validate.js';
import type { VnfInstanceRecord } from '../../src/lib/store/index.js';

const http: RegistrySpec = { server: '10.0.0.20:5000', secure: false, configured: '10.0.0.20:5000' };
const https: RegistrySpec = {
  server: 'registry.example.com',
  secure: true,
  username: 'alice',
  password: 'p@ss:w"rd',
  caFile: '/pkg/Files/ca.crt',
  hostsLine: '10.0.0.21 registry.example.com',
  configured: 'registry.example.com',
};

describe('renderHostsToml', () => {
  it('HTTP registry: http:// server and host, pull/resolve only, no CA', () => {
    assert.equal(
      renderHostsToml(http),
      [
        '# managed by vnflcm: registry 10.0.0.20:5000 (HTTP)',
        'server = "http://10.0.0.20:5000"',
        '',
        '[host."http://10.0.0.20:5000"]',
        '  capabilities = ["pull", "resolve"]',
        '',
      ].join('\n'),
    );
  });

  it('HTTPS registry with a CA: https:// and ca = certs.d/<server>/ca.crt', () => {
    const t = renderHostsToml(https);
    assert.match(t, /^server = "https:\/\/registry\.example\.com"$/m);
    assert.match(t, /^\[host\."https:\/\/registry\.example\.com"\]$/m);
    assert.match(t, /^ {2}ca = "\/etc\/containerd\/certs\.d\/registry\.example\.com\/ca\.crt"$/m);
    assert.doesNotMatch(renderHostsToml({ ...https, caFile: undefined }), /ca =/);
  });
});

describe('renderKubeletCredentials', () => {
  it('one auths entry per registry with credentials, base64(user:password), merged and whole', () => {
    const other: RegistrySpec = { server: 'r2:5000', secure: false, username: 'bob', password: 'x', configured: 'r2:5000' };
    const json = JSON.parse(renderKubeletCredentials([http, https, other])) as { auths: Record<string, { auth: string }> };
    assert.deepEqual(Object.keys(json.auths), ['registry.example.com', 'r2:5000']);
    assert.equal(Buffer.from(json.auths['registry.example.com']?.auth as string, 'base64').toString(), 'alice:p@ss:w"rd');
    assert.equal(Buffer.from(json.auths['r2:5000']?.auth as string, 'base64').toString(), 'bob:x');
  });

  it('no credentials at all: an empty auths object (never a default user)', () => {
    assert.deepEqual(JSON.parse(renderKubeletCredentials([http])), { auths: {} });
  });
});

describe('renderDaemonJson', () => {
  const script = '{\n  "exec-opts": ["native.cgroupdriver=systemd"],\n  "log-driver": "json-file",\n  "insecure-registries": ["10.0.0.20:5000"]\n}\n';

  it('keeps the other keys and sets insecure-registries to the HTTP registries', () => {
    const r = renderDaemonJson('{"exec-opts": ["native.cgroupdriver=systemd"], "insecure-registries": ["old:1"]}', [http, https]);
    assert.equal(r.changed, true);
    assert.deepEqual(JSON.parse(r.content), { 'exec-opts': ['native.cgroupdriver=systemd'], 'insecure-registries': ['10.0.0.20:5000'] });
  });

  it('semantically equal content (another layout) is "unchanged": no docker restart', () => {
    assert.equal(renderDaemonJson(script, [http, https]).changed, false);
  });

  it('no HTTP registry: an existing list is emptied, a missing file is not created', () => {
    assert.deepEqual(JSON.parse(renderDaemonJson(script, [https]).content)['insecure-registries'], []);
    assert.equal(renderDaemonJson(undefined, [https]).changed, false);
    assert.equal(renderDaemonJson(undefined, [http]).changed, true);
  });

  it('refuses to rewrite invalid JSON', () => {
    assert.throws(() => renderDaemonJson('{"a": ', [http]), /daemon\.json is not valid JSON/);
    assert.throws(() => renderDaemonJson('[1]', [http]), /not a JSON object/);
  });
});

describe('ensureConfigPath', () => {
  const want = 'config_path = "/etc/containerd/certs.d"';

  it('replaces an empty config_path in the CRI registry table (containerd config default)', () => {
    const def = [
      'version = 2',
      '[plugins]',
      '  [plugins."io.containerd.grpc.v1.cri"]',
      '    sandbox_image = "registry.k8s.io/pause:3.6"',
      '    [plugins."io.containerd.grpc.v1.cri".registry]',
      '      config_path = ""',
      '      [plugins."io.containerd.grpc.v1.cri".registry.auths]',
      '      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]',
      '',
    ].join('\n');
    const r = ensureConfigPath(def);
    assert.equal(r.changed, true);
    assert.ok(r.content.includes(`      ${want}\n`));
    assert.ok(!r.content.includes('config_path = ""'));
    assert.deepEqual(ensureConfigPath(r.content), { content: r.content, changed: false }, 'idempotent');
  });

  it('inserts the line under an existing table header without config_path', () => {
    const r = ensureConfigPath('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  [plugins."io.containerd.grpc.v1.cri".registry.mirrors]\n');
    assert.equal(r.content, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  ${want}\n  [plugins."io.containerd.grpc.v1.cri".registry.mirrors]\n`);
  });

  it('does not touch a config_path of another table (mirrors)', () => {
    const t = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."x"]\n  config_path = "/nope"\n';
    const r = ensureConfigPath(t);
    assert.ok(r.content.includes('config_path = "/nope"'));
    assert.ok(r.content.endsWith(`[plugins."io.containerd.grpc.v1.cri".registry]\n  ${want}\n`));
  });

  it('appends the table to the containerd.io package config (disabled_plugins) and creates a missing file', () => {
    const r = ensureConfigPath('disabled_plugins = ["cri"]\n');
    assert.ok(r.content.startsWith('disabled_plugins = ["cri"]\n'));
    assert.ok(r.content.endsWith(`[plugins."io.containerd.grpc.v1.cri".registry]\n  ${want}\n`));
    assert.equal(ensureConfigPath(undefined).content, `version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  ${want}\n`);
  });

  it('containerd 2 (version = 3) gets the cri.v1.images table', () => {
    assert.ok(ensureConfigPath('version = 3\n').content.includes(`[plugins.'io.containerd.cri.v1.images'.registry]\n  ${want}`));
  });

  it('the script\'s own config is already right: unchanged, no restart', () => {
    const s = `version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  [plugins."io.containerd.grpc.v1.cri".registry]\n    ${want}\n`;
    assert.equal(ensureConfigPath(s).changed, false);
  });
});

// ------------------------------------------------------------------------------------ resolution

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function pkgRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'k8s-reg-'));
  dirs.push(d);
  mkdirSync(join(d, 'Files'), { recursive: true });
  writeFileSync(join(d, 'Files', 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
  const outside = mkdtempSync(join(tmpdir(), 'k8s-out-'));
  dirs.push(outside);
  writeFileSync(join(outside, 'x.crt'), 'x');
  symlinkSync(join(outside, 'x.crt'), join(d, 'Files', 'link.crt'));
  return d;
}

function instance(id: string, patch: Partial<VnfInstanceRecord>): VnfInstanceRecord {
  return {
    id,
    vnfInstanceName: 'reg',
    vnfInstanceDescription: null,
    vnfdId: 'd',
    vnfPkgId: 'p',
    vnfProvider: 'Company',
    vnfProductName: 'Sample Private registry VNF',
    vnfSoftwareVersion: '1.0',
    vnfdVersion: '1.0',
    instantiationState: 'INSTANTIATED',
    vimConnectionInfo: [],
    createdAt: '2024-01-01T00:00:00Z',
    ...patch,
  };
}

const store = {
  instances: new Map<string, VnfInstanceRecord>([
    ['reg-ok', instance('reg-ok', { metadata: { private_registry: { endpoint: '10.0.0.30:5000' } } })],
    ['reg-new', instance('reg-new', { instantiationState: 'NOT_INSTANTIATED' })],
    ['reg-bare', instance('reg-bare', { metadata: {} })],
    ['reg-v6', instance('reg-v6', { metadata: { private_registry: { endpoint: '[fd00::5]:5000' } } })],
  ]),
  async getInstance(id: string) {
    return this.instances.get(id);
  },
};

const entry = (e: Partial<PrivateRegistryConnection>): PrivateRegistryConnection => ({ connection_type: '0', server: '10.0.0.20:5000', ...e }) as PrivateRegistryConnection;

describe('resolveRegistryVnf (server "vnf:<instance id>")', () => {
  it('resolves to the endpoint the registry driver recorded', async () => {
    assert.deepEqual(await resolveRegistryVnf(store, 'vnf:reg-ok', 0), { kind: 'ipv4', host: '10.0.0.30', port: 5000, text: '10.0.0.30:5000' });
    assert.deepEqual(await resolveRegistryVnf(store, 'vnf:reg-v6', 0), { kind: 'ipv6', host: 'fd00::5', port: 5000, text: '[fd00::5]:5000' });
  });

  it('unknown instance: names the entry and the id', async () => {
    await assert.rejects(resolveRegistryVnf(store, 'vnf:nope', 2), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /private_registry_connection_info\[2\]\.server "vnf:nope": there is no VNF instance nope/);
      return true;
    });
  });

  it('not instantiated: says so', async () => {
    await assert.rejects(resolveRegistryVnf(store, 'vnf:reg-new', 0), /is NOT_INSTANTIATED; instantiate the registry VNF first/);
  });

  it('no endpoint recorded: says what is missing', async () => {
    await assert.rejects(resolveRegistryVnf(store, 'vnf:reg-bare', 0), /has no private registry endpoint recorded \(metadata\.private_registry\.endpoint\)/);
  });
});

describe('resolveRegistries', () => {
  it('resolves vnf: servers, CA files inside the package, credentials and hosts lines', async () => {
    const root = pkgRoot();
    const regs = await resolveRegistries(
      [
        entry({ server: 'vnf:reg-ok' }),
        entry({ connection_type: '1', server: 'registry.example.com', username: 'u', password: 'p', certificate_path: 'Files/ca.crt', hosts_string: '10.0.0.21 registry.example.com' }),
      ],
      { store, packageRoot: root },
    );
    assert.equal(regs[0]?.server, '10.0.0.30:5000');
    assert.equal(regs[0]?.configured, 'vnf:reg-ok');
    assert.equal(regs[0]?.secure, false);
    assert.ok(regs[1]?.caFile?.endsWith('/Files/ca.crt'));
    assert.equal(regs[1]?.username, 'u');
    assert.deepEqual(checkSpecs(regs), [
      { server: '10.0.0.30:5000', secure: false, auth: false, ca: false },
      { server: 'registry.example.com', secure: true, auth: true, ca: true },
    ]);
  });

  it('an IPv6 registry: the address the schema accepted is what the nodes get', async () => {
    const regs = await resolveRegistries([entry({ server: '[fd00::10]:5000' })], { store, packageRoot: pkgRoot() });
    assert.equal(regs[0]?.server, '[fd00::10]:5000');
    assert.deepEqual(regs[0]?.address, { kind: 'ipv6', host: 'fd00::10', port: 5000, text: '[fd00::10]:5000' });
  });

  it('refuses what only resolution tells: a vnf: registry over HTTPS, missing or escaping CA files, two entries resolving to one server', async () => {
    const root = pkgRoot();
    const o = { store, packageRoot: root };
    await assert.rejects(resolveRegistries([entry({ connection_type: '1', server: 'vnf:reg-ok' })], o), /serves plain HTTP at 10\.0\.0\.30:5000; use connection_type "0"/);
    await assert.rejects(resolveRegistries([entry({ connection_type: '1', server: 'r', certificate_path: 'Files/none.crt' })], o), /no such file in the VNF package/);
    await assert.rejects(resolveRegistries([entry({ connection_type: '1', server: 'r', certificate_path: 'Files/link.crt' })], o), /resolves outside the VNF package/);
    await assert.rejects(resolveRegistries([entry({}), entry({})], o), /registry 10\.0\.0\.20:5000 is listed twice/);
    await assert.rejects(resolveRegistries([entry({ server: 'vnf:reg-ok' }), entry({ server: '10.0.0.30:5000' })], o), /listed twice/);
  });
});

describe('registry addresses: `vnflcm validate` and the driver use the one parser', () => {
  const k8sBody = JSON.parse(readFileSync(new URL('../fixtures/params/good/private_registry_kubernetes_param_file.json', import.meta.url), 'utf8')) as {
    additionalParams: { k8s_cluster_installation_param: Record<string, unknown> };
  };
  const withServer = (server: string) => {
    const b = structuredClone(k8sBody);
    b.additionalParams.k8s_cluster_installation_param.private_registry_connection_info = [{ connection_type: '0', server }];
    return b;
  };
  const servers = ['[fd00::10]:5000', '[::1]', '[fd00:0:0::10]:443', '[::ffff:10.0.0.1]:5000', 'fd00::10', '[fd00::10', '[fd00::10]x', '[fe80::1%eth0]:5000', '[fd00::10]:0', '10.0.0.20:5000', 'reg.example.com'];

  it('an address the schema accepts is the address the nodes get; one it refuses never reaches them', async () => {
    for (const server of servers) {
      const v = validateInstantiateRequest(withServer(server));
      const parsed = parseRegistryAddress(server);
      assert.equal(v.problems.length === 0, parsed.ok, server);
      if (!v.request || !parsed.ok) continue;
      const regs = await resolveRegistries(v.request.additionalParams.k8s_cluster_installation_param?.private_registry_connection_info, { store, packageRoot: pkgRoot() });
      assert.deepEqual(regs[0]?.address, parsed.value, server);
      assert.equal(regs[0]?.server, parsed.value.text, server);
    }
    assert.ok(parseRegistryAddress('[fd00::10]:5000').ok && !parseRegistryAddress('fd00::10').ok);
  });
});
