/**
 * SFTP upload benchmark: vnflcm's `RemoteHost.upload` vs OpenSSH `sftp` (batch `put`) on the same
 * link to a test-bed VM, and the peak RSS of a 1 GiB upload.
 *
 *   node --import tsx bench/sftp.ts [--runs 3] [--size-mib 256] [--big-mib 1024] [--ip 10.250.0.49]
 *
 * Needs root and the test bed (test/env/env.sh vm ...); brings up VM t-ssh-bench and takes it down
 * at the end. OpenSSH gets the password through `sshpass -e` (environment, never argv). Runs are
 * interleaved (OpenSSH, vnflcm, vnflcm+verify, OpenSSH, ...) so that load from other processes on
 * the machine hits all methods alike; the table shows the median. Writes nothing into the repo.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { connect } from '../src/lib/remote/connect.js';
import { MemoryHostKeyStore } from '../src/lib/remote/hostkeys.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VM = 't-ssh-bench';
const USER = 'ubuntu';
const PASSWORD = process.env.TESTBED_PASSWORD ?? 'ubuntu';
const REMOTE = '/home/ubuntu/bench.bin';

interface ChildResult {
  connectMs: number;
  transferMs: number;
  verifyMs: number;
  totalMs: number;
  maxRssKiB: number;
  progressCalls: number;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}

// ------------------------------------------------------------------------------------------ child
async function child(): Promise<void> {
  const [file, ip, mode] = process.argv.slice(3);
  if (!file || !ip) throw new Error('child: FILE IP [verify|noverify|idle]');
  const t0 = performance.now();
  const host = await connect({
    host: ip,
    username: USER,
    password: process.env.VNFLCM_BENCH_PASSWORD ?? PASSWORD,
    hostKeyStore: new MemoryHostKeyStore(),
    hostKeyId: 'bench',
    timeoutMs: 60_000,
  });
  const t1 = performance.now();
  let progressCalls = 0;
  let transferMs = 0;
  let verifyMs = 0;
  if (mode !== 'idle') {
    const r = await host.upload(file, REMOTE, {
      verify: mode === 'verify',
      onProgress: () => {
        progressCalls++;
      },
    });
    transferMs = r.transferMs;
    verifyMs = r.verifyMs;
  }
  const t2 = performance.now();
  await host.close();
  const out: ChildResult = {
    connectMs: t1 - t0,
    transferMs,
    verifyMs,
    totalMs: t2 - t0,
    maxRssKiB: process.resourceUsage().maxRSS,
    progressCalls,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ------------------------------------------------------------------------------------------ parent
function envSh(args: string[]): { code: number; out: string } {
  const envSh = join(ROOT, 'test/env/env.sh');
  const cmd = existsSync(envSh) ? ['bash', envSh, 'vm', ...args] : ['bash', join(ROOT, 'test/env/testbed/vm.sh'), ...args];
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: 'utf8', env: { ...process.env, TESTBED_QUIET: '1' } });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function makeFile(path: string, mib: number, seed?: string): void {
  const fd = openSync(path, 'w', 0o600);
  const block = Buffer.allocUnsafe(1024 * 1024);
  if (seed) {
    // cheap for the big file: repeat a random 16 MiB pattern
    const pattern = Buffer.allocUnsafe(16 * 1024 * 1024);
    randomFillSync(pattern);
    for (let i = 0; i < mib; i += 16) writeSync(fd, pattern, 0, Math.min(16, mib - i) * 1024 * 1024);
  } else {
    for (let i = 0; i < mib; i++) {
      randomFillSync(block);
      writeSync(fd, block);
    }
  }
  closeSync(fd);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; ms: number }> {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolvePromise({ code: code ?? 1, out, ms: performance.now() - t0 }));
  });
}

async function openssh(file: string, ip: string, dir: string): Promise<number> {
  const batch = join(dir, 'batch');
  writeFileSync(batch, `put ${file} ${REMOTE}\n`);
  const r = await run(
    'sshpass',
    ['-e', 'sftp', '-o', 'BatchMode=no', '-o', 'ConnectTimeout=20', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-b', batch, `${USER}@${ip}`],
    { ...process.env, SSHPASS: PASSWORD },
  );
  if (r.code !== 0) throw new Error(`sftp failed (${r.code}): ${r.out}`);
  return r.ms;
}

async function ours(file: string, ip: string, mode: 'verify' | 'noverify' | 'idle'): Promise<ChildResult> {
  const r = await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, ip, mode], {
    ...process.env,
    VNFLCM_BENCH_PASSWORD: PASSWORD,
  });
  if (r.code !== 0) throw new Error(`child failed (${r.code}): ${r.out}`);
  const line = r.out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildResult;
}

async function cleanRemote(ip: string): Promise<void> {
  const h = await connect({ host: ip, username: USER, password: PASSWORD, hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'x', timeoutMs: 30_000 });
  await h.run(['rm', '-f', '--', REMOTE]);
  await h.run(['sync']);
  await h.close();
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const mib = Number(arg('size-mib', '256'));
  const bigMib = Number(arg('big-mib', '1024'));
  const ip = arg('ip', '10.250.0.49');
  if (spawnSync('sshpass', ['-V']).status !== 0) throw new Error('sshpass is needed (apt-get install -y sshpass)');
  const dir = mkdtempSync(join(tmpdir(), 'vnflcm-bench-'));
  let vmUp = false;
  const cleanup = (): void => {
    if (vmUp) envSh(['down', VM]);
    vmUp = false;
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(`creating test files in ${dir} (${mib} MiB random, ${bigMib} MiB) ...`);
    const file = join(dir, `data-${mib}`);
    const big = join(dir, `data-${bigMib}`);
    makeFile(file, mib);
    makeFile(big, bigMib, 'pattern');
    envSh(['down', VM]);
    const up = envSh(['up', VM, ip]);
    if (up.code !== 0) throw new Error(`vm up failed: ${up.out}`);
    vmUp = true;
    // warm-up: page cache of the local file, first SSH connection
    await ours(file, ip, 'noverify');
    await cleanRemote(ip);

    const sshMs: number[] = [];
    const oursMs: number[] = [];
    const oursVerMs: number[] = [];
    const transferOnly: number[] = [];
    for (let i = 0; i < runs; i++) {
      sshMs.push(await openssh(file, ip, dir));
      await cleanRemote(ip);
      const a = await ours(file, ip, 'noverify');
      oursMs.push(a.connectMs + a.transferMs);
      transferOnly.push(a.transferMs);
      await cleanRemote(ip);
      const b = await ours(file, ip, 'verify');
      oursVerMs.push(b.connectMs + b.transferMs + b.verifyMs);
      await cleanRemote(ip);
      console.log(
        `run ${i + 1}: OpenSSH ${(sshMs[i] as number / 1000).toFixed(2)} s, vnflcm ${(oursMs[i] as number / 1000).toFixed(2)} s, vnflcm+verify ${(oursVerMs[i] as number / 1000).toFixed(2)} s`,
      );
    }
    const idle = await ours(file, ip, 'idle');
    const bigRes = await ours(big, ip, 'verify');
    await cleanRemote(ip);

    const rate = (ms: number): number => mib / (ms / 1000);
    const rows: [string, number[]][] = [
      ['OpenSSH sftp put (process wall time)', sshMs],
      ['vnflcm upload, connect + transfer', oursMs],
      ['vnflcm upload, connect + transfer + sha256', oursVerMs],
      ['vnflcm upload, transfer only', transferOnly],
    ];
    console.log('');
    console.log(`${mib} MiB upload to ${VM} (${ip}), median of ${runs} interleaved runs; load average now ${loadavg()}`);
    console.log(`${pad('method', 44)}${lpad('median s', 9)}${lpad('MiB/s', 8)}   runs (s)`);
    for (const [name, xs] of rows) {
      const m = median(xs);
      console.log(`${pad(name, 44)}${lpad((m / 1000).toFixed(2), 9)}${lpad(rate(m).toFixed(0), 8)}   ${xs.map((x) => (x / 1000).toFixed(2)).join(' ')}`);
    }
    const base = rate(median(sshMs));
    console.log(
      `ratio vnflcm/OpenSSH (MiB/s): ${(rate(median(oursMs)) / base).toFixed(2)} without verify, ${(rate(median(oursVerMs)) / base).toFixed(2)} with sha256 verify (target >= 0.9)`,
    );
    console.log(
      `${bigMib} MiB upload + verify: ${(bigRes.transferMs / 1000).toFixed(2)} s transfer (${(bigMib / (bigRes.transferMs / 1000)).toFixed(0)} MiB/s), ` +
        `${(bigRes.verifyMs / 1000).toFixed(2)} s verify, ${bigRes.progressCalls} progress calls; peak RSS ${(bigRes.maxRssKiB / 1024).toFixed(0)} MiB ` +
        `(target <= 150; same child connected but idle: ${(idle.maxRssKiB / 1024).toFixed(0)} MiB)`,
    );
  } finally {
    cleanup();
  }
}

function loadavg(): string {
  try {
    return spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

if (process.argv[2] === '--child') {
  await child();
} else {
  await main();
}
