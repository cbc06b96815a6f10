/**
 * Private registries of a Kubernetes cluster VNF (`private_registry_connection_info`): resolving
 * the entries (package CA files, `vnf:<instance id>` servers) into the data every node file is
 * rendered from (render.ts), and what the registry check verifies on a node.
 */
import { realpath } from 'node:fs/promises';
import { CliError, ExitCode } from '../../errors.js';
import { resolveInPackage } from '../../package/paths.js';
import { type HostPort, parseRegistryAddress } from '../../params/address.js';
import type { PrivateRegistryConnection } from '../../params/schema.js';
import type { Store } from '../../store/index.js';

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
