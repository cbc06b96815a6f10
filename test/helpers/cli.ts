/** Run the built CLI (`bin/run.js`) as a real process, with its own VNFLCM_HOME. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateForHome, stateUrlOf } from './state.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'run.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempHome(prefix = 'vnflcm-test-'): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  stateForHome(home); // VNFLCM_TEST_STATE=pg: its own database (helpers/state.ts)
  return home;
}

/** The home's own state database in the pg pass, unless the test sets VNFLCM_STATE_URL itself. */
function stateEnv(home: string, env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const url = stateUrlOf(home);
  return url && !(env && 'VNFLCM_STATE_URL' in env) ? { VNFLCM_STATE_URL: url } : {};
}

export function runCli(
  args: string[],
  opts: { home: string; env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '80', ...opts.env, VNFLCM_HOME: opts.home, ...stateEnv(opts.home, opts.env) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A safety net against a hung CLI, not a performance limit; the note makes such a kill plain.
    const limitMs = opts.timeoutMs ?? 60_000;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed) stderr += `\n[runCli: vnflcm ${args.join(' ')} was still running after ${limitMs / 1000} s and was killed]\n`;
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
