// The Kubernetes driver's plan as data (plan.ts: which steps for which node in install /
// scale-out / heal / scale-in) and its steps on a node (node-steps.ts) against an in-memory node:
// a second run with unchanged inputs skips every step and restarts no runtime; a changed input
// re-applies only its own step; the containerd generation follows `containerd --version`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Command, RunOptions, RunResult, WriteFileOptions } from '../../src/lib/remote/host.js';
import { runPlans, runSteps } from '../../src/lib/remote/steps.js';
import type { JoinInfo } from '../../src/lib/mgmt/kubernetes/install.js';
import { nodeSteps, type NodeEnv, type NodeHost } from '../../src/lib/mgmt/kubernetes/node-steps.js';
import { planNode, planOperation, type PlanInput } from '../../src/lib/mgmt/kubernetes/plan.js';
import type { RegistrySpec } from '../../src/lib/mgmt/kubernetes/registries.js';
import { renderHostsBlock } from '../../src/lib/mgmt/kubernetes/hosts.js';
import { instantiateVnfRequestSchema } from '../../src/lib/params/schema.js';
import { parse as parseToml } from 'smol-toml';

const input: PlanInput = {
  runtime: 'containerd',
  registries: [
    { server: '10.0.0.20:5000', secure: false, ca: false, auth: false },
    { server: 'reg.example', secure: true, ca: true, auth: true },
  ],
  cniFile: false,
};
const shape = { masters: [{ name: 'm1' }, { name: 'm2' }], workers: [{ name: 'w1' }, { name: 'w2' }] };
const names = (p: { steps: { name: string }[] }): string[] => p.steps.map((s) => s.name);

const FULL_JOIN = [
  'hosts-block',
  'runtime-packages',
  'containerd-config',
  'registry-hosts/10.0.0.20:5000',
  'registry-hosts/reg.example',
  'registry-ca/reg.example',
  'kubelet-credentials',
  'runtime-restart',
  'kubeadm-join',
  'registry-check/10.0.0.20:5000',
  'registry-check/reg.example',
];

describe('plan: which steps for which node', () => {
  it('install: the main master initialises, every other node joins; all get every registry step', () => {
    const plans = planOperation('install', shape, new Set(), input);
    assert.deepEqual(plans.map((p) => [p.node, p.work]), [['m1', 'init'], ['m2', 'join'], ['w1', 'join'], ['w2', 'join']]);
    assert.deepEqual(names(plans[0] as never), FULL_JOIN.map((n) => (n === 'kubeadm-join' ? 'kubeadm-init' : n)));
    for (const p of plans.slice(1)) assert.deepEqual(names(p), FULL_JOIN);
  });

  it('docker runtime: daemon.json before the restart, docker login per registry with credentials after it', () => {
    const steps = planNode({ name: 'w1', role: 'worker', work: 'join' }, { ...input, runtime: 'docker' }).map((s) => s.name);
    assert.deepEqual(steps.slice(6, 10), ['kubelet-credentials', 'docker-daemon', 'runtime-restart', 'docker-login/reg.example']);
  });

  it('the package CNI manifest goes to the main master only, before kubeadm init', () => {
    const plans = planOperation('install', shape, new Set(), { ...input, cniFile: true });
    assert.deepEqual(names(plans[0] as never).slice(0, 3), ['hosts-block', 'runtime-packages', 'cni-manifest']);
    assert.ok(!plans.slice(1).some((p) => names(p).includes('cni-manifest')));
  });

  it('scale-out: new workers get everything; existing nodes only the hosts block', () => {
    const plans = planOperation('scale-out', shape, new Set(['w2']), input, { ha: true });
    assert.deepEqual(plans.map((p) => [p.node, p.work]), [['m1', 'refresh'], ['m2', 'refresh'], ['w1', 'refresh'], ['w2', 'join']]);
    assert.deepEqual(names(plans[3] as never), FULL_JOIN);
    for (const p of plans.slice(0, 3)) assert.deepEqual(names(p), ['hosts-block']);
  });

  it('scale-out of a master with a VIP: the existing masters also re-render haproxy/keepalived', () => {
    const plans = planOperation('scale-out', { ...shape, masters: [...shape.masters, { name: 'm3' }] }, new Set(['m3']), input, { ha: true });
    assert.deepEqual(plans.map((p) => [p.node, p.work]), [['m1', 'refresh-ha'], ['m2', 'refresh-ha'], ['m3', 'join'], ['w1', 'refresh'], ['w2', 'refresh']]);
    assert.deepEqual(names(plans[0] as never), ['hosts-block', 'ha-config']);
  });

  it('heal: the replaced node loses its stale node object first, then gets every step', () => {
    const plans = planOperation('heal', shape, new Set(['w1']), input);
    const w1 = plans.find((p) => p.node === 'w1');
    assert.deepEqual(names(w1 as never), ['stale-node', ...FULL_JOIN]);
    assert.ok(plans.filter((p) => p.node !== 'w1').every((p) => p.work === 'refresh'));
  });

  it('scale-in: the removed nodes have no plan; the remaining ones get the hosts block', () => {
    const plans = planOperation('scale-in', shape, new Set(['w1']), input);
    assert.deepEqual(plans.map((p) => p.node), ['m1', 'm2', 'w2']);
    assert.ok(plans.every((p) => names(p).join() === 'hosts-block'));
  });
});

