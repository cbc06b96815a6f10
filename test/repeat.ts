// Runs the end-to-end suite (or the given test files) N times in a row on the same environment,
// to show that it passes every time: per-run counts and durations, then a summary; exits non-zero
// when any run had a failure. Written here because it only wraps `node --test` and reads its TAP.
//
//   npm run test:repeat -- 3                               # test/e2e/*.test.ts, 3 times
//   npm run test:repeat -- 5 test/e2e/remote-ssh.test.ts   # one file, 5 times
//
// Uses the shared test environment like `npm run test:e2e`; run it under the same lock as any
// e2e test on a shared machine (the runner does not take it: a lock held around it would deadlock).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface RunResult {
  run: number;
  exitCode: number | null;
  signal: string | null;
  seconds: number;
  counts: Record<'tests' | 'pass' | 'fail' | 'cancelled' | 'skipped' | 'todo', number>;
  failed: string[];
}

function usage(message?: string): never {
  if (message) process.stderr.write(`test:repeat: ${message}\n`);
  process.stderr.write('usage: npm run test:repeat -- [N=3] [TEST-FILE...]   (default files: test/e2e/*.test.ts)\n');
  process.exit(2);
}

function parseArgs(argv: string[]): { times: number; files: string[]; label: string } {
  if (argv.includes('-h') || argv.includes('--help')) usage();
  let times = 3;
  let rest = argv;
  if (argv[0] !== undefined && /^\d+$/.test(argv[0])) {
    times = Number(argv[0]);
    rest = argv.slice(1);
  }
  if (times < 1 || times > 1000) usage(`N must be between 1 and 1000, not ${times}`);
  const files = rest.length > 0
    ? rest
    : readdirSync(join(ROOT, 'test/e2e')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('test/e2e', f));
  for (const f of files) {
    if (f.startsWith('-')) usage(`unknown option ${f}`);
    if (!existsSync(resolve(ROOT, f))) usage(`no such test file: ${f}`);
  }
  return { times, files, label: rest.length > 0 ? files.join(' ') : `test/e2e/*.test.ts (${files.length} files)` };
}

/** The summary counts and the failed tests' names from node:test's TAP output. */
function readTap(tap: string): Pick<RunResult, 'counts' | 'failed'> {
  const counts: RunResult['counts'] = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  for (const key of Object.keys(counts) as (keyof RunResult['counts'])[]) {
    const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap);
    if (m?.[1]) counts[key] = Number(m[1]);
  }
  // Innermost failures only: a suite or file that failed because of a test in it is not repeated.
  // node:test prints a test's subtests between its `# Subtest:` header and its result line, deeper.
  const failed: string[] = [];
  const lines = tap.split('\n');
  const indentOf = (l: string): number => /^(\s*)/.exec(l)?.[1]?.length ?? 0;
  lines.forEach((l, i) => {
    const m = /^(\s*)not ok \d+ - (.*?)(?: # .*)?$/.exec(l);
    if (!m) return;
    const depth = m[1]?.length ?? 0;
    let j = i - 1;
    while (j >= 0 && !(indentOf(lines[j] ?? '') <= depth && /^\s*(# Subtest: |(not )?ok \d+ - )/.test(lines[j] ?? ''))) j--;
    const childFailed = lines.slice(j + 1, i).some((c) => indentOf(c) > depth && /^\s*not ok \d+ - /.test(c));
    if (!childFailed) failed.push(m[2] ?? l.trim());
  });
  return { counts, failed };
}

function runOnce(run: number, times: number, files: string[], tapFile: string): Promise<RunResult> {
  process.stdout.write(`\n=== run ${run}/${times}: ${files.length} file(s) ===\n`);
  const t0 = performance.now();
  const args = [
    '--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('close', (exitCode, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      let tap = '';
      try {
        tap = readFileSync(tapFile, 'utf8');
      } catch {
        /* the runner died before writing: counted as a failed run below */
      }
      done({ run, exitCode, signal, seconds, ...readTap(tap) });
    });
  });
}

function ok(r: RunResult): boolean {
  return r.exitCode === 0 && r.counts.fail === 0 && r.counts.cancelled === 0 && r.counts.tests > 0;
}

function line(r: RunResult): string {
  const c = r.counts;
  const exit = r.signal ? `signal ${r.signal}` : `exit ${r.exitCode}`;
  return `run ${r.run}: ${ok(r) ? 'PASS' : 'FAIL'}  ${c.tests} tests, ${c.pass} passed, ${c.fail} failed, ` +
    `${c.cancelled} cancelled, ${c.skipped} skipped  ${r.seconds.toFixed(1)} s  (${exit})`;
}

async function main(): Promise<void> {
  const { times, files, label } = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'vnflcm-repeat-'));
  const results: RunResult[] = [];
  let interrupted = false;
  process.on('SIGINT', () => (interrupted = true)); // the child gets it too; stop after it ends
  try {
    for (let run = 1; run <= times && !interrupted; run++) {
      const r = await runOnce(run, times, files, join(tmp, `run-${run}.tap`));
      results.push(r);
      process.stdout.write(`--- ${line(r)}\n`);
      for (const name of r.failed) process.stdout.write(`      failed: ${name}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const passed = results.filter(ok).length;
  const secs = results.map((r) => r.seconds);
  process.stdout.write(`\n=== test:repeat summary: ${label} ===\n`);
  for (const r of results) process.stdout.write(`${line(r)}\n`);
  if (results.length > 0) {
    process.stdout.write(
      `${passed}/${results.length} runs passed${interrupted ? ` (interrupted; ${times} requested)` : ''}; ` +
        `duration min ${Math.min(...secs).toFixed(1)} s, max ${Math.max(...secs).toFixed(1)} s, ` +
        `total ${secs.reduce((a, b) => a + b, 0).toFixed(1)} s\n`,
    );
  }
  const flaky = new Map<string, number>();
  for (const r of results) for (const name of r.failed) flaky.set(name, (flaky.get(name) ?? 0) + 1);
  for (const [name, n] of flaky) process.stdout.write(`failed in ${n}/${results.length} runs: ${name}\n`);
  process.exitCode = passed === times && !interrupted ? 0 : 1;
}

await main();
