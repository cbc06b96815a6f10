/**
 * Talking to the package's install script (`script_path`, the sample's
 * Scripts/install_k8s_cluster.sh): its KEY=VALUE config (sent on stdin, never on a command line
 * nor on disk), its `key:value` output, and the package's optional overrides file.
 *
 * Overrides: `<script_path without .sh>.conf` beside the script (the sample:
 * `Scripts/install_k8s_cluster.conf`) may pin what the script downloads — versions, apt
 * repositories (mirrors), the sandbox image, the CNI manifest (a URL, `none`, or a file of the
 * package that vnflcm uploads to the main master) and HA tunables. Keys the driver computes per
 * node (MODE, NODE_IP, tokens, …) cannot be overridden there. `kubernetes_version` in the
 * parameters wins over the file.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { CliError, ExitCode } from '../../errors.js';
import { resolveInPackage } from '../../package/paths.js';

/** Keys a package's overrides file may set. */
export const OVERRIDABLE_KEYS = [
  'KUBERNETES_VERSION',
  'K8S_PACKAGE_REVISION',
  'K8S_APT_REPO',
  'CONTAINERD_PACKAGE_VERSION',
  'DOCKER_PACKAGE_VERSION',
  'DOCKER_APT_REPO',
  'SANDBOX_IMAGE',
  'CNI_MANIFEST',
  'HA_PORT',
  'HA_VIP_PREFIX',
  'HA_VRRP_ROUTER_ID',
  'HA_VRRP_PASSWORD',
  'READY_TIMEOUT',
] as const;

export interface ScriptOverrides {
  /** Package-relative path of the overrides file, when there is one. */
  file?: string;
  values: Record<string, string>;
  /** CNI_MANIFEST named a package file: its absolute local path (uploaded to the main master). */
  cniLocalFile?: string;
}

/** Parse KEY=VALUE text the way the install script does ('#' lines, one pair of quotes removed). */
export function parseKeyValueFile(text: string, label: string, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#.*)?$/.test(line)) return;
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new CliError(`${label}:${i + 1}: expected KEY=VALUE`, ExitCode.invalidInput);
    const key = m[1] as string;
    let value = m[2] as string;
    if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) value = value.slice(1, -1);
    if (!allowed.includes(key)) {
      throw new CliError(`${label}:${i + 1}: ${key} cannot be set here (allowed: ${allowed.join(', ')})`, ExitCode.invalidInput);
    }
    out[key] = value;
  });
  return out;
}

/** The overrides file beside the install script, when the package has one. */
export async function loadScriptOverrides(packageRoot: string, scriptPath: string): Promise<ScriptOverrides> {
  const root = await realpath(packageRoot);
  const rel = `${scriptPath.replace(/\.sh$/, '')}.conf`;
  const r = await resolveInPackage(root, rel);
  if (r.kind !== 'file') return { values: {} };
  const values = parseKeyValueFile(await readFile(r.abs, 'utf8'), rel, OVERRIDABLE_KEYS);
  const out: ScriptOverrides = { file: rel, values };
  const cni = values.CNI_MANIFEST;
  if (cni !== undefined && cni !== 'none' && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(cni) && !cni.startsWith('/')) {
    const c = await resolveInPackage(root, cni);
    if (c.kind !== 'file') throw new CliError(`${rel}: CNI_MANIFEST ${cni}: no such file in the VNF package`, ExitCode.invalidInput);
    out.cniLocalFile = c.abs;
  }
  return out;
}

/** The install script's config text. Undefined and empty values are left out; no value may hold a line break. */
export function renderScriptConfig(values: Readonly<Record<string, string | undefined>>): string {
  const lines = ['# vnflcm: install_k8s_cluster.sh configuration'];
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === '') continue;
    if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`bad config key ${k}`);
    if (/[\r\n\0]/.test(v)) throw new CliError(`${k}: a value for the install script cannot contain a line break`, ExitCode.invalidInput);
    lines.push(`${k}=${v}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The script's stdout `key:value` lines (other lines ignored; the last value of a key wins). */
export function parseScriptOutput(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([a-z][a-z0-9_]*):(.*)$/.exec(line.replace(/\r$/, ''));
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** What a node needs to join, from `init` or `join-info`. */
export interface JoinInfo {
  apiServer: string;
  token: string;
  caCertHash: string;
  certificateKey: string;
}

export function joinInfoFrom(out: Record<string, string>, where: string): JoinInfo {
  const { api_server: apiServer, join_token: token, ca_cert_hash: caCertHash, certificate_key: certificateKey } = out;
  if (!apiServer || !token || !caCertHash || !certificateKey) {
    const missing = ['api_server', 'join_token', 'ca_cert_hash', 'certificate_key'].filter((k) => !out[k]);
    throw new CliError(`${where}: the install script printed no ${missing.join(', ')} (see the operation log)`, ExitCode.remote);
  }
  return { apiServer, token, caCertHash, certificateKey };
}

/** A kubeadm bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`), generated here so it is redacted from the log before any node prints it. */
export function newBootstrapToken(): string {
  const a = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number): string => Array.from({ length: n }, () => a[randomInt(a.length)]).join('');
  return `${pick(6)}.${pick(16)}`;
}

/** A certificate key for `kubeadm init phase upload-certs` (32 random bytes, hex). */
export function newCertificateKey(): string {
  return randomBytes(32).toString('hex');
}

/** `host:port` of an `https://host:port` URL. */
export function endpointOf(apiServer: string): string {
  return apiServer.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
