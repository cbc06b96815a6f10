/**
 * Private registries of a Kubernetes cluster VNF (`private_registry_connection_info`): resolving
 * the entries (package CA files, `vnf:<instance id>` servers) and rendering every file a node
 * needs to pull from them with only its own configuration:
 *
 *   containerd (always; kubelet pulls through CRI even with the docker runtime)
 *     /etc/containerd/config.toml        config_path = "/etc/containerd/certs.d" in the CRI registry table
 *     /etc/containerd/certs.d/<server>/hosts.toml   http:// (type "0") or https:// + ca (type "1")
 *     /etc/containerd/certs.d/<server>/ca.crt       the package's CA file (type "1" with certificate_path)
 *     /var/lib/kubelet/config.json       {"auths": {"<server>": {"auth": base64(user:pass)}}}, 0600 root
 *   docker (container_runtime: docker)
 *     /etc/docker/daemon.json            "insecure-registries": the type "0" servers
 *     /etc/docker/certs.d/<server>/ca.crt
 *     /root/.docker/config.json          by `docker login --password-stdin`
 *
 * Every renderer is a pure function of the configuration (and, for the two shared config files,
 * of their current content), so a node is configured the same way every time.
 */
import { realpath } from 'node:fs/promises';
import { CliError, ExitCode } from '../../errors.js';
import { resolveInPackage } from '../../package/paths.js';
import { type HostPort, parseRegistryAddress } from '../../params/address.js';
import type { PrivateRegistryConnection } from '../../params/schema.js';
import type { Store } from '../../store/index.js';

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
export const CONTAINERD_CERTS_D = '/etc/containerd/certs.d';
export const KUBELET_CREDENTIALS = '/var/lib/kubelet/config.json';
export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';
export const DOCKER_CERTS_D = '/etc/docker/certs.d';

/** A registry entry after resolution: what the nodes are configured with. */
export interface RegistrySpec {
  /** host[:port] exactly as in image references (a `vnf:` entry resolved to the registry VNF's endpoint). */
  server: string;
  /** connection_type "1": HTTPS; "0": plain HTTP. */
  secure: boolean;
  username?: string;
  password?: string;
  /** Local absolute path of the CA certificate (from the package), type "1" only. */
  caFile?: string;
  /** A line for /etc/hosts. */
  hostsLine?: string;
  /** The server as written in the parameters (e.g. `vnf:<id>`), for messages. */
  configured: string;
  /** `server` parsed: host name, IPv4 or IPv6, and port (always set by resolveRegistries). */
  address?: HostPort;
}

/** The registry VNF's endpoint, as its driver records it in the instance metadata. */
interface RegistryVnfMetadata {
  private_registry?: { endpoint?: unknown };
}

function inputError(message: string): CliError {
  return new CliError(message, ExitCode.invalidInput);
}

/** `server: "vnf:<id>"` → the `ip:port` endpoint recorded by the registry VNF's driver. */
export async function resolveRegistryVnf(store: Pick<Store, 'getInstance'>, server: string, index: number): Promise<HostPort> {
  const id = server.slice('vnf:'.length);
  const where = `private_registry_connection_info[${index}].server "${server}"`;
  const inst = await store.getInstance(id);
  if (!inst) throw inputError(`${where}: there is no VNF instance ${id} (see 'vnflcm list').`);
  if (inst.instantiationState !== 'INSTANTIATED') {
    throw inputError(`${where}: VNF instance ${id} (${inst.vnfInstanceName || inst.vnfProductName}) is ${inst.instantiationState}; instantiate the registry VNF first.`);
  }
  const endpoint = (inst.metadata as RegistryVnfMetadata | undefined)?.private_registry?.endpoint;
  const parsed = typeof endpoint === 'string' ? parseRegistryAddress(endpoint) : undefined;
  if (!parsed?.ok || parsed.value.port === undefined) {
    throw inputError(
      `${where}: VNF instance ${id} (${inst.vnfInstanceName || inst.vnfProductName}) has no private registry endpoint recorded ` +
        '(metadata.private_registry.endpoint); is it a Docker private registry VNF whose instantiate_end completed?',
    );
  }
  return parsed.value;
}

