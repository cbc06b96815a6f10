/**
 * The sample packages and param files under samples/: the registry image tarball is reproduced
 * byte for byte by the generator below (set VNFLCM_WRITE_SAMPLES=1 to rewrite it), the install
 * script is shellcheck-clean and validates its inputs, the BaseHOTs follow the VNFD, and the
 * param files are valid JSON that fits the packages.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../src/lib/errors.js';
import { readDockerArchive } from '../../src/lib/package/docker-archive.js';
import type { Vdu, VnfPackage } from '../../src/lib/package/model.js';
import { readPackage } from '../../src/lib/package/reader.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const samples = join(repo, 'samples');
const registryPkg = join(samples, 'private-registry-vnf-package');
const k8sPkg = join(samples, 'kubernetes-cluster-vnf-package');
const script = join(k8sPkg, 'Scripts', 'install_k8s_cluster.sh');

// ------------------------------------------------------------------------------------------
// A reproducible `docker save` archive: manifest.json + config + one layer, tagged registry:latest.

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width, '0') + '\0';
}

function tarEntry(name: string, data: Buffer | undefined): Buffer {
  const h = Buffer.alloc(512);
  const dir = data === undefined;
  h.write(name, 0, 100, 'utf8');
  h.write(octal(dir ? 0o755 : 0o644, 7), 100, 'ascii');
  h.write(octal(0, 7), 108, 'ascii');
  h.write(octal(0, 7), 116, 'ascii');
  h.write(octal(data?.length ?? 0, 11), 124, 'ascii');
  h.write(octal(0, 11), 136, 'ascii');
  h.fill(0x20, 148, 156);
  h.write(dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 6) + ' ', 148, 'ascii');
  if (!data) return h;
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

function tar(entries: [string, Buffer | undefined][]): Buffer {
  return Buffer.concat([...entries.map(([n, d]) => tarEntry(n, d)), Buffer.alloc(1024)]);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function registryImageTar(): Buffer {
  const layer = tar([
    ['etc/', undefined],
    ['etc/docker/', undefined],
    ['etc/docker/registry/', undefined],
    [
      'etc/docker/registry/config.yml',
      Buffer.from('version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  addr: :5000\n'),
    ],
    [
      'README.vnflcm',
      Buffer.from(
        'Stand-in for registry:latest built by vnflcm for tests of image_path (docker load).\n' +
          'It has the registry image configuration but no registry binary; for real use replace\n' +
          'Files/images/registry.tar with the output of: docker save registry:2 -o registry.tar\n',
      ),
    ],
  ]);
  const diffId = `sha256:${sha256(layer)}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Entrypoint: ['/entrypoint.sh'],
        Cmd: ['/etc/docker/registry/config.yml'],
        ExposedPorts: { '5000/tcp': {} },
        Volumes: { '/var/lib/registry': {} },
        Labels: { 'org.opencontainers.image.description': 'vnflcm sample stand-in for registry:latest' },
      },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'vnflcm test/unit/package-samples.test.ts' }],
    }),
  );
  const lid = sha256(layer);
  const cfgName = `${sha256(config)}.json`;
  return tar([
    [`${lid}/`, undefined],
    [`${lid}/VERSION`, Buffer.from('1.0')],
    [`${lid}/json`, Buffer.from(JSON.stringify({ id: lid, created: '1970-01-01T00:00:00Z' }))],
    [`${lid}/layer.tar`, layer],
    [cfgName, config],
    ['manifest.json', Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['registry:latest'], Layers: [`${lid}/layer.tar`] }]))],
    ['repositories', Buffer.from(JSON.stringify({ registry: { latest: lid } }))],
  ]);
}


const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

describe('registry image tarball (samples/private-registry-vnf-package/Files/images/registry.tar)', () => {
  const file = join(registryPkg, 'Files', 'images', 'registry.tar');

  before(async () => {
    if (process.env.VNFLCM_WRITE_SAMPLES === '1') await writeFile(file, registryImageTar());
  });

  it('is reproduced byte for byte by the generator (VNFLCM_WRITE_SAMPLES=1 rewrites it)', async () => {
    const committed = await readFile(file);
    assert.ok(committed.equals(registryImageTar()), 'registry.tar differs from the generator output');
    assert.ok(committed.length < 16 * 1024);
  });

  it('is a docker-save archive tagged registry:latest with one layer whose diff id matches', async () => {
    const [image, ...rest] = await readDockerArchive(file);
    assert.equal(rest.length, 0);
    assert.ok(image);
    assert.deepEqual(image.repoTags, ['registry:latest']);
    assert.equal(image.layers.length, 1);
    const tarBytes = await readFile(file);
    // the config names the layer by the sha256 of its bytes (what docker load verifies)
    const config = JSON.parse(extract(tarBytes, image.config).toString('utf8')) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, [`sha256:${sha256(extract(tarBytes, image.layers[0] ?? ''))}`]);
    assert.equal(image.config, `${sha256(extract(tarBytes, image.config))}.json`);
  });

  it('lists with the system tar', (t) => {
    const r = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
    if (r.error) return t.skip('no tar on this machine');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split('\n').includes('manifest.json'));
  });

  it('readDockerArchive: gzip-compressed archives and errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vnflcm-img-'));
    temps.push(dir);
    const gz = join(dir, 'registry.tar.gz');
    await writeFile(gz, gzipSync(registryImageTar()));
    assert.deepEqual((await readDockerArchive(gz))[0]?.repoTags, ['registry:latest']);
    const bad = join(dir, 'bad.tar');
    await writeFile(bad, Buffer.alloc(2048, 1));
    await assert.rejects(readDockerArchive(bad, 'Files/images/bad.tar'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(
        err.message,
        'Invalid Docker image archive Files/images/bad.tar\n' +
          '  - Files/images/bad.tar: expected a "docker save" archive (tar, optionally gzip-compressed) with manifest.json, found not a tar archive (bad header checksum)',
      );
      return true;
    });
    const noManifest = join(dir, 'plain.tar');
    await writeFile(noManifest, tar([['hello.txt', Buffer.from('hi')]]));
    await assert.rejects(readDockerArchive(noManifest), /found no manifest.json/);
  });
});

/** Content of a member of an uncompressed ustar archive (test helper). */
function extract(archive: Buffer, name: string): Buffer {
  for (let off = 0; off + 512 <= archive.length; ) {
    const h = archive.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const n = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    if (n === name) return archive.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} not in archive`);
}

describe('Scripts/install_k8s_cluster.sh', () => {
  it('is shellcheck-clean', (t) => {
    const r = spawnSync('shellcheck', [script], { encoding: 'utf8' });
    if (r.error) return t.skip('shellcheck is not installed (apt-get install -y shellcheck)');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('parses with bash -n', () => {
    const r = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  const text = readFile(script, 'utf8');
  it('documents every input key in its header', async () => {
    const src = await text;
    const keys = /readonly KEYS=\(([^)]*)\)/.exec(src)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    assert.ok(keys.length > 20);
    const header = src.slice(0, src.indexOf('\nset -Eeuo pipefail'));
    for (const k of keys) assert.ok(new RegExp(`\\b${k}\\b`).test(header), `${k} not documented in the script header`);
  });

  // Only inputs that fail validation: the script stops before it touches the system.
  const run = (args: string[]): { status: number | null; stderr: string; stdout: string } => {
    const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    return { status: r.status, stderr: r.stderr.replace(/^\S+ install_k8s_cluster\.sh: /gm, ''), stdout: r.stdout };
  };
  for (const [name, args, message] of [
    ['no mode', [], /MODE/],
    ['bad mode', ['--mode', 'master'], /MODE/],
    ['pod CIDR with host bits', ['--mode', 'init', '--node-ip', '10.0.0.5', '--pod-cidr', '192.168.3.0/16'], /POD_CIDR/],
    ['join without token', ['--mode', 'join-worker', '--node-ip', '10.0.0.5', '--control-plane-endpoint', '10.0.0.1:6443'], /JOIN_TOKEN/],
    ['unknown option', ['--mode', 'init', '--colour', 'blue'], /COLOUR/],
    ['HA without this node', ['--mode', 'init', '--node-ip', '10.0.0.5', '--ha-vip', '10.0.0.100', '--ha-master-ips', '10.0.0.6,10.0.0.7'], /HA_MASTER_IPS/],
  ] as const) {
    it(`refuses invalid input: ${name} (exit 2, nothing on stdout)`, () => {
      const r = run([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /ERROR: /);
      assert.match(r.stderr, message);
    });
  }

  it('does not echo secret values', () => {
    const r = run(['--mode', 'init', '--node-ip', '10.0.0.5', '--https-proxy', 'http://user:s3cret@h:3128 x']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /HTTPS_PROXY/);
    assert.doesNotMatch(r.stderr, /s3cret/);
  });

  it('reads a config file literally and refuses unknown keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vnflcm-sh-'));
    temps.push(dir);
    const cfg = join(dir, 'k8s.env');
    await writeFile(cfg, '# comment\nMODE=join-worker\nNODE_IP="10.0.0.5"\nFOO=1\n');
    const r = run(['--config', cfg]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /FOO/);
    const marker = join(dir, 'pwned');
    await writeFile(cfg, `MODE=join-worker\nNODE_IP='10.0.0.5'\nNO_PROXY=$(touch ${marker})\n`);
    const r2 = run(['--config', cfg]);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /NO_PROXY/);
    assert.equal(existsSync(marker), false);
  });
});

type Hot = { parameters?: Record<string, unknown>; resources: Record<string, { type: string; properties?: Record<string, unknown> }> };

describe('BaseHOT of the kubernetes package follows the VNFD', () => {
  let pkg: VnfPackage;
  before(async () => {
    pkg = await readPackage(k8sPkg);
  });
  const load = async (rel: string): Promise<Hot> => parseYaml(await readFile(join(k8sPkg, rel), 'utf8')) as Hot;

  for (const fid of ['simple', 'complex']) {
    it(fid, async () => {
      const f = pkg.flavours[fid];
      assert.ok(f?.baseHot);
      const top = await load(f.baseHot.top);
      assert.deepEqual(top.parameters, { nfv: { type: 'json' } });
      const tv = String((parseYaml(await readFile(join(k8sPkg, f.baseHot.top), 'utf8')) as Record<string, unknown>).heat_template_version);
      assert.ok(tv >= '2013-05-23', tv);
      assert.ok(!Object.values(top.resources).some((r) => r.type === 'OS::Heat::ScalingPolicy'), 'no scaling policies');
      for (const [aspect, perVdu] of Object.entries(f.aspectDeltas)) {
        const [vduId] = Object.keys(perVdu);
        const vdu: Vdu | undefined = f.vdus[vduId ?? ''];
        assert.ok(vdu);
        const asg = top.resources[aspect];
        assert.equal(asg?.type, 'OS::Heat::AutoScalingGroup');
        const p = asg.properties as Record<string, unknown> & { resource: { type: string; properties: Record<string, unknown> } };
        assert.equal(p.min_size, vdu.minInstances);
        assert.equal(p.max_size, vdu.maxInstances);
        assert.deepEqual(p.desired_capacity, { get_param: ['nfv', 'VDU', vdu.id, 'desired_capacity'] });
        const cp: string = vdu.cps[0] ?? '';
        assert.equal(p.resource.type, `${fid}_nested_${vdu.id === 'masterNode' ? 'master' : 'worker'}.yaml`);
        assert.deepEqual(p.resource.properties.flavor, { get_param: ['nfv', 'VDU', vdu.id, 'flavor'] });
        assert.deepEqual(p.resource.properties.image, { get_param: ['nfv', 'VDU', vdu.id, 'image'] });
        assert.deepEqual(p.resource.properties.net1, { get_param: ['nfv', 'CP', cp, 'network'] });
        const nestedRel = f.baseHot.nested[p.resource.type];
        assert.ok(nestedRel);
        const nested = await load(nestedRel);
        assert.deepEqual(Object.keys(nested.resources).sort(), [vdu.id, cp].sort());
        assert.equal(nested.resources[vdu.id]?.type, 'OS::Nova::Server');
        assert.deepEqual(nested.resources[vdu.id]?.properties?.networks, [{ port: { get_resource: cp } }]);
        assert.equal(nested.resources[cp]?.type, 'OS::Neutron::Port');
        assert.deepEqual(nested.resources[cp]?.properties?.network, { get_param: 'net1' });
        for (const param of Object.keys(p.resource.properties)) assert.ok(nested.parameters && param in nested.parameters, param);
      }
      if (fid === 'complex') {
        assert.deepEqual(top.resources.vip_CP, {
          type: 'OS::Neutron::Port',
          properties: { network: { get_param: ['nfv', 'CP', 'masterNode_CP1', 'network'] } },
        });
        const master = top.resources.master_instance?.properties as { resource: { properties: Record<string, unknown> } };
        assert.deepEqual(master.resource.properties.vip_port_ip, { get_attr: ['vip_CP', 'fixed_ips', 0, 'ip_address'] });
        const nested = await load('BaseHOT/complex/nested/complex_nested_master.yaml');
        assert.deepEqual(nested.resources.masterNode_CP1?.properties?.allowed_address_pairs, [{ ip_address: { get_param: 'vip_port_ip' } }]);
      } else {
        assert.equal(top.resources.vip_CP, undefined);
      }
    });
  }
});

interface ExtVl {
  id: string;
  resourceId: string;
  extCps: { cpdId: string; cpConfig: unknown[] }[];
}

describe('param files', () => {
  const readJson = async (name: string): Promise<Record<string, unknown>> =>
    JSON.parse(await readFile(join(samples, name), 'utf8')) as Record<string, unknown>;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('private_registry_param_file.json fits the registry package', async () => {
    const pkg = await readPackage(registryPkg);
    const p = await readJson('private_registry_param_file.json');
    assert.equal(p.flavourId, 'simple');
    assert.equal(p.vimConnectionInfo, undefined);
    const f = pkg.flavours[String(p.flavourId)];
    assert.ok(f);
    const vls = p.extVirtualLinks as ExtVl[];
    assert.deepEqual(vls.flatMap((v) => v.extCps.map((c) => c.cpdId)), Object.keys(f.cps));
    for (const v of vls) assert.match(v.resourceId, UUID);
    const inst = (p.additionalParams as Record<string, Record<string, unknown>>).private_registry_installation_param;
    assert.deepEqual(inst, { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'ubuntu' });
  });

  for (const [file, fid, clusterCp] of [
    ['private_registry_kubernetes_param_file.json', 'simple', 'masterNode_CP1'],
    ['private_registry_kubernetes_complex_param_file.json', 'complex', 'vip_CP'],
  ] as const) {
    it(`${file} fits the kubernetes package (flavour ${fid})`, async () => {
      const pkg = await readPackage(k8sPkg);
      const p = await readJson(file);
      assert.equal(p.flavourId, fid);
      assert.equal(p.vimConnectionInfo, undefined);
      const f = pkg.flavours[fid];
      assert.ok(f?.baseHot);
      const k = (p.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as Record<string, unknown> & {
        master_node: Record<string, string>;
        worker_node: Record<string, string>;
        private_registry_connection_info: Record<string, string>[];
      };
      assert.ok(pkg.files.includes(String(k.script_path)));
      assert.equal(k.master_node.aspect_id, 'master_instance');
      assert.equal(k.worker_node.aspect_id, 'worker_instance');
      for (const node of [k.master_node, k.worker_node]) {
        assert.ok((node.aspect_id ?? '') in f.scalingAspects);
        assert.ok((node.ssh_cp_name ?? '') in f.cps);
        assert.ok((node.nic_cp_name ?? '') in f.cps);
        assert.ok(node.username && node.password);
      }
      assert.equal(k.master_node.cluster_cp_name, clusterCp);
      assert.equal(k.master_node.pod_cidr, '192.168.0.0/16');
      assert.deepEqual(k.private_registry_connection_info, [{ connection_type: '0', server: '192.168.246.10:5000' }]);
      // every CP the BaseHOT reads from nfv.CP is connected by an extVirtualLink
      const hot = await readFile(join(k8sPkg, f.baseHot.top), 'utf8');
      const used = [...hot.matchAll(/get_param: \[ nfv, CP, (\w+), network \]/g)].map((m) => m[1]);
      const vls = p.extVirtualLinks as ExtVl[];
      const connected = vls.flatMap((v) => v.extCps.map((c) => c.cpdId));
      for (const cp of used) assert.ok(connected.includes(cp ?? ''), `${cp} has no extVirtualLink`);
      assert.deepEqual([...connected].sort(), Object.keys(f.cps).sort());
      for (const v of vls) assert.match(v.resourceId, UUID);
    });
  }

  it('heal_vnfc_param_file.json', async () => {
    const p = await readJson('heal_vnfc_param_file.json');
    assert.deepEqual(Object.keys(p), ['vnfcInstanceId']);
    assert.ok(Array.isArray(p.vnfcInstanceId));
  });
});
