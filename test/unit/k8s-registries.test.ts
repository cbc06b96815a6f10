// The resolution of the Kubernetes driver's registry entries (vnf:<id>, CA files, credentials);
// the files rendered from them are k8s-render.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CliError } from '../../src/lib/errors.js';
import {
  checkSpecs,
  resolveRegistries,
  resolveRegistryVnf,
} from '../../src/lib/mgmt/kubernetes/registries.js';
import { readFileSync } from 'node:fs';
import { parseRegistryAddress } from '../../src/lib/params/address.js';
import type { PrivateRegistryConnection } from '../../src/lib/params/schema.js';
import { validateInstantiateRequest } from '../../src/lib/params/validate.js';
import type { VnfInstanceRecord } from '../../src/lib/store/index.js';

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
