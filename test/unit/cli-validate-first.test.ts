/**
 * Validate before acting: `create --I FILE` checks FILE against the package before it creates
 * anything (same message and exit code as `validate`), and heal/scale --additional-param-file is
 * checked against the keys of the instance's own management driver.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ROOT, runCli, tempHome } from '../helpers/cli.js';

const REG = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';
const K8S = 'b1db0ce7-ebca-1fb7-95ed-4840d70a1163';

describe('create --I validates first', () => {
  const home = tempHome();
  const bad = join(home, 'bad.json');
  const env = { OS_CLOUD: '' };

  before(async () => {
    assert.equal((await runCli(['package', 'add', join(ROOT, 'samples', 'private-registry-vnf-package')], { home })).code, 0);
    writeFileSync(bad, readFileSync(join(ROOT, 'samples', 'private_registry_param_file.json'), 'utf8').replace('"ssh_password"', '"ssh_pasword"'));
  });

  const instances = async () => (await runCli(['list', '-f', 'json'], { home })).stdout;

  test('an invalid file: validate\'s message and exit code 3, no instance, no table', async () => {
    const v = await runCli(['validate', bad, '--vnfd-id', REG], { home });
    assert.equal(v.code, 3);
    assert.match(v.stderr, /^Invalid parameter file .*bad\.json: 2 problems\n(.|\n)*did you mean ssh_password\?\)\n$/);
    const c = await runCli(['create', REG, '--I', bad], { home, env });
    assert.deepEqual({ code: c.code, stdout: c.stdout, stderr: c.stderr }, { code: 3, stdout: '', stderr: v.stderr });
    assert.equal(await instances(), '[]\n');
  });

  test('a missing file: the param-file message, exit 1, nothing created', async () => {
    const c = await runCli(['create', REG, '--I', join(home, 'missing.json')], { home, env });
    assert.deepEqual([c.code, c.stdout, c.stderr], [1, '', 'Invalid input: User does not have read privileges to it\n']);
    assert.equal(await instances(), '[]\n');
  });

  test('an unknown VNFD keeps the create error', async () => {
    const c = await runCli(['create', 'nope', '--I', bad], { home, env });
    assert.deepEqual([c.code, c.stderr], [1, 'Can not find requested to NFVO,                         vnf package info: vnfdId=[nope]\n']);
    assert.equal(await instances(), '[]\n');
  });
});

describe("heal/scale --additional-param-file: the instance's driver decides the keys", () => {
  const home = tempHome();
  const k8sKeys = join(home, 'k8s.json');
  const all = join(home, 'all.json');
  let reg = '';
  let k8s = '';

  before(async () => {
    for (const p of ['private-registry-vnf-package', 'kubernetes-cluster-vnf-package']) {
      assert.equal((await runCli(['package', 'add', join(ROOT, 'samples', p)], { home })).code, 0);
    }
    reg = (await runCli(['create', REG, '-f', 'value', '-c', 'ID'], { home })).stdout.trim();
    k8s = (await runCli(['create', K8S, '-f', 'value', '-c', 'ID'], { home })).stdout.trim();
    writeFileSync(k8sKeys, JSON.stringify({ additionalParams: { master_node_username: 'u', master_node_password: 'p' } }));
    writeFileSync(all, JSON.stringify({ additionalParams: { all: true } }));
  });

  const ops = async () => (await runCli(['op', 'list', '-f', 'json'], { home })).stdout;

  test('the Kubernetes driver\'s keys are refused for a registry VNF (scale and heal), exit 3, nothing run', async () => {
    const s = await runCli(['scale', reg, '--type', 'SCALE_OUT', '--aspect-id', 'a', '--additional-param-file', k8sKeys], { home });
    assert.deepEqual({ code: s.code, stdout: s.stdout, stderr: s.stderr }, {
      code: 3,
      stdout: '',
      stderr: [
        `Invalid parameter file ${k8sKeys}: 2 problems`,
        '  - additionalParams.master_node_username: expected no key here, found unknown key "master_node_username"',
        '  - additionalParams.master_node_password: expected no key here, found unknown key "master_node_password"',
        '',
      ].join('\n'),
    });
    const h = await runCli(['heal', reg, '--additional-param-file', k8sKeys], { home });
    assert.equal(h.code, 3);
    assert.match(h.stderr, /additionalParams\.master_node_username: expected a known key \(all\), found unknown key "master_node_username"/);
    assert.equal(await ops(), '[]\n');
  });

  test('the same file passes for a Kubernetes VNF (the operation then reports the instance state)', async () => {
    const s = await runCli(['scale', k8s, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance', '--additional-param-file', k8sKeys], { home });
    assert.deepEqual([s.code, s.stderr], [1, `Vnf instance ${k8s} in instantiation_state NOT_INSTANTIATED. Cannot scale while the vnf instance is in this state.\n`]);
    const h = await runCli(['heal', reg, '--additional-param-file', all], { home });
    assert.deepEqual([h.code, h.stderr], [1, `Vnf instance ${reg} in instantiation_state NOT_INSTANTIATED. Cannot heal while the vnf instance is in this state.\n`]);
  });

  test('an unknown instance: the file is checked as before, then the instance is not found', async () => {
    const s = await runCli(['scale', 'nope', '--type', 'SCALE_OUT', '--aspect-id', 'a', '--additional-param-file', k8sKeys], { home });
    assert.deepEqual([s.code, s.stderr], [1, 'Can not find requested vnf instance: nope\n']);
  });
});
