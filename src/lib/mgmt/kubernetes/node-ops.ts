/**
 * Commands on one connected node besides its files: the registry check, the install script,
 * kubectl as the cluster admin. All commands are argv arrays or uploaded scripts; data goes
 * over stdin.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, ExitCode } from '../../errors.js';
import { RemoteCommandError, RemoteError, type RemoteHost, type RunResult } from '../../remote/index.js';
import { parseScriptOutput } from './install.js';
import type { RegistryCheckSpec } from './registries.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Local path of one of this driver's remote scripts (beside the module, or in the source tree when running from dist/). */
export function driverScript(name: string): string {
  const candidates = [join(HERE, 'scripts', name), join(HERE, '..', '..', '..', '..', 'src', 'lib', 'mgmt', 'kubernetes', 'scripts', name)];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`kubernetes driver script ${name} not found (looked in ${candidates.join(', ')})`);
}

export const ADMIN_CONF = '/etc/kubernetes/admin.conf';
const SHORT_MS = 2 * 60_000;

const scriptCache = new Map<string, Promise<Buffer>>();
function scriptText(name: string): Promise<Buffer> {
  let p = scriptCache.get(name);
  if (!p) {
    p = readFile(driverScript(name));
    scriptCache.set(name, p);
  }
  return p;
}

/** One line of the registry check's output. */
export interface CheckLine {
  server: string;
  view: string;
  ok: boolean;
  detail: string;
}

/** A registry check failed on a node: names the node and every failing registry. */
export class RegistryCheckError extends RemoteError {
  readonly node: string;
  readonly failures: CheckLine[];
  constructor(node: string, target: string, failures: CheckLine[]) {
    super(
      [`Node ${node} (${target}) cannot pull from ${failures.length === 1 ? 'a private registry' : `${failures.length} private registries`} with its configuration:`]
        .concat(failures.map((f) => `  - ${f.server} (${f.view} view): ${f.detail}`))
        .join('\n'),
      { target, step: 'check registries' },
    );
    this.name = 'RegistryCheckError';
    this.node = node;
    this.failures = failures;
  }
}

export function parseCheckLines(stdout: string): CheckLine[] {
  const out: CheckLine[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'check' && f.length >= 5) out.push({ server: f[1] as string, view: f[2] as string, ok: f[3] === 'ok', detail: f.slice(4).join(' ') });
  }
  return out;
}

/** The registry check (the check script on stdin; the spec on the command line, it holds no secret). */
export async function checkRegistries(
  host: RemoteHost,
  spec: { node: string; runtime: string; registries: RegistryCheckSpec[] },
  step = 'check registries',
): Promise<CheckLine[]> {
  const script = await scriptText('registry-check.py');
  const r = await host.run(['python3', '-', JSON.stringify(spec)], { sudo: true, stdin: script, step, timeoutMs: SHORT_MS });
  const lines = parseCheckLines(r.stdout);
  if (r.code === 0) return lines;
  if (r.code === 1) throw new RegistryCheckError(spec.node, host.target, lines.filter((c) => !c.ok));
  throw commandError(host, step, r);
}

function commandError(host: RemoteHost, step: string, r: RunResult): RemoteCommandError {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n');
  return new RemoteCommandError({ target: host.target, step, code: r.code, signal: r.signal, stderrTail: host.secrets.apply(tail), logPath: host.log?.path });
}

/** Run the install script as root with its config on stdin; returns its key:value output. */
export async function runInstallScript(
  host: RemoteHost,
  scriptLocal: string,
  config: string,
  o: { step: string; timeoutMs: number; secrets?: string[] },
): Promise<Record<string, string>> {
  const r = await host.runChecked({ script: scriptLocal, args: ['--config', '/dev/stdin'] }, { sudo: true, stdin: config, step: o.step, timeoutMs: o.timeoutMs, secrets: o.secrets });
  return parseScriptOutput(r.stdout);
}

/** `kubectl --kubeconfig /etc/kubernetes/admin.conf ARGS` as root (result, not checked). */
export function kubectl(host: RemoteHost, args: readonly string[], o: { step: string; timeoutMs?: number }): Promise<RunResult> {
  return host.run(['kubectl', '--kubeconfig', ADMIN_CONF, ...args], { sudo: true, step: o.step, timeoutMs: o.timeoutMs ?? SHORT_MS });
}

export async function kubectlChecked(host: RemoteHost, args: readonly string[], o: { step: string; timeoutMs?: number }): Promise<RunResult> {
  const r = await kubectl(host, args, o);
  if (r.code !== 0) throw commandError(host, o.step, r);
  return r;
}

/** The registry check script (bundled with the driver; `vnflcm registry-check` runs it too). */
export function checkScript(): Promise<Buffer> {
  return scriptText('registry-check.py');
}

/** Whether the cluster has a node object of that name (kubectl on a master). */
export async function nodeExists(host: RemoteHost, name: string): Promise<boolean> {
  const r = await kubectl(host, ['get', 'node', name, '-o', 'name'], { step: `look up node ${name}` });
  if (r.code === 0) return r.stdout.trim() !== '';
  if (/NotFound|not found/i.test(r.stderr)) return false;
  throw new CliError(`kubectl get node ${name} failed on ${host.target}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`, ExitCode.remote);
}
