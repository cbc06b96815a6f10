import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readPackage } from '../../src/lib/package/reader.js';
import { validateInstantiateRequest } from '../../src/lib/params/validate.js';
import { paramWizard, type Choice, type Prompter } from '../../src/lib/params/wizard.js';
import { K8S_PKG, REGISTRY_PKG } from '../helpers/packages.js';
import { runCli, tempHome } from '../helpers/cli.js';

/** Answers questions in order; each answer names a fragment of the question it is meant for. */
function scripted(answers: Array<[string, string | boolean]>): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const next = (message: string): string | boolean => {
    asked.push(message);
    const a = answers.shift();
    if (!a) throw new Error(`no answer left for: ${message}`);
    assert.ok(message.includes(a[0]), `question "${message}" was answered with the answer for "${a[0]}"`);
    return a[1];
  };
  return {
    asked,
    select: async (m: string, choices: Choice[]) => {
      const v = String(next(m));
      assert.ok(choices.some((c) => c.value === v), `${v} is one of the choices of "${m}"`);
      return v;
    },
    input: async (m, o) => {
      const v = String(next(m));
      if (o?.validate) assert.equal(o.validate(v), true, `answer ${v} to "${m}" passes its validation`);
      return v;
    },
    password: async (m) => String(next(m)),
    confirm: async (m) => Boolean(next(m)),
  };
}

describe('params init wizard', () => {
  test('registry package: a request that validates against the package', async () => {
    const pkg = await readPackage(REGISTRY_PKG);
    const p = scripted([
      ['Network', 'vnf-net'],
      ['CP used for SSH', 'CP1'],
      ['SSH user', 'ubuntu'],
      ['SSH password', 's3cret;$(x)'],
      ['Registry image', 'Files/images/registry.tar'],
      ['Registry port', '5443'],
      ['proxy', false],
    ]);
    const body = await paramWizard(pkg, p);
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
    assert.deepEqual((body.additionalParams as Record<string, unknown>).private_registry_installation_param, {
      ssh_cp_name: 'CP1',
      ssh_username: 'ubuntu',
      ssh_password: 's3cret;$(x)',
      image_path: 'Files/images/registry.tar',
      port_no: 5443,
    });
  });

  test('kubernetes package, complex flavour with a registry and a proxy', async () => {
    const pkg = await readPackage(K8S_PKG);
    const p = scripted([
      ['Deployment flavour', 'complex'],
      ['Instantiation level', 'instantiation_level_1'],
      ['masterNode_CP1', 'vnf-net'],
      ['workerNode_CP2', 'vnf-net'],
      ['SSH user on the masters', 'ubuntu'],
      ['SSH password on the masters', 'pw'],
      ['Pod network CIDR', '192.168.0.0/16'],
      ['Service CIDR', '10.96.0.0/12'],
      ['SSH user on the workers', 'ubuntu'],
      ['SSH password on the workers', 'pw'],
      ['VIM', 'kubernetes_vim'],
      ['Container runtime', 'containerd'],
      ['proxy', true],
      ['http_proxy', 'http://proxy.example.com:3128'],
      ['https_proxy', 'http://proxy.example.com:3128'],
      ['no_proxy', '10.0.0.0/8,.example.com'],
      ['k8s_node_cidr', '10.250.0.0/24'],
      ['Connect the cluster', true],
      ['Connection type', '0'],
      ['Server', 'vnf:4c1c2f5e-6c1b-4bd6-9a0a-0d2e7d1c9a11'],
      ['Username', ''],
      ['/etc/hosts', ''],
      ['Add another', false],
    ]);
    const body = await paramWizard(pkg, p);
    assert.deepEqual(validateInstantiateRequest(body, pkg).problems, []);
    const k = (body.additionalParams as Record<string, Record<string, Record<string, unknown>>>).k8s_cluster_installation_param;
    assert.equal(k?.master_node?.cluster_cp_name, 'vip_CP');
    assert.deepEqual(k?.private_registry_connection_info, [{ connection_type: '0', server: 'vnf:4c1c2f5e-6c1b-4bd6-9a0a-0d2e7d1c9a11' }]);
  });

  test('without a terminal the command refuses with a usage error', async () => {
    const r = await runCli(['params', 'init', 'x', '-o', '/tmp/never.json'], { home: tempHome() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a terminal/);
  });
});
