/**
 * Operations on one connected node: read configuration files, apply a bundle (files, restarts,
 * docker logins, registry check) in one command, run the install script, run kubectl as the
 * cluster admin. All commands are argv arrays or uploaded scripts; data goes over stdin.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteCommandError, RemoteError, type RemoteHost, type RunResult } from '../../remote/index.js';
import type { Bundle } from './bundle.js';
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

/**
 * What runs a bundle: extract the tar from stdin into a fresh private directory and run its
 * apply.sh (node-apply.sh) from there. Constant text; the data only ever comes on stdin.
 */
export const BUNDLE_ENTRY = 'umask 077; d=$(mktemp -d /tmp/vnflcm-apply.XXXXXXXX) || exit 1; tar -x -C "$d" -f - || { rm -rf "$d"; exit 1; }; exec bash "$d/apply.sh" "$d"';

export interface GatheredFile {
  content: Buffer;
  sha256: string;
}

/**
 * Current content of configuration files (undefined = absent), one command for all. A path given
 * as `?PATH` is only tested for existence (its entry, under `?PATH`, has empty content).
 */
export async function gatherFiles(host: RemoteHost, paths: readonly string[], step: string): Promise<Map<string, GatheredFile | undefined>> {
  // gather.sh is constant code: passed to bash -c (one command, no SFTP upload); the paths are argv
  const r = await host.runChecked(['bash', '-c', (await scriptText('gather.sh')).toString('utf8'), 'gather.sh', ...paths], { sudo: true, step, timeoutMs: SHORT_MS });
  const out = new Map<string, GatheredFile | undefined>();
  for (const line of r.stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'file' && f.length === 4) out.set(f[1] as string, { sha256: f[2] as string, content: Buffer.from(f[3] as string, 'base64') });
    else if (f[0] === 'absent' && f.length === 2) {
      const p = f[1] as string;
      out.set(paths.includes(`?${p}`) ? `?${p}` : p, undefined);
    } else if (f[0] === 'present' && f.length === 2) out.set(`?${f[1] as string}`, { content: Buffer.alloc(0), sha256: '' });
  }
  for (const p of paths) {
    if (!out.has(p)) throw new RemoteError(`Step "${step}" on ${host.target}: no answer for ${p} from gather.sh`, { target: host.target, step });
  }
  return out;
}

/** One line of the registry check's output. */
export interface CheckLine {
  server: string;
  view: string;
  ok: boolean;
  detail: string;
}

export interface ApplyResult {
  /** The node has joined a cluster before (/etc/kubernetes/kubelet.conf exists; 'pre' only). */
  joined?: boolean;
  changed: string[];
  restarted: string[];
  logins: string[];
  checks: CheckLine[];
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

/** Thrown by {@link applyBundle} when a guarded file changed between the read and the write. */
export class ApplyConflictError extends RemoteError {}

export function parseCheckLines(stdout: string): CheckLine[] {
  const out: CheckLine[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'check' && f.length >= 5) out.push({ server: f[1] as string, view: f[2] as string, ok: f[3] === 'ok', detail: f.slice(4).join(' ') });
  }
  return out;
}

function parseApply(stdout: string): ApplyResult {
  const res: ApplyResult = { changed: [], restarted: [], logins: [], checks: parseCheckLines(stdout) };
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] !== 'vnflcm') continue;
    if (f[1] === 'changed') res.changed.push(f[2] ?? '');
    else if (f[1] === 'restarted') res.restarted.push(f[2] ?? '');
    else if (f[1] === 'login') res.logins.push(f[2] ?? '');
  }
  return res;
}

/** Apply a bundle with node-apply.sh (as root); throws RegistryCheckError / ApplyConflictError / RemoteCommandError. */
export async function applyBundle(host: RemoteHost, bundle: Bundle, o: { node: string; step: string; secrets?: string[] }): Promise<ApplyResult> {
  const tarball = bundle.toTar(await scriptText('node-apply.sh'));
  const r = await host.run(['sh', '-c', BUNDLE_ENTRY], { sudo: true, stdin: tarball, step: o.step, timeoutMs: 10 * 60_000, secrets: o.secrets });
  const res = parseApply(r.stdout);
  if (r.code === 0) return res;
  if (r.code === 10) throw new RegistryCheckError(o.node, host.target, res.checks.filter((c) => !c.ok));
  if (r.code === 3) {
    throw new ApplyConflictError(`Step "${o.step}" on ${host.target}: a file changed while vnflcm was preparing it: ${r.stderr.trim()}`, {
      target: host.target,
      step: o.step,
    });
  }
  throw commandError(host, o.step, r);
}

/** Run the registry check alone (the check script on stdin; the spec on the command line, it holds no secret). */
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

/** The registry check script (bundled with the driver). */
export function checkScript(): Promise<Buffer> {
  return scriptText('registry-check.py');
}
