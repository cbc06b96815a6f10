/**
 * Start-up cost of the CLI: `vnflcm show ID -f json` and `vnflcm --help`, wall time and peak RSS,
 * median of N runs after a warm-up, as ratios against the real python client measured on the same
 * kind of machine (cli-reference.md §7: `openstack vnflcm show <id> -f json` 1.44 s,
 * `openstack vnflcm --help` 1.36 s, peak RSS 110 MiB). Targets: ≤ 0.15 s and ≤ 60 MiB.
 *
 *   npm run build && npm run bench            (BENCH_RUNS=N to change the number of runs)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BASELINE = { show: 1.44, help: 1.36, rssMiB: 110 };
const TARGET = { seconds: 0.15, rssMiB: 60 };

const home = mkdtempSync(join(tmpdir(), 'vnflcm-bench-'));
const env = { ...process.env, VNFLCM_HOME: home, NO_COLOR: '1' };
execFileSync(process.execPath, [BIN, 'package', 'add', join(ROOT, 'samples', 'private-registry-vnf-package')], { env, stdio: 'ignore' });
const id = execFileSync(process.execPath, [BIN, 'create', 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f', '-f', 'value', '-c', 'ID'], { env })
  .toString()
  .trim();

interface Sample {
  seconds: number;
  rssMiB: number;
}

/** One run under GNU time: elapsed wall seconds and max RSS. */
function once(args: string[]): Sample {
  const out = join(home, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %M', process.execPath, BIN, ...args], { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`vnflcm ${args.join(' ')} exited ${r.status}`);
  const [e, m] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
  return { seconds: e ?? NaN, rssMiB: (m ?? NaN) / 1024 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function bench(name: string, args: string[], baseline: number): void {
  once(args); // warm-up (file cache)
  const samples = Array.from({ length: RUNS }, () => once(args));
  const t = median(samples.map((s) => s.seconds));
  const rss = Math.max(...samples.map((s) => s.rssMiB));
  console.log(
    `${name.padEnd(22)} median ${t.toFixed(3)} s (target ${TARGET.seconds} s, ${(baseline / t).toFixed(1)}x faster than the python client's ${baseline} s)` +
      `   peak RSS ${rss.toFixed(1)} MiB (target ${TARGET.rssMiB}, ${(rss / BASELINE.rssMiB).toFixed(2)} of the python client's ${BASELINE.rssMiB} MiB)`,
  );
}

console.log(`node ${process.version}, ${RUNS} runs each, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
bench('show ID -f json', ['show', id, '-f', 'json'], BASELINE.show);
bench('--help', ['--help'], BASELINE.help);
const empty = Array.from({ length: RUNS }, () => {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  return Number(process.hrtime.bigint() - t0) / 1e9;
});
console.log(`${'(node -e 0)'.padEnd(22)} median ${median(empty).toFixed(3)} s: the floor any Node CLI pays`);