// ------------------------------------------------------------------------------------ steps on a node

/** An in-memory node: files with mode/owner, a containerd version, a record of commands. */
class FakeNode implements NodeHost {
  readonly target = 'ubuntu@fake:22';
  readonly files = new Map<string, { content: Buffer; stat: string }>();
  readonly commands: string[][] = [];
  constructor(public containerd = 'containerd github.com/containerd/containerd 1.6.12-0ubuntu1~20.04.3') {
    this.files.set('/etc/hosts', { content: Buffer.from('127.0.0.1 localhost\n'), stat: '644 root root' });
  }
  async run(command: Command, opts?: RunOptions): Promise<RunResult> {
    const argv = Array.isArray(command) ? [...(command as readonly string[])] : ['<script>'];
    this.commands.push(argv);
    const ok = (stdout = ''): RunResult => ({ code: 0, signal: null, stdout, stderr: '' });
    const fail = (code: number): RunResult => ({ code, signal: null, stdout: '', stderr: '' });
    if (argv[0] === 'sh' && argv[1] === '-c') {
      const f = this.files.get(argv[4] as string);
      return f ? ok(`${createHash('sha256').update(f.content).digest('hex')}\n${f.stat}\n`) : fail(3);
    }
    if (argv[0] === 'cat') {
      const f = this.files.get(argv[2] as string);
      return f ? ok(f.content.toString('utf8')) : fail(1);
    }
    if (argv[0] === 'containerd') return ok(`${this.containerd}\n`);
    if (argv[0] === 'test') return this.files.has(argv[2] as string) ? ok() : fail(1);
    if (argv[0] === 'systemctl') return ok(argv[1] === 'is-active' ? 'active\n' : '');
    if (argv[0] === 'docker' && argv[1] === 'login') {
      // as docker does: the credentials land in root's config.json
      const auth = Buffer.from(`${argv[4]}:${String(opts?.stdin)}`).toString('base64');
      this.files.set('/root/.docker/config.json', { content: Buffer.from(JSON.stringify({ auths: { [argv[2] as string]: { auth } } })), stat: '600 root root' });
    }
    return ok();
  }
  async runChecked(command: Command, opts?: RunOptions): Promise<RunResult> {
    const r = await this.run(command, opts);
    if (r.code !== 0) throw new Error(`command failed: ${String(command)}`);
    return r;
  }
  async writeFile(path: string, content: string | Buffer, opts: WriteFileOptions): Promise<void> {
    this.commands.push(['write', path]);
    this.files.set(path, { content: Buffer.isBuffer(content) ? content : Buffer.from(content), stat: `${opts.mode.toString(8)} ${opts.owner} ${opts.group}` });
  }
  get restarts(): string[][] {
    return this.commands.filter((c) => c[0] === 'systemctl' && c[1] === 'restart');
  }
}

const regs: RegistrySpec[] = [
  { server: '10.0.0.20:5000', secure: false, configured: '10.0.0.20:5000' },
  { server: 'reg.example', secure: true, username: 'alice', password: 's3cret', caFile: '/pkg/ca.crt', configured: 'reg.example' },
];
const JOIN: JoinInfo = { apiServer: 'https://10.0.0.1:6443', token: 'abcdef.0123456789abcdef', caCertHash: 'sha256:00', certificateKey: '11' };