/**
 * Resolve the parsed entries (the schema checked them: addresses, credentials in pairs, CA files
 * only for HTTPS, no server twice): `vnf:` servers to the registry VNF's endpoint, CA files to
 * their place in the package. What only resolution can tell is refused here: an unknown or
 * uninstantiated registry VNF, HTTPS to a registry VNF (it serves HTTP), a CA file that is missing
 * or leaves the package, and two entries that resolve to the same server.
 */
export async function resolveRegistries(
  entries: readonly PrivateRegistryConnection[] | undefined,
  opts: { store: Pick<Store, 'getInstance'>; packageRoot: string },
): Promise<RegistrySpec[]> {
  const out: RegistrySpec[] = [];
  const root = await realpath(opts.packageRoot);
  for (const [i, e] of (entries ?? []).entries()) {
    const where = `private_registry_connection_info[${i}]`;
    const secure = e.connection_type === '1';
    let address: HostPort;
    if (e.server.startsWith('vnf:')) {
      address = await resolveRegistryVnf(opts.store, e.server, i);
      if (secure) throw inputError(`${where}: the registry VNF ${e.server} serves plain HTTP at ${address.text}; use connection_type "0".`);
    } else {
      const parsed = parseRegistryAddress(e.server);
      // the schema accepted it: this only fails for an entry that did not come through the schema
      if (!parsed.ok) throw new Error(`${where}: unparsed registry server ${JSON.stringify(e.server)}`);
      address = parsed.value;
    }
    let caFile: string | undefined;
    if (e.certificate_path !== undefined) {
      const r = await resolveInPackage(root, e.certificate_path);
      if (r.kind !== 'file') {
        throw inputError(
          `${where}.certificate_path "${e.certificate_path}": ${r.kind === 'outside' ? 'resolves outside the VNF package' : r.kind === 'dir' ? 'is a directory' : 'no such file in the VNF package'}.`,
        );
      }
      caFile = r.abs;
    }
    const server = address.text;
    if (out.some((o) => o.server === server)) throw inputError(`${where}: registry ${server} is listed twice.`);
    out.push({
      server,
      secure,
      configured: e.server,
      address,
      ...(e.username !== undefined && e.password !== undefined ? { username: e.username, password: e.password } : {}),
      ...(caFile ? { caFile } : {}),
      ...(e.hosts_string ? { hostsLine: e.hosts_string } : {}),
    });
  }
  return out;
}

/** Directory name of a registry under certs.d (host[:port]; a bracketed IPv6 host keeps its brackets). */
export function certsDirName(server: string): string {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(server) || server.includes('..')) throw new Error(`unexpected registry server ${JSON.stringify(server)}`);
  return server;
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** `/etc/containerd/certs.d/<server>/ca.crt` when the registry has a CA file. */
export function containerdCaPath(reg: RegistrySpec): string | undefined {
  return reg.caFile ? `${CONTAINERD_CERTS_D}/${certsDirName(reg.server)}/ca.crt` : undefined;
}

/** containerd's hosts.toml for one registry. */
export function renderHostsToml(reg: RegistrySpec): string {
  const url = `${reg.secure ? 'https' : 'http'}://${reg.server}`;
  const ca = containerdCaPath(reg);
  const lines = [
    `# managed by vnflcm: registry ${reg.server} (${reg.secure ? 'HTTPS' : 'HTTP'})`,
    `server = ${tomlString(url)}`,
    '',
    `[host.${tomlString(url)}]`,
    '  capabilities = ["pull", "resolve"]',
  ];
  if (ca) lines.push(`  ca = ${tomlString(ca)}`);
  return `${lines.join('\n')}\n`;
}

