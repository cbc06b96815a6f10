/**
 * Kubernetes cluster driver benchmark: a full `instantiate_end` (install script on every node,
 * both private registries of the test environment, registry checks, VIM registration) against
 * test-bed VMs with +50 ms towards every VM (`env.sh vm netem NAME 50ms`).
 *
 *   node --import tsx bench/cluster.ts [--runs 1] [--delay 50ms] [--workers 10] [--growth 1,5,10,20|none]
 *                                       [--concurrency 10] [--no-serial] [--no-scale] [--json]
 *
 * Scenarios (fresh VMs for every run; runs interleaved so host load hits all alike):
 *   A  1 master + 1 worker,   --concurrency C (10); then scale-out of 1 worker (scale_end)
 *   B  1 master + N workers,  --concurrency C; then scale-out of 1 worker
 *   C  1 master + N workers,  --concurrency 1   (Tacker's one-node-at-a-time behaviour; --no-serial skips it)
 *   G  1 master + k workers for every k of --growth not already measured (instantiate only)
 * Prints the times, B/A (target ≤ 1.5: N workers cost about what one costs), scale-out B/A
 * (target ≤ 1.2: scale-out does not grow with the cluster), C/B (speed-up), the growth table,
 * and per scenario the critical path (the slowest node's steps) and the CPU used by vnflcm vs
 * the rest of the host (the test bed). `--json`: one JSON object with all of it instead.
 * Needs root and the test environment (test/env/env.sh; run under its lock). VMs t-bench-0 ..
 * on 10.250.0.78 .. (at most .99: 20 workers + master + the scale-out VM), taken down at the
 * end. Writes nothing into the repository.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgressSink, VnfcRef } from '../src/lib/mgmt/contract.js';
import { createKubernetesDriver } from '../src/lib/mgmt/kubernetes/driver.js';
import { createHarnessInstance, harnessContext, vnfcFor } from '../test/helpers/k8s-harness.js';
import type { VnfPackage } from '../src/lib/package/model.js';
import { readPackage } from '../src/lib/package/reader.js';
import { Store } from '../src/lib/store/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENV_SH = join(ROOT, 'test/env/env.sh');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}

const RUNS = Number(arg('runs', '1'));
const DELAY = arg('delay', '50ms');
const WORKERS = Number(arg('workers', '10'));
const GROWTH = arg('growth', '1,5,10,20') === 'none' ? [] : arg('growth', '1,5,10,20').split(',').map(Number);
const SERIAL = !process.argv.includes('--no-serial');
/** vnflcm's --concurrency for A, B and G (nodes beyond it wait for a free slot: 1 + 10 workers at 10 means one does). */
const CONC = Number(arg('concurrency', '10'));
const SCALE = !process.argv.includes('--no-scale');
const JSON_OUT = process.argv.includes('--json');
const MAX_VMS = 22; // 10.250.0.78 .. .99
if (Math.max(WORKERS, ...GROWTH) + 2 > MAX_VMS) throw new Error(`at most ${MAX_VMS - 2} workers (IPs 10.250.0.78-99)`);
const say = (line: string): void => {
  if (!JSON_OUT) console.log(line);
};

interface Vm {
  name: string;
  ip: string;
}
const vm = (i: number): Vm => ({ name: `t-bench-${i}`, ip: `10.250.0.${78 + i}` });

function envSh(args: string[]): { code: number; out: string } {
  const r = spawnSync('bash', [ENV_SH, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, TESTBED_QUIET: '1' } });
  return { code: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

function envShAsync(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const p = spawn('bash', [ENV_SH, ...args], { env: { ...process.env, TESTBED_QUIET: '1' } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => res({ code: code ?? -1, out }));
  });
}

/** Fresh VMs (down, up in parallel) with the delay on each. */
async function freshVms(vms: readonly Vm[]): Promise<void> {
  await Promise.all(vms.map((v) => envShAsync(['vm', 'netem', v.name, 'off']).then(() => envShAsync(['vm', 'down', v.name]))));
  const ups = await Promise.all(vms.map((v) => envShAsync(['vm', 'up', v.name, v.ip])));
  ups.forEach((u, i) => {
    if (u.code !== 0) throw new Error(`vm up ${vms[i]?.name}: ${u.out}`);
  });
  for (const v of vms) {
    const r = envSh(['vm', 'netem', v.name, DELAY]);
    if (r.code !== 0) throw new Error(`netem ${v.name}: ${r.out}`);
  }
}