function env(node: FakeNode, over: Partial<NodeEnv<FakeNode>> = {}): NodeEnv<FakeNode> & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    node: 'w1',
    instanceId: 'inst-1',
    hostsBlock: renderHostsBlock('inst-1', ['10.0.0.1 m1', '10.0.0.2 w1']),
    runtime: 'containerd',
    sandboxImage: 'registry.k8s.io/pause:3.10',
    registries: regs,
    ca: async () => Buffer.from('-----BEGIN CERTIFICATE-----\n'),
    prepare: async () => {
      scripts.push('prepare');
      return 'prepared';
    },
    init: async () => 'installed',
    join: async (h) => {
      scripts.push('join');
      h.files.set('/etc/kubernetes/kubelet.conf', { content: Buffer.from('x'), stat: '600 root root' });
      return 'installed';
    },
    haConfig: async () => 'configured',
    joinData: async () => JOIN,
    master: false,
    checkRegistry: async () => undefined,
    sleep: async () => undefined,
    ...over,
  };
}

const planned = planNode({ name: 'w1', role: 'worker', work: 'join' }, input);

describe('node steps: check, apply, skip', () => {
  it('a fresh node: every step applies once, one containerd restart; the same inputs again: every step skipped, no restart', async () => {
    const node = new FakeNode();
    const e = env(node);
    const first = await runSteps(node, nodeSteps(planned, e));
    assert.deepEqual(first.map((r) => [r.name, r.status]).filter(([n, s]) => s !== 'done' && !n?.startsWith('registry-check/')), [], 'all applied on a fresh node');
    assert.deepEqual(node.restarts, [['systemctl', 'restart', 'containerd']]);
    assert.deepEqual(e.scripts, ['prepare', 'join']);
    assert.equal(node.files.get('/var/lib/kubelet/config.json')?.stat, '600 root root');
    assert.match(node.files.get('/etc/containerd/config.toml')?.content.toString() ?? '', /^version = 2$/m);
    assert.match(node.files.get('/etc/hosts')?.content.toString() ?? '', /^127\.0\.0\.1 localhost\n# BEGIN vnflcm inst-1\n10\.0\.0\.1 m1\n10\.0\.0\.2 w1\n# END vnflcm inst-1\n$/);

    node.commands.length = 0;
    const e2 = env(node);
    const second = await runSteps(node, nodeSteps(planned, e2));
    assert.deepEqual(second.map((r) => [r.name, r.status]).filter(([, s]) => s !== 'skipped'), [], 'every step skipped');
    assert.deepEqual(node.restarts, [], 'no restart');
    assert.deepEqual(node.commands.filter((c) => c[0] === 'write'), [], 'nothing written');
    assert.deepEqual(e2.scripts, [], 'no install script run');
  });

  it('a changed input re-applies only its step; hosts.toml and CA changes restart nothing', async () => {
    const node = new FakeNode();
    await runSteps(node, nodeSteps(planned, env(node)));
    node.files.delete('/etc/containerd/certs.d/reg.example/ca.crt');
    node.commands.length = 0;
    const again = await runSteps(node, nodeSteps(planned, env(node, { hostsBlock: renderHostsBlock('inst-1', ['10.0.0.1 m1', '10.0.0.2 w1', '10.0.0.3 w2']) })));
    assert.deepEqual(again.filter((r) => r.status === 'done').map((r) => r.name), ['hosts-block', 'registry-ca/reg.example']);
    assert.deepEqual(node.restarts, []);
  });

  it('a file with the right bytes but the wrong mode is rewritten (kubelet credentials stay 0600)', async () => {
    const node = new FakeNode();
    await runSteps(node, nodeSteps(planned, env(node)));
    const f = node.files.get('/var/lib/kubelet/config.json');
    node.files.set('/var/lib/kubelet/config.json', { content: f?.content ?? Buffer.alloc(0), stat: '644 root root' });
    const again = await runSteps(node, nodeSteps(planned, env(node)));
    assert.deepEqual(again.filter((r) => r.status === 'done').map((r) => r.name), ['kubelet-credentials']);
    assert.equal(node.files.get('/var/lib/kubelet/config.json')?.stat, '600 root root');
  });

  it('containerd 2.x gets a version 3 config', async () => {
    const node = new FakeNode('containerd github.com/containerd/containerd/v2 v2.0.4 1a43cb6');
    await runSteps(node, nodeSteps(planned, env(node)));
    const cfg = node.files.get('/etc/containerd/config.toml')?.content.toString() ?? '';
    assert.match(cfg, /^version = 3$/m);
    const toml = parseToml(cfg) as { plugins: Record<string, { registry?: { config_path?: string }; config_path?: unknown }> };
    assert.equal(toml.plugins['io.containerd.cri.v1.images']?.registry?.config_path, '/etc/containerd/certs.d');
  });

  it('docker runtime: daemon.json restarts docker once; login with the password on stdin only, skipped once logged in', async () => {
    const node = new FakeNode();
    const dockerPlan = planNode({ name: 'w1', role: 'worker', work: 'join' }, { ...input, runtime: 'docker' });
    await runSteps(node, nodeSteps(dockerPlan, env(node, { runtime: 'docker' })));
    assert.deepEqual(node.restarts, [['systemctl', 'restart', 'containerd'], ['systemctl', 'restart', 'docker']]);
    const login = node.commands.find((c) => c[0] === 'docker' && c[1] === 'login');
    assert.deepEqual(login, ['docker', 'login', 'reg.example', '--username', 'alice', '--password-stdin']);
    assert.ok(!node.commands.some((c) => c.includes('s3cret')), 'no password in any argv');
    assert.ok(node.files.has('/etc/docker/certs.d/reg.example/ca.crt'));
  });

  it('a failing registry check fails its step with the check\'s error', async () => {
    const node = new FakeNode();
    const steps = nodeSteps(planned, env(node, { checkRegistry: async (_h, r) => { if (r.server === 'reg.example') throw new Error('no CA for reg.example'); } }));
    await assert.rejects(() => runSteps(node, steps), (err: Error & { reports?: { name: string; status: string }[] }) => {
      assert.match(err.message, /no CA for reg\.example/);
      assert.deepEqual(err.reports?.slice(-2).map((r) => [r.name, r.status]), [['registry-check/10.0.0.20:5000', 'skipped'], ['registry-check/reg.example', 'failed']]);
      return true;
    });
  });
});

describe('runPlans: nodes in parallel, steps in order', () => {
  it('respects the concurrency, frees the slot while a node waits, serialises exclusive steps, isolates failures', async () => {
    let active = 0;
    let peak = 0;
    let inExclusive = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const log: string[] = [];
    const done = new Set<string>();
    const step = (node: string, name: string, o: { wait?: boolean; exclusive?: boolean; fail?: boolean } = {}) => ({
      name,
      check: async () => done.has(`${node}:${name}`),
      ...(o.wait ? { waitFor: () => gate } : {}),
      ...(o.exclusive ? { exclusive: 'cp' } : {}),
      apply: async () => {
        active++;
        peak = Math.max(peak, active);
        if (o.exclusive) inExclusive++;
        const overlap = inExclusive > 1;
        await new Promise((r) => setImmediate(r));
        log.push(`${node}:${name}`);
        if (o.exclusive) inExclusive--;
        active--;
        if (overlap) throw new Error('exclusive steps overlapped');
        if (o.fail) throw new Error(`${node} broke`);
        done.add(`${node}:${name}`);
      },
    });
    const plan = (node: string, steps: ReturnType<typeof step>[]) => ({ node, host: async () => node, steps });
    let atGate = '';
    const resultsP = runPlans(
      [
        plan('a', [step('a', 'init')]),
        plan('b', [step('b', 'prep'), step('b', 'join', { wait: true, exclusive: true })]),
        plan('c', [step('c', 'prep'), step('c', 'join', { wait: true, exclusive: true })]),
        plan('d', [step('d', 'prep', { fail: true }), step('d', 'join')]),
      ],
      { concurrency: 2 },
    );
    // b and c wait for the gate without their slots, so d gets to run before the gate opens
    // (bounded wait for that condition; a runner that kept the slots would never get there)
    const until = Date.now() + 5000;
    while (!log.includes('d:prep') && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    atGate = log.join(' ');
    release();
    const results = await resultsP;
    assert.match(atGate, /d:prep/, 'd ran while b and c waited');
    assert.doesNotMatch(atGate, /join/);
    assert.ok(peak <= 2, `at most 2 nodes at once (peak ${peak})`);
    assert.deepEqual(results.map((r) => [r.node, r.error === undefined]), [['a', true], ['b', true], ['c', true], ['d', false]]);
    assert.deepEqual(results[3]?.reports.map((r) => [r.name, r.status]), [['prep', 'failed']], 'd stopped at its failure');
    assert.ok(log.includes('b:join') && log.includes('c:join'));
  });
});

describe('instantiate --dry-run: the plan of the sample package', () => {
  it('one master (init) and two workers (join) for the simple flavour, steps per registry', async () => {
    const { readFile } = await import('node:fs/promises');
    const { readPackage } = await import('../../src/lib/package/reader.js');
    const { dryRunPlan } = await import('../../src/lib/mgmt/kubernetes/dry-plan.js');
    const { levelScale, vduCount } = await import('../../src/lib/lcm/heat-template.js');
    const pkg = await readPackage(new URL('../../samples/kubernetes-cluster-vnf-package/', import.meta.url).pathname);
    const request = instantiateVnfRequestSchema.parse(JSON.parse(await readFile(new URL('../fixtures/params/good/private_registry_kubernetes_param_file.json', import.meta.url), 'utf8')));
    const flavour = pkg.flavours.simple;
    assert.ok(flavour);
    const levels = levelScale(flavour, undefined);
    const plans = await dryRunPlan({ flavour, request, packageRoot: pkg.root, store: { getInstance: async () => undefined } }, (vdu) => vduCount(flavour, vdu, levels));
    assert.deepEqual(plans.map((p) => [p.node, p.work]), [['master-1', 'init'], ['worker-1', 'join'], ['worker-2', 'join']]);
    assert.deepEqual(names(plans[1] as never), [
      'hosts-block',
      'runtime-packages',
      'containerd-config',
      'registry-hosts/192.168.246.10:5000',
      'kubelet-credentials',
      'runtime-restart',
      'kubeadm-join',
      'registry-check/192.168.246.10:5000',
    ]);
  });
});

describe('scale/heal dry-run: the plan of a change to an instantiated cluster', () => {
  async function source() {
    const { readFile } = await import('node:fs/promises');
    const { readPackage } = await import('../../src/lib/package/reader.js');
    const pkg = await readPackage(new URL('../../samples/kubernetes-cluster-vnf-package/', import.meta.url).pathname);
    const request = instantiateVnfRequestSchema.parse(JSON.parse(await readFile(new URL('../fixtures/params/good/private_registry_kubernetes_param_file.json', import.meta.url), 'utf8')));
    const flavour = pkg.flavours.simple;
    assert.ok(flavour);
    const meta = {
      mainMasterVnfcId: 'v-m',
      nodes: [
        { name: 'worker-bbbb', role: 'worker' as const, ip: '10.0.0.12', vnfcId: 'v-w1' },
        { name: 'master-aaaa', role: 'master' as const, ip: '10.0.0.11', vnfcId: 'v-m' },
        { name: 'worker-cccc', role: 'worker' as const, ip: '10.0.0.13', vnfcId: 'v-w2' },
      ],
    };
    return { flavour, request, packageRoot: pkg.root, store: { getInstance: async () => undefined }, meta };
  }

  it('scale-out of the worker aspect: the new worker(s) get everything, the others the hosts block', async () => {
    const { dryRunChangePlan } = await import('../../src/lib/mgmt/kubernetes/dry-plan.js');
    const { plans } = await dryRunChangePlan(await source(), { op: 'scale-out', aspectId: 'worker_instance', steps: 2 });
    assert.deepEqual(plans.map((p) => [p.node, p.work]), [
      ['master-aaaa', 'refresh'],
      ['worker-bbbb', 'refresh'],
      ['worker-cccc', 'refresh'],
      ['new-worker-1', 'join'],
      ['new-worker-2', 'join'],
    ]);
    assert.ok(names(plans[3] as never).includes('registry-hosts/192.168.246.10:5000'));
  });

  it('heal of a worker VNFC: that node is rejoined (stale node first), the others keep their hosts block', async () => {
    const { dryRunChangePlan } = await import('../../src/lib/mgmt/kubernetes/dry-plan.js');
    const { plans } = await dryRunChangePlan(await source(), { op: 'heal', vnfcIds: ['v-w2'] });
    assert.deepEqual(plans.map((p) => [p.node, p.work]), [['master-aaaa', 'refresh'], ['worker-bbbb', 'refresh'], ['worker-cccc', 'rejoin']]);
    assert.equal(names(plans[2] as never)[0], 'stale-node');
    await assert.rejects(dryRunChangePlan(await source(), { op: 'heal', vnfcIds: ['nope'] }), /none of the VNFCs nope is a node/);
  });

  it('scale-in names how many nodes go; an instance without recorded nodes is refused', async () => {
    const { dryRunChangePlan } = await import('../../src/lib/mgmt/kubernetes/dry-plan.js');
    const r = await dryRunChangePlan(await source(), { op: 'scale-in', aspectId: 'worker_instance', steps: 1 });
    assert.match(r.removed ?? '', /^0 master\(s\), 1 worker\(s\)/);
    assert.ok(r.plans.every((p) => p.work === 'refresh'));
    await assert.rejects(dryRunChangePlan({ ...(await source()), meta: undefined }, { op: 'heal', vnfcIds: ['v-m'] }), /records no Kubernetes nodes/);
  });
});
