/**
 * `vnflcm params init` at a real terminal (a pseudo-terminal): typed answers, rejected answers
 * asked again with the reason, the masked preview, and a file that `vnflcm validate` accepts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempHome } from '../helpers/cli.js';
import { K8S_PKG, K8S_VNFD, REGISTRY_PKG, REGISTRY_VNFD } from '../helpers/packages.js';
import { KEY, PtySession } from '../helpers/pty.js';

/** An environment without any cloud credentials (the network is typed). */
function noCloudEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_') && !k.startsWith('VNFLCM_')) env[k] = v;
  return { ...env, VNFLCM_HOME: home, HOME: home, XDG_CONFIG_HOME: join(home, 'xdg'), XDG_CONFIG_DIRS: join(home, 'xdg-dirs'), NO_COLOR: '1', TERM: 'xterm' };
}

describe('vnflcm params init on a terminal', () => {
  const home = tempHome();
  const dir = mkdtempSync(join(tmpdir(), 'vnflcm-pty-'));
  const sessions: PtySession[] = [];
  before(async () => {
    for (const pkg of [REGISTRY_PKG, K8S_PKG]) assert.equal((await runCli(['package', 'add', pkg], { home })).code, 0);
  });
  after(() => sessions.forEach((s) => s.kill()));

  test('registry VNF: an empty network and an empty SSH password are asked again, the file validates', async () => {
    const out = join(dir, 'reg.json');
    const t = new PtySession(['params', 'init', REGISTRY_VNFD, '-o', out], { env: noCloudEnv(home), cwd: dir });
    sessions.push(t);
    await t.expect('No cloud credentials');
    await t.expect('Network for CP1 of PrivateRegistryVDU');
    t.line('');
    await t.expect('expected a network id (Neutron network UUID) (it must not be empty)');
    t.line('net0');
    await t.expect('CP used for SSH to the registry VM');
    t.type(KEY.enter);
    await t.expect('SSH user');
    t.type(KEY.enter); // the default, ubuntu
    await t.expect('SSH password');
    t.line('');
    await t.expect('expected an SSH password (it must not be empty)');
    t.line('s3cret;$(x)');
    await t.expect('Registry image');
    await t.expect('Files/images/');
    t.type(KEY.down + KEY.enter);
    await t.expect('Registry port');
    t.line('5443');
    await t.expect('Do the VMs need an HTTP proxy');
    t.line('n');
    const shown = await t.expect(`Write ${out}?`);
    assert.match(shown, /"ssh_password": "\*+"/);
    t.type(KEY.enter);
    await t.expect('written (mode 0600');
    assert.equal(await t.exitCode(), 0);
    assert.ok(!t.screen.includes('s3cret'), 'the password is never shown');

    assert.equal(statSync(out).mode & 0o777, 0o600);
    const body = JSON.parse(readFileSync(out, 'utf8')) as { extVirtualLinks: Array<{ resourceId: string }>; additionalParams: { private_registry_installation_param: Record<string, unknown> } };
    assert.equal(body.extVirtualLinks[0]?.resourceId, 'net0');
    assert.deepEqual(body.additionalParams.private_registry_installation_param, {
      ssh_cp_name: 'CP1',
      ssh_username: 'ubuntu',
      ssh_password: 's3cret;$(x)',
      image_path: (body.additionalParams.private_registry_installation_param.image_path as string) ?? 'missing',
      port_no: 5443,
    });
    assert.match(String(body.additionalParams.private_registry_installation_param.image_path), /^Files\/images\/.+\.(tar|tar\.gz|tgz)$/);
    const v = await runCli(['validate', out, '--vnfd-id', REGISTRY_VNFD], { home });
    assert.equal(v.code, 0, v.stderr);
  });

  test('kubernetes VNF with flags and env secrets: a bad CIDR is asked again, a whole-file problem goes back to its answer', async () => {
    const out = join(dir, 'k8s.json');
    const env = { ...noCloudEnv(home), VNFLCM_MASTER_PASSWORD: 'm-pw', VNFLCM_WORKER_PASSWORD: 'w-pw' };
    const t = new PtySession(['params', 'init', K8S_VNFD, '-o', out, '--flavour', 'simple', '--instantiation-level', 'instantiation_level_1', '--network', 'net0'], { env, cwd: dir });
    sessions.push(t);
    await t.expect('? SSH user on the masters');
    t.type(KEY.enter);
    await t.expect('? Pod network CIDR');
    const bad = '10.0.0.0/33';
    t.line(bad);
    await t.expect(/expected a pod network CIDR such as 192\.168\.0\.0\/16/);
    t.line(`${'\x7f'.repeat(bad.length)}172.16.0.0/16`);
    await t.expect('? Service network CIDR');
    t.type(KEY.enter);
    await t.expect('? SSH user on the workers');
    t.type(KEY.enter);
    await t.expect('? Name of the Kubernetes VIM');
    t.type(KEY.enter);
    await t.expect('? Container runtime');
    t.type(KEY.enter);
    await t.expect('? Do the VMs need an HTTP proxy');
    t.line('y');
    await t.expect('? http_proxy URL');
    t.line('http://proxy.example.com:3128');
    await t.expect('? https_proxy URL');
    t.type(KEY.enter);
    await t.expect('? no_proxy');
    t.type(KEY.enter);
    await t.expect('? k8s_node_cidr');
    t.line('172.16.5.0/24'); // a valid CIDR that overlaps the pod network: only the whole file shows it
    await t.expect('? Connect the cluster to a private registry?');
    t.line('n');
    await t.expect('Not accepted: additionalParams.k8s_cluster_installation_param.proxy.k8s_node_cidr: expected a node network CIDR that does not overlap');
    await t.expect('? k8s_node_cidr');
    t.line('10.250.0.0/24');
    await t.expect(`Write ${out}?`);
    t.type(KEY.enter);
    await t.expect('written (mode 0600');
    assert.equal(await t.exitCode(), 0);

    const body = JSON.parse(readFileSync(out, 'utf8')) as { additionalParams: { k8s_cluster_installation_param: { master_node: Record<string, unknown>; proxy: Record<string, unknown> } } };
    const k = body.additionalParams.k8s_cluster_installation_param;
    assert.equal(k.master_node.pod_cidr, '172.16.0.0/16');
    assert.equal(k.master_node.password, 'm-pw');
    assert.deepEqual(k.proxy, { http_proxy: 'http://proxy.example.com:3128', https_proxy: 'http://proxy.example.com:3128', k8s_node_cidr: '10.250.0.0/24' });
    const v = await runCli(['validate', out, '--vnfd-id', K8S_VNFD], { home });
    assert.equal(v.code, 0, v.stderr);
  });
});