interface Facts {
  registries: Record<'http' | 'https', { server: string; ca_file: string | null; username: string | null; password: string | null; hosts_line: string }>;
}

async function packageCopy(work: string, facts: Facts): Promise<VnfPackage> {
  const dir = join(work, 'pkg');
  await cp(join(ROOT, 'samples/kubernetes-cluster-vnf-package'), dir, { recursive: true });
  await mkdir(join(dir, 'Files/registries'), { recursive: true });
  await mkdir(join(dir, 'Files/cni'), { recursive: true });
  await cp(facts.registries.https.ca_file as string, join(dir, 'Files/registries/ca.crt'));
  await writeFile(join(dir, 'Files/cni/cni.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench-cni\n  namespace: kube-system\n');
  await writeFile(join(dir, 'Scripts/install_k8s_cluster.conf'), 'CNI_MANIFEST=Files/cni/cni.yaml\n');
  const script = await readFile(join(dir, 'Scripts/install_k8s_cluster.sh'));
  const meta = join(dir, 'TOSCA-Metadata/TOSCA.meta');
  await writeFile(meta, (await readFile(meta, 'utf8')).replace(/^Hash: .*$/m, `Hash: ${createHash('sha256').update(script).digest('hex')}`));
  return readPackage(dir);
}

function request(facts: Facts): Record<string, unknown> {
  const { http, https } = facts.registries;
  return {
    flavourId: 'simple',
    additionalParams: {
      k8s_cluster_installation_param: {
        script_path: 'Scripts/install_k8s_cluster.sh',
        master_node: { aspect_id: 'master_instance', ssh_cp_name: 'masterNode_CP1', nic_cp_name: 'masterNode_CP1', username: 'ubuntu', password: 'ubuntu', cluster_cp_name: 'masterNode_CP1' },
        worker_node: { aspect_id: 'worker_instance', ssh_cp_name: 'workerNode_CP2', nic_cp_name: 'workerNode_CP2', username: 'ubuntu', password: 'ubuntu' },
        private_registry_connection_info: [
          { connection_type: '0', server: http.server },
          { connection_type: '1', server: https.server, username: https.username, password: https.password, certificate_path: 'Files/registries/ca.crt', hosts_string: https.hosts_line },
        ],
      },
    },
  };
}

/** Progress sink that records when steps start and finish (seconds since start). */
function timingSink(t0: number): ProgressSink & { done: Map<string, number>; started: Map<string, number>; failed: string[] } {
  const done = new Map<string, number>();
  const started = new Map<string, number>();
  const failed: string[] = [];
  return {
    done,
    started,
    failed,
    step(node, name, status, detail) {
      if (status === 'start') started.set(`${node}|${name}`, (Date.now() - t0) / 1000);
      if (status === 'done') done.set(`${node}|${name}`, (Date.now() - t0) / 1000);
      if (status === 'failed') failed.push(`${node}: ${name}: ${detail ?? ''}`);
    },
    info() {},
  };
}

/** The node that finished its own steps last and those steps (start→done, seconds since the hook started). */
function criticalPath(sink: ReturnType<typeof timingSink>): { node: string; steps: string } {
  const last = new Map<string, number>();
  for (const [k, v] of sink.done) {
    const node = k.split('|')[0] as string;
    if (node && !k.endsWith('|register Kubernetes VIM')) last.set(node, Math.max(last.get(node) ?? 0, v));
  }
  const node = [...last.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  const steps = [...sink.started.entries()]
    .filter(([k]) => k.startsWith(`${node}|`))
    .sort((a, b) => a[1] - b[1])
    .map(([k, t]) => `${k.slice(node.length + 1)} ${t.toFixed(1)}→${(sink.done.get(k) ?? NaN).toFixed(1)}`);
  return { node, steps: steps.join(', ') };
}

interface Result {
  scenario: string;
  workers: number;
  concurrency: number;
  seconds: number;
  initDone: number;
  lastJoin: number;
  load: string;
  /** Average number of busy CPUs of the whole host during the run, and the host's CPU count. */
  hostBusy: number;
  cpus: number;
  /** CPU seconds of this process (vnflcm: SSH, SFTP, rendering), of the delay relays, of the rest of the host (other users of the machine, kernel). */
  selfCpu: number;
  relayCpu: number;
  /** CPU seconds inside the VMs (sshd sessions, sudo, install script, stubs). */
  testbedCpu: number;
  otherCpu: number;
  /** Stub commands (apt, systemctl, kubeadm, ...) run on all nodes. */
  stubCalls: number;
  /** The slowest node and its steps. */
  critical: { node: string; steps: string };
  /** instantiate_end once more on the converged cluster (A and B only). */
  rerun?: number;
  /** scale_end SCALE_OUT of one more worker on the cluster (A and B only). */
  scaleOut?: number;
  scaleCritical?: { node: string; steps: string };
}

function stubCalls(vms: readonly Vm[]): number {
  let n = 0;
  for (const v of vms) n += envSh(['calls', v.name]).out.split('\n').filter((l) => l.startsWith('{')).length;
  return n;
}

const TICK = 100; // USER_HZ

/** Busy and total jiffies of the host (/proc/stat "cpu" line). */
function hostJiffies(): { busy: number; total: number; cpus: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const f = (lines[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total, cpus: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/** utime+stime+cutime+cstime (s) of a process. */
function procCpu(pid: string): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
  } catch {
    return 0;
  }
}

/**
 * CPU (s) used inside the VMs: their init and its children (sshd with every session it reaped,
 * the stub server with every command it forked), including what they reaped. Sessions still
 * open when this is read are missing; the driver closes its connections before returning.
 */
function testbedCpu(vms: readonly Vm[]): number {
  let t = 0;
  for (const v of vms) {
    try {
      const init = readFileSync(`/srv/vnflcm-testenv/testbed/vms/${v.name}/init.pid`, 'utf8').trim();
      t += procCpu(init);
      for (const c of readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) t += procCpu(c);
    } catch {
      /* VM gone */
    }
  }
  return t;
}

/** utime+stime (s) of the userspace delay relays of the VMs. */
function relayCpu(vms: readonly Vm[]): number {
  let t = 0;
  for (const v of vms) {
    try {
      const pid = readFileSync(`/srv/vnflcm-testenv/testbed/vms/${v.name}/delayrelay.pid`, 'utf8').trim();
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      t += (Number(f[11]) + Number(f[12])) / TICK;
    } catch {
      /* kernel netem or relay gone */
    }
  }
  return t;
}

/** CPU accounting around `fn`: this process, the relays, the whole host. */
async function measured<T>(
  vms: readonly Vm[],
  fn: () => Promise<T>,
): Promise<{ value: T; seconds: number; hostBusy: number; cpus: number; selfCpu: number; relayCpu: number; testbedCpu: number; otherCpu: number }> {
  const j0 = hostJiffies();
  const c0 = process.cpuUsage();
  const r0 = relayCpu(vms);
  const v0 = testbedCpu(vms);
  const t0 = Date.now();
  const value = await fn();
  const seconds = (Date.now() - t0) / 1000;
  const j1 = hostJiffies();
  const c1 = process.cpuUsage(c0);
  const relay = relayCpu(vms) - r0;
  const inVms = testbedCpu(vms) - v0;
  const busy = (j1.busy - j0.busy) / TICK;
  const selfCpu = (c1.user + c1.system) / 1e6;
  return {
    value,
    seconds,
    hostBusy: ((j1.busy - j0.busy) / Math.max(1, j1.total - j0.total)) * j1.cpus,
    cpus: j1.cpus,
    selfCpu,
    relayCpu: relay,
    testbedCpu: inVms,
    otherCpu: Math.max(0, busy - selfCpu - relay - inVms),
  };
}

async function runScenario(label: string, workers: number, concurrency: number, pkg: VnfPackage, facts: Facts, work: string, extras: boolean): Promise<Result> {
  const vms = Array.from({ length: workers + 1 }, (_, i) => vm(i));
  const spare = vm(workers + 1); // the VM "Heat" adds for the scale-out
  await freshVms(extras && SCALE ? [...vms, spare] : vms);
  const store = await Store.open(await mkdtemp(join(work, 'store-')));
  const instanceId = `bench-${label}-${Date.now()}`;
  await createHarnessInstance({ store, pkg, instanceId }, instanceId);
  const base = Date.now();
  const vnfcs: VnfcRef[] = vms.map((v, i) =>
    i === 0 ? vnfcFor('masterNode', 'masterNode_CP1', v.ip, new Date(base).toISOString()) : vnfcFor('workerNode', 'workerNode_CP2', v.ip, new Date(base + i).toISOString()),
  );
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const progress = timingSink(Date.now());
  const ctxOpts = {
    store,
    pkg,
    flavourId: 'simple',
    instanceId,
    request: request(facts),
    vnfcs: () => vnfcs,
    progress,
    logFile: join(work, `${instanceId}.log`),
    concurrency,
  };
  const ctx = await harnessContext('instantiate_end', ctxOpts);
  const m = await measured(vms, async () => createKubernetesDriver().instantiate_end?.(ctx));
  const calls = stubCalls(vms);
  const initDone = [...progress.done.entries()].find(([k]) => k.endsWith('|kubeadm-init'))?.[1] ?? NaN;
  const lastJoin = Math.max(...[...progress.done.entries()].filter(([k]) => k.includes('|kubeadm-join')).map(([, v]) => v));
  const res: Result = {
    scenario: label,
    workers,
    concurrency,
    seconds: m.seconds,
    initDone,
    lastJoin,
    load,
    hostBusy: m.hostBusy,
    cpus: m.cpus,
    selfCpu: m.selfCpu,
    relayCpu: m.relayCpu,
    testbedCpu: m.testbedCpu,
    otherCpu: m.otherCpu,
    stubCalls: calls,
    critical: criticalPath(progress),
  };
  if (!extras) return res;
  // the same hook again on the converged cluster (a retry): every step finds its work done
  const tr = Date.now();
  await createKubernetesDriver().instantiate_end?.(await harnessContext('instantiate_end', { ...ctxOpts, progress: timingSink(tr) }));
  res.rerun = (Date.now() - tr) / 1000;
  if (SCALE) {
    const added = vnfcFor('workerNode', 'workerNode_CP2', spare.ip, new Date(base + 1000).toISOString());
    vnfcs.push(added);
    const sink = timingSink(Date.now());
    const sctx = await harnessContext('scale_end', { ...ctxOpts, progress: sink }, {
      scale: { type: 'SCALE_OUT', aspectId: 'worker_instance', steps: 1, removed: [], added: [added] },
    });
    const sm = await measured([...vms, spare], async () => createKubernetesDriver().scale_end?.(sctx));
    res.scaleOut = sm.seconds;
    res.scaleCritical = criticalPath(sink);
  }
  return res;
}

const med = (xs: number[]): number => {
  const v = [...xs].sort((p, q) => p - q);
  return v.length % 2 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (test-bed VMs)');
  const facts = JSON.parse(await readFile('/srv/vnflcm-testenv/env.json', 'utf8')) as Facts;
  const work = await mkdtemp(join(tmpdir(), 'vnflcm-bench-cluster-'));
  const all = Array.from({ length: MAX_VMS }, (_, i) => vm(i));
  const results: Result[] = [];
  const loadStart = loadavg().map((x) => x.toFixed(1)).join(' ');
  const plan: [string, number, number, boolean][] = [
    ['A', 1, CONC, true],
    ['B', WORKERS, CONC, true],
    ...(SERIAL ? [['C', WORKERS, 1, false] as [string, number, number, boolean]] : []),
  ];
  const growthOnly = GROWTH.filter((k) => k !== 1 && k !== WORKERS);
  try {
    const pkg = await packageCopy(work, facts);
    say(`bench/cluster.ts: delay ${DELAY} towards every VM, ${RUNS} run(s), ${WORKERS} workers; load average at start ${loadStart}`);
    for (let r = 0; r < RUNS; r++) {
      for (const [label, workers, conc, extras] of [...plan, ...growthOnly.map((k) => [`G${k}`, k, CONC, false] as [string, number, number, boolean])]) {
        const res = await runScenario(label, workers, conc, pkg, facts, work, extras);
        results.push(res);
        say(
          `run ${r + 1} ${label}: 1 master + ${workers} worker(s), concurrency ${conc}: ${res.seconds.toFixed(1)} s ` +
            `(kubeadm init done at ${res.initDone.toFixed(1)} s, last join at ${res.lastJoin.toFixed(1)} s; host CPU busy ${res.hostBusy.toFixed(2)} of ${res.cpus}; ` +
            `vnflcm ${res.selfCpu.toFixed(1)} CPU-s, test bed (in the VMs) ${res.testbedCpu.toFixed(1)} CPU-s, delay relays ${res.relayCpu.toFixed(1)} CPU-s, rest of the host ${res.otherCpu.toFixed(1)} CPU-s; ` +
            `${res.stubCalls} stub commands in the VMs; load before ${res.load})` +
            (res.rerun !== undefined ? `; re-run on the converged cluster ${res.rerun.toFixed(1)} s` : '') +
            (res.scaleOut !== undefined ? `; scale-out +1 worker ${res.scaleOut.toFixed(1)} s` : ''),
        );
        say(`    critical path: ${res.critical.node}: ${res.critical.steps}`);
        if (res.scaleCritical) say(`    scale-out critical path: ${res.scaleCritical.node}: ${res.scaleCritical.steps}`);
      }
    }
  } finally {
    await Promise.all(all.map((v) => envShAsync(['vm', 'netem', v.name, 'off']).then(() => envShAsync(['vm', 'down', v.name]))));
    await rm(work, { recursive: true, force: true });
  }
  const of = (label: string, f: (r: Result) => number | undefined = (r) => r.seconds): number =>
    med(results.filter((x) => x.scenario === label).map((x) => f(x) ?? NaN));
  const [a, b, c] = [of('A'), of('B'), SERIAL ? of('C') : NaN];
  const [ra, rb] = [of('A', (r) => r.rerun), of('B', (r) => r.rerun)];
  const [sa, sb] = SCALE ? [of('A', (r) => r.scaleOut), of('B', (r) => r.scaleOut)] : [NaN, NaN];
  const growth = [...new Set([1, WORKERS, ...GROWTH])]
    .sort((p, q) => p - q)
    .filter((k) => GROWTH.includes(k) || k === 1 || k === WORKERS)
    .map((k) => ({ workers: k, seconds: of(k === 1 ? 'A' : k === WORKERS ? 'B' : `G${k}`) }));
  const summary = {
    bench: 'cluster',
    delay: DELAY,
    runs: RUNS,
    workers: WORKERS,
    concurrency: CONC,
    loadStart,
    loadEnd: loadavg().map((x) => x.toFixed(1)).join(' '),
    instantiate: { oneWorker: a, nWorkers: b, serial: c, ratio: b / a, target: 1.5, met: b / a <= 1.5 },
    scaleOut: { onOneWorkerCluster: sa, onNWorkerCluster: sb, ratio: sb / sa, target: 1.2, met: sb / sa <= 1.2 },
    rerun: { oneWorker: ra, nWorkers: rb },
    growth,
    results,
  };
  if (JSON_OUT) {
    console.log(JSON.stringify(summary));
    return;
  }
  say('');
  say('| scenario | nodes | concurrency | instantiate_end (median) | again on the converged cluster | scale-out +1 worker |');
  say('|---|---|---|---|---|---|');
  say(`| A | 1 master + 1 worker | ${CONC} | ${a.toFixed(1)} s | ${ra.toFixed(1)} s | ${sa.toFixed(1)} s |`);
  say(`| B | 1 master + ${WORKERS} workers | ${CONC} | ${b.toFixed(1)} s | ${rb.toFixed(1)} s | ${sb.toFixed(1)} s |`);
  if (SERIAL) say(`| C | 1 master + ${WORKERS} workers | 1 | ${c.toFixed(1)} s | - | - |`);
  say('');
  if (growth.length > 2) {
    say('| workers | instantiate_end | vs 1 worker |');
    say('|---|---|---|');
    for (const g of growth) say(`| ${g.workers} | ${g.seconds.toFixed(1)} s | ${(g.seconds / a).toFixed(2)} |`);
    say('');
  }
  say(`B/A = ${(b / a).toFixed(2)} (target ≤ 1.5: ${WORKERS} workers vs 1 worker at concurrency ${CONC}); converged re-runs: ${(rb / ra).toFixed(2)}`);
  if (SCALE) say(`scale-out B/A = ${(sb / sa).toFixed(2)} (target ≤ 1.2: +1 worker on a ${WORKERS}-worker cluster vs on a 1-worker cluster)`);
  if (SERIAL) say(`C/B = ${(c / b).toFixed(2)} (speed-up of concurrency ${CONC} over one node at a time)`);
  say(
    `cluster: instantiate B/A ${(b / a).toFixed(2)} (≤ 1.5 ${b / a <= 1.5 ? 'met' : 'MISSED'}), scale-out ${(sb / sa).toFixed(2)} (≤ 1.2 ${sb / sa <= 1.2 ? 'met' : 'MISSED'}); ` +
      `load average ${summary.loadStart} → ${summary.loadEnd}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
