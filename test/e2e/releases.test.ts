/**
 * Every Ubuntu release the drivers support, through the CLI on the real OpenStack of test/env: the
 * package's VDUs name the Glance image of that release (env.sh up uploads 20.04, 22.04 and 24.04),
 * and nova-sync boots each server's stand-in as that release (os-release, apt sources layout, the
 * package versions of its archive, cgroup v2 from 22.04 on). The registry VNF runs on all three,
 * the Kubernetes VNF (simple flavour, both registry fixtures) on 22.04 and 24.04.
 *
 *   flock -o /tmp/vnflcm-e2e.lock node --import tsx --test --test-concurrency=1 test/e2e/releases.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ENV_SH, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { K8S_PKG, REGISTRY_PKG, SAMPLES, replaceVnfdId } from '../helpers/packages.js';

const RELEASES = { '20.04': 'focal', '22.04': 'jammy', '24.04': 'noble' } as const;
type Release = keyof typeof RELEASES;
const SAMPLE_IMAGE = 'ubuntu-20.04-server-cloudimg-amd64';
const IMAGE = 'testbed/hello:latest';

interface Vnfc {
  id: string;
  vduId: string;
  vnfcCpInfo: Array<{ cpProtocolInfo: Array<{ ipOverEthernet?: { ipAddresses: Array<{ addresses: string[] }> } }> }>;
}

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

function vmRun(vm: string, argv: string[]): string {
  const r = envSh(['vm', 'exec', vm, '--', ...argv]);
  assert.equal(r.code, 0, `${vm}: ${argv.join(' ')}:\n${r.out}`);
  return r.out;
}

const ipOf = (v: Vnfc): string => v.vnfcCpInfo[0]?.cpProtocolInfo[0]?.ipOverEthernet?.ipAddresses[0]?.addresses[0] ?? '';

/** A copy of a sample package whose VDUs boot from `image` (the release's Glance image), with its own VNFD id. */
function packageFor(src: string, work: string, release: Release, image: string): { dir: string; vnfd: string } {
  const dir = join(work, `${src.split('/').pop() ?? 'pkg'}-${release}`);
  cpSync(src, dir, { recursive: true });
  const vnfd = randomUUID();
  replaceVnfdId(dir, '', vnfd);
  const defs = join(dir, 'Definitions');
  for (const f of readdirSync(defs).filter((n) => n.endsWith('.yaml'))) {
    const text = readFileSync(join(defs, f), 'utf8');
    if (!text.includes(SAMPLE_IMAGE)) continue;
    writeFileSync(join(defs, f), text.replaceAll(`name: ${SAMPLE_IMAGE}`, `name: ${image}`).replaceAll("version: '20.04'", `version: '${release}'`));
  }
  return { dir, vnfd };
}

/** The stand-in is the release: os-release, apt sources layout, cgroup version. */
function assertIsRelease(vm: string, release: Release): void {
  const osr = vmRun(vm, ['cat', '/etc/os-release']);
  assert.match(osr, new RegExp(`^VERSION_ID="${release}"$`, 'm'), `${vm} os-release`);
  assert.match(osr, new RegExp(`^VERSION_CODENAME=${RELEASES[release]}$`, 'm'));
  assert.match(osr, new RegExp(`^PRETTY_NAME="Ubuntu ${release.replace('.', '\\.')}\\.\\d+ LTS"$`, 'm'));
  const deb822 = envSh(['vm', 'exec', vm, '--', 'cat', '/etc/apt/sources.list.d/ubuntu.sources']);
  if (release === '24.04') {
    assert.equal(deb822.code, 0, `${vm}: 24.04 lists the archive in deb822 ubuntu.sources`);
    assert.match(deb822.out, /^Suites: noble noble-updates noble-backports$/m);
  } else {
    assert.notEqual(deb822.code, 0, `${vm}: ${release} has no ubuntu.sources`);
    assert.match(vmRun(vm, ['cat', '/etc/apt/sources.list']), new RegExp(`^deb \\S+ ${RELEASES[release]}-updates `, 'm'));
  }
  const fs = vmRun(vm, ['stat', '-f', '-c', '%T', '/sys/fs/cgroup']).trim();
  assert.equal(fs === 'cgroup2fs', release !== '20.04', `${vm}: /sys/fs/cgroup is ${fs}`);
}

/** PKG is installed from the release's own archive (<codename>-updates). */
function assertInstalledFromRelease(vm: string, pkg: string, release: Release): void {
  const policy = vmRun(vm, ['apt-cache', 'policy', pkg]);
  const installed = /Installed: (\S+)/.exec(policy)?.[1];
  const candidate = /Candidate: (\S+)/.exec(policy)?.[1];
  assert.ok(installed && installed !== '(none)', `${vm}: ${pkg} installed:\n${policy}`);
  assert.equal(installed, candidate, `${vm}: ${pkg} is the candidate of the archive`);
  assert.match(policy, new RegExp(` ${RELEASES[release]}-updates/`), `${vm}: ${pkg} comes from ${RELEASES[release]}-updates`);
}