/** kubelet's credential file: every registry with credentials, in list order (null when none has any). */
export function renderKubeletCredentials(regs: readonly RegistrySpec[]): string {
  const auths: Record<string, { auth: string }> = {};
  for (const r of regs) {
    if (r.username === undefined || r.password === undefined) continue;
    auths[r.server] = { auth: Buffer.from(`${r.username}:${r.password}`, 'utf8').toString('base64') };
  }
  return `${JSON.stringify({ auths }, null, 2)}\n`;
}

/** The docker daemon.json with `insecure-registries` set to the HTTP registries; other keys kept. */
export function renderDaemonJson(current: string | undefined, regs: readonly RegistrySpec[]): { content: string; changed: boolean } {
  let cfg: Record<string, unknown> = {};
  if (current !== undefined && current.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(current);
    } catch (err) {
      throw new Error(`${DOCKER_DAEMON_JSON} is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${DOCKER_DAEMON_JSON} is not a JSON object`);
    cfg = parsed as Record<string, unknown>;
  }
  const insecure = regs.filter((r) => !r.secure).map((r) => r.server);
  const next: Record<string, unknown> = { ...cfg };
  if (insecure.length > 0) next['insecure-registries'] = insecure;
  else if (Array.isArray(cfg['insecure-registries']) && (cfg['insecure-registries'] as unknown[]).length > 0) next['insecure-registries'] = [];
  const changed = current === undefined ? insecure.length > 0 : !sameJson(cfg, next);
  return { content: `${JSON.stringify(next, null, 2)}\n`, changed };
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameJson(v, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
    return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

const CRI_REGISTRY_TABLES = [/^\[\s*plugins\s*\.\s*["']io\.containerd\.grpc\.v1\.cri["']\s*\.\s*registry\s*\]\s*(#.*)?$/, /^\[\s*plugins\s*\.\s*["']io\.containerd\.cri\.v1\.images["']\s*\.\s*registry\s*\]\s*(#.*)?$/];

/**
 * `config.toml` with `config_path = "/etc/containerd/certs.d"` in the CRI registry table (without it
 * containerd 1.6/1.7 ignores certs.d): the line is replaced, inserted under an existing table
 * header, or the table is appended (containerd 2 `version = 3` naming when the file says so).
 */
export function ensureConfigPath(current: string | undefined): { content: string; changed: boolean } {
  const want = `config_path = ${tomlString(CONTAINERD_CERTS_D)}`;
  const text = current ?? '';
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let inTable = false;
  let tableAt = -1;
  let found = false;
  const out: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    if (t.startsWith('[')) {
      inTable = CRI_REGISTRY_TABLES.some((re) => re.test(t));
      if (inTable && tableAt < 0) tableAt = out.length;
      out.push(line);
      continue;
    }
    if (inTable && /^config_path\s*=/.test(t)) {
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      out.push(`${indent}${want}`);
      found = true;
      continue;
    }
    out.push(line);
  }
  if (!found) {
    if (tableAt >= 0) {
      out.splice(tableAt + 1, 0, `  ${want}`);
    } else {
      const v3 = /^\s*version\s*=\s*3\b/m.test(text);
      if (out.length === 0) out.push(`version = ${v3 ? 3 : 2}`);
      out.push('', `[plugins.${v3 ? "'io.containerd.cri.v1.images'" : '"io.containerd.grpc.v1.cri"'}.registry]`, `  ${want}`);
    }
  }
  const content = `${out.join('\n')}\n`;
  return { content, changed: content !== (current ?? '') };
}

/** Short description of what a node gets for a registry (summary table). */
export function describeRegistry(reg: RegistrySpec): string {
  return `${reg.server} (${reg.secure ? 'https' : 'http'}${reg.caFile ? ', CA' : ''}${reg.username ? ', auth' : ''})`;
}

/** The registry checks' spec (what check.py verifies on a node); no secrets. */
export interface RegistryCheckSpec {
  server: string;
  secure: boolean;
  auth: boolean;
  ca: boolean;
}

export function checkSpecs(regs: readonly RegistrySpec[]): RegistryCheckSpec[] {
  return regs.map((r) => ({ server: r.server, secure: r.secure, auth: r.username !== undefined, ca: r.caFile !== undefined }));
}
