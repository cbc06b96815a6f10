/**
 * What `vnflcm op retry` saves after a crash: a fresh 1 master + 2 worker Kubernetes instantiate
 * (the test-bed package, through the built CLI, on the real OpenStack of test/env) against an
 * instantiate killed with SIGKILL after the master is installed, while the workers join, and
 * completed by `op retry` (the finished stack and the provisioning steps found in place are
 * skipped). Reports the retry/fresh ratio (target < 0.5) in bench/RESULTS.md (section op-retry).
 *
 *   flock -o /tmp/vnflcm-e2e.lock node --import tsx bench/op-retry.ts [--runs 3]
 *
 * Runs are interleaved (fresh, killed+retry, fresh, ...) so host load hits both alike; every
 * instance is terminated afterwards. Needs `npm run build` (it spawns bin/run.js) and root (the
 * test environment).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, runCli, tempHome, type CliResult } from '../test/helpers/cli.js';
import { cloudEnv, ensureEnv } from '../test/helpers/env.js';
import { K8S_VNFD, k8sTestbedPackage, SAMPLES } from '../test/helpers/packages.js';
import { machine, writeSection } from './report.js';

const argIdx = process.argv.indexOf('--runs');
const RUNS = argIdx >= 0 ? Number(process.argv[argIdx + 1]) : 3;
/** The kill point: a worker's join starting (the master's `kubeadm init` has finished before any join). */
const KILL_AT = /… worker-\w+: kubeadm-join/;

const facts = ensureEnv();
const env = cloudEnv(facts);
const home = tempHome('vnflcm-bench-retry-');
const work = mkdtempSync(join(tmpdir(), 'vnflcm-bench-retry-'));

async function ok(args: string[]): Promise<CliResult> {
  const r = await runCli(args, { home, env, timeoutMs: 1_800_000 });
  if (r.code !== 0) throw new Error(`vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function timed(args: string[]): Promise<number> {
  const t0 = performance.now();
  await ok(args);
  return (performance.now() - t0) / 1000;
}

/** Run the CLI and SIGKILL it at the first stderr line matching `at`; seconds until the kill. */
function killedAt(args: string[], at: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env, VNFLCM_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let when = 0;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (!when && at.test(err)) {
        when = (performance.now() - t0) / 1000;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => (signal === 'SIGKILL' && when ? resolve(when) : reject(new Error(`not killed at ${at}:\n${err}`))));
  });
}

function params(): string {
  const p = JSON.parse(readFileSync(join(SAMPLES, 'private_registry_kubernetes_param_file.json'), 'utf8')) as Record<string, unknown>;
  for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
  const { http, https } = facts.registries;
  ((p.additionalParams as Record<string, Record<string, unknown>>).k8s_cluster_installation_param as Record<string, unknown>).private_registry_connection_info = [
    { connection_type: '0', server: http.server },
    { connection_type: '1', server: https.server, username: https.username, password: https.password, certificate_path: 'Files/registries/ca.crt', hosts_string: https.hosts_line },
  ];
  const file = join(work, 'k8s.json');
  writeFileSync(file, JSON.stringify(p));
  return file;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  await ok(['package', 'add', await k8sTestbedPackage(join(work, 'pkg'), facts.registries.https.ca_file ?? '')]);
  const file = params();
  const fresh: number[] = [];
  const retry: number[] = [];
  const untilKill: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = (await ok(['create', K8S_VNFD, '-f', 'value', '-c', 'ID'])).stdout.trim();
    fresh.push(await timed(['instantiate', a, file, '-q']));
    await ok(['terminate', a, '--D', '-q']);

    const b = (await ok(['create', K8S_VNFD, '-f', 'value', '-c', 'ID'])).stdout.trim();
    untilKill.push(await killedAt(['instantiate', b, file], KILL_AT));
    const ops = JSON.parse((await ok(['op', 'list', '-f', 'json'])).stdout) as Array<{ ID: string; 'VNF Instance ID': string; 'Operation State': string }>;
    const op = ops.find((o) => o['VNF Instance ID'] === b);
    if (op?.['Operation State'] !== 'FAILED_TEMP') throw new Error(`killed instantiate of ${b}: ${JSON.stringify(op)}`);
    retry.push(await timed(['op', 'retry', op.ID, '-q']));
    const state = JSON.parse((await ok(['show', b, '-f', 'json', '-c', 'Instantiation State'])).stdout) as Record<string, string>;
    if (state['Instantiation State'] !== 'INSTANTIATED') throw new Error(`${b} after op retry: ${JSON.stringify(state)}`);
    await ok(['terminate', b, '--D', '-q']);
    console.log(`run ${i + 1}: fresh ${fresh.at(-1)?.toFixed(1)} s; killed after ${untilKill.at(-1)?.toFixed(1)} s, op retry ${retry.at(-1)?.toFixed(1)} s`);
  }
  const f = median(fresh);
  const r = median(retry);
  const ratio = r / f;
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  console.log(`fresh instantiate median ${f.toFixed(1)} s; op retry after the kill median ${r.toFixed(1)} s; ratio ${ratio.toFixed(2)} (target < 0.5)`);
  writeSection(
    'op-retry',
    `## op retry after a crash (issue 9)

Reproduce: \`npm run build && flock -o /tmp/vnflcm-e2e.lock node --import tsx bench/op-retry.ts --runs ${RUNS}\`

A 1 master + 2 worker Kubernetes instantiate (test-bed package, simple flavour, both registries of
the test environment) through the built CLI on the real OpenStack of test/env. Baseline: a fresh
instantiate. Measured: \`vnflcm op retry\` of an instantiate killed with SIGKILL when a worker's
\`kubeadm join\` starts (the master is installed). Wall time of each CLI process, ${RUNS} interleaved runs, medians.

| | median | runs |
|---|---|---|
| fresh instantiate (baseline) | ${f.toFixed(1)} s | ${fmt(fresh)} |
| killed instantiate, until the kill | ${median(untilKill).toFixed(1)} s | ${fmt(untilKill)} |
| \`op retry\` of the killed one | ${r.toFixed(1)} s | ${fmt(retry)} |
| **ratio retry / fresh** (target < 0.5) | **${ratio.toFixed(2)}** | per run: ${retry.map((x, i) => (x / (fresh[i] as number)).toFixed(2)).join(', ')} |

The host is shared (load average below): the spread of the fresh runs is the cloud's (Heat) under
that load; a retry after a kill while a record lock was held also waits for the lock to go stale.

Machine: ${machine()}`,
  );
}

await main();