describe('the drivers on every supported Ubuntu release', { timeout: 40 * 60_000 }, () => {
  let facts: EnvFacts & { images?: Array<{ release: string; name: string }> };
  let env: NodeJS.ProcessEnv;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-rel-'));
  const created: string[] = [];

  const cli = (args: string[]): Promise<CliResult> => runCli(args, { home, env, timeoutMs: 1_200_000 });
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await cli(args);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r;
  };
  const imageOf = (release: Release): string => facts.images?.find((i) => i.release === release)?.name ?? `ubuntu-${release}-server-cloudimg-amd64`;
  const vnfcs = async (id: string): Promise<Vnfc[]> =>
    (JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiated Vnf Info'])).stdout) as { 'Instantiated Vnf Info': { vnfcResourceInfo: Vnfc[] } })[
      'Instantiated Vnf Info'
    ].vnfcResourceInfo;
  const instantiate = async (vnfd: string, name: string, params: Record<string, unknown>): Promise<string> => {
    const id = (await ok(['create', vnfd, '--name', name, '-f', 'value', '-c', 'ID'])).stdout.trim();
    created.push(id);
    for (const vl of params.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify(params, null, 2));
    await ok(['instantiate', id, file, '-q']);
    return id;
  };
  const terminate = async (id: string): Promise<void> => {
    await ok(['terminate', id, '--D', '-q']);
    created.splice(created.indexOf(id), 1);
  };

  before(() => {
    facts = ensureEnv();
    env = cloudEnv(facts);
  });

  after(async () => {
    for (const id of [...created].reverse()) await cli(['terminate', id, '--D', '-q']);
  });

  for (const release of Object.keys(RELEASES) as Release[]) {
    test(`registry VNF on Ubuntu ${release}`, async () => {
      const pkg = packageFor(REGISTRY_PKG, work, release, imageOf(release));
      await ok(['package', 'add', pkg.dir]);
      const params = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_param_file.json'));
      ((params.additionalParams as Record<string, Record<string, unknown>>).private_registry_installation_param as Record<string, unknown>).image_path =
        'Files/images/registry.tar';
      const id = await instantiate(pkg.vnfd, `registry-${release}`, params);
      const [vnfc] = await vnfcs(id);
      assert.ok(vnfc);
      const vm = vmAt(ipOf(vnfc));
      assertIsRelease(vm, release);
      assertInstalledFromRelease(vm, 'docker.io', release);
      const meta = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'metadata'])).stdout) as { metadata: { private_registry: { endpoint: string } } };
      const r = await fetch(`http://${meta.metadata.private_registry.endpoint}/v2/`, { signal: AbortSignal.timeout(5000) });
      assert.equal(r.status, 200, 'the registry answers');
      await terminate(id);
    });
  }

  for (const release of ['22.04', '24.04'] as const) {
    test(`Kubernetes VNF on Ubuntu ${release}: every node pulls from both registries`, async () => {
      const pkg = packageFor(K8S_PKG, work, release, imageOf(release));
      mkdirSync(join(pkg.dir, 'Files', 'certs'), { recursive: true });
      cpSync(facts.registries.https.ca_file ?? '', join(pkg.dir, 'Files', 'certs', 'registry-ca.crt'));
      mkdirSync(join(pkg.dir, 'Files', 'cni'), { recursive: true });
      writeFileSync(join(pkg.dir, 'Files', 'cni', 'cni.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-cni\n  namespace: kube-system\n');
      writeFileSync(join(pkg.dir, 'Scripts', 'install_k8s_cluster.conf'), 'CNI_MANIFEST=Files/cni/cni.yaml\n');
      await ok(['package', 'add', pkg.dir]);
      const params = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_kubernetes_param_file.json'));
      const k = (params.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as Record<string, unknown>;
      const { http, https } = facts.registries;
      k.vim_name = `kubernetes_vim_${release.replace('.', '')}`;
      k.private_registry_connection_info = [
        { connection_type: '0', server: http.server },
        {
          connection_type: '1',
          server: https.server,
          username: https.username,
          password: https.password,
          certificate_path: 'Files/certs/registry-ca.crt',
          hosts_string: https.hosts_line,
        },
      ];
      const id = await instantiate(pkg.vnfd, `cluster-${release}`, params);
      const nodes = await vnfcs(id);
      assert.ok(nodes.some((v) => v.vduId === 'masterNode') && nodes.some((v) => v.vduId === 'workerNode'));
      for (const v of nodes) {
        const vm = vmAt(ipOf(v));
        assertIsRelease(vm, release);
        assertInstalledFromRelease(vm, 'containerd', release);
        for (const server of [http.server, https.server]) {
          const r = envSh(['verify-pull', vm, server, IMAGE]);
          assert.equal(r.code, 0, `${v.vduId} ${vm} (Ubuntu ${release}) pulls ${server}/${IMAGE}:\n${r.out}`);
        }
      }
      await terminate(id);
    });
  }
});
