/**
 * The registry checks made from the operator's machine (`vnflcm registry check PARAM_FILE`, before
 * instantiate): for each `private_registry_connection_info` entry, the same chain the nodes run
 * (registry-check.py in step mode) — config, dns (the hosts_string applied in-process, as the
 * nodes get it in /etc/hosts), tcp, scheme (what the port really speaks), tls (only the given CA
 * trusted, as containerd's hosts.toml does), login (/v2/ with the Basic or Bearer token exchange of
 * the Docker registry API) and a manifest HEAD of the image the user names.
 *
 * The network checks are written here with node:net/tls because they must tell apart what a
 * generic HTTP client folds into one error (refused, plain HTTP on a TLS port, untrusted chain).
 */
import { X509Certificate } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupP } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { fetch, type Response } from '../http.js';
import { parseRegistryAddress } from '../params/address.js';
import type { RegistrySpec } from '../mgmt/kubernetes/registries.js';
import { CheckChain, CheckFailed, CheckSkipped, OPERATOR, type CheckRow } from './rows.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export const DEFAULT_TIMEOUT_MS = 15_000;

// Docker's reference grammar (distribution/reference), without the registry part: the registry is the one checked.
const REPO_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** `NAME[:TAG|@DIGEST]` → repository and reference (tag `latest` by default); undefined when it is not a valid image name. */
export function parseImage(image: string): { repo: string; ref: string } | undefined {
  let repo = image;
  let ref = 'latest';
  const at = image.indexOf('@');
  if (at >= 0) {
    repo = image.slice(0, at);
    ref = image.slice(at + 1);
    if (!DIGEST_RE.test(ref)) return undefined;
  } else {
    const colon = image.lastIndexOf(':');
    if (colon > image.lastIndexOf('/')) {
      repo = image.slice(0, colon);
      ref = image.slice(colon + 1);
      if (!TAG_RE.test(ref)) return undefined;
    }
  }
  return REPO_RE.test(repo) && repo.length <= 255 ? { repo, ref } : undefined;
}

export interface Endpoint {
  scheme: 'http' | 'https';
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** The server names its port (else the scheme's default is used). */
  explicitPort: boolean;
  /** `scheme://server` */
  base: string;
}

export function endpointOf(reg: Pick<RegistrySpec, 'server' | 'secure'>): Endpoint {
  const scheme = reg.secure ? 'https' : 'http';
  const a = parseRegistryAddress(reg.server);
  if (!a.ok) throw new CheckFailed(`"${reg.server}" is not host[:port]`);
  const { host, port } = a.value;
  return { scheme, host, port: port ?? (scheme === 'https' ? 443 : 80), explicitPort: port !== undefined, base: `${scheme}://${reg.server}` };
}

/** The names a hosts_string line gives addresses to. */
export function hostsMap(lines: readonly (string | undefined)[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const [ip, ...names] = (line ?? '').trim().split(/\s+/);
    if (!ip || names.length === 0) continue;
    for (const n of names) if (!map.has(n.toLowerCase())) map.set(n.toLowerCase(), ip);
  }
  return map;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family: number) => void;

/** A `lookup` for sockets that answers the hosts_string names itself (as /etc/hosts does on a node), the rest through DNS. */
function lookupWith(map: ReadonlyMap<string, string>) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const ip = map.get(hostname.toLowerCase());
    if (!ip) {
      dnsLookup(hostname, options, callback);
      return;
    }
    const family = net.isIP(ip);
    if (options.all) callback(null, [{ address: ip, family }], family);
    else callback(null, ip, family);
  };
}

function tcpConnect(addr: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: addr, port });
    s.setTimeout(timeoutMs, () => s.destroy(Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** What a port speaks: 'https' (completes a TLS handshake), 'http' (answers a plain request with HTTP/…), or undefined. */
export async function probeScheme(addr: string, port: number, host: string, timeoutMs: number): Promise<'http' | 'https' | undefined> {
  const tlsOk = await new Promise<boolean>((resolve) => {
    const s = tls.connect({ host: addr, port, ...(net.isIP(host) ? {} : { servername: host }), rejectUnauthorized: false });
    s.setTimeout(timeoutMs, () => s.destroy());
    s.once('secureConnect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
  if (tlsOk) return 'https';
  return new Promise((resolve) => {
    const s = net.connect({ host: addr, port });
    let head = '';
    s.setTimeout(timeoutMs, () => s.destroy());
    s.once('connect', () => s.write(`GET /v2/ HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (head.length >= 5) s.destroy();
    });
    s.once('error', () => undefined);
    s.once('close', () => resolve(head.startsWith('HTTP/') ? 'http' : undefined));
  });
}

const VERIFY_HINTS: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this server; use a server name it names (or add it to the certificate)',
  CERT_HAS_EXPIRED: 'the registry\'s certificate has expired',
};

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(h: string | null): Challenge | undefined {
  if (!h) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(h);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] as string).matchAll(/(\w+)="([^"]*)"/g)) params[(p[1] as string).toLowerCase()] = p[2] as string;
  return { scheme: (m[1] as string).toLowerCase(), params };
}

/** HTTP to one registry with the given CA and hosts_string names; remembers how it asks for credentials. */
class RegistryClient {
  private challenge: Challenge | undefined;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    private readonly ep: Endpoint,
    private readonly o: { ca?: Buffer; hosts: ReadonlyMap<string, string>; creds?: { username: string; password: string }; timeoutMs: number },
  ) {
    const lookup = lookupWith(o.hosts);
    this.agents = { http: new http.Agent({ lookup }), https: new https.Agent({ lookup, ...(o.ca ? { ca: o.ca } : {}) }) };
  }

  async call(path: string, init: { method?: string; headers?: Record<string, string>; auth?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.auth) headers.Authorization = init.auth;
    return fetch(path.startsWith('http') ? path : `${this.ep.base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      agent: (u: URL) => (u.protocol === 'https:' ? this.agents.https : this.agents.http),
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
  }

  setChallenge(h: string | null): void {
    this.challenge = parseChallenge(h);
  }

  get authScheme(): string {
    return this.challenge?.scheme === 'bearer' ? 'Bearer token' : 'Basic';
  }

  basic(): string {
    const c = this.o.creds;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}` : '';
  }

  /** The Authorization header for a request (scope: `repository:NAME:pull`), after a 401 told how. */
  async auth(scope?: string): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme !== 'bearer') return this.o.creds ? this.basic() : undefined;
    const { realm, ...rest } = this.challenge.params;
    if (!realm) throw new CheckFailed('the registry sent a Bearer challenge without realm');
    delete rest.error;
    const q = new URLSearchParams(rest);
    if (scope) q.set('scope', scope);
    const r = await this.call(`${realm}${realm.includes('?') ? '&' : '?'}${q.toString()}`, this.o.creds ? { auth: this.basic() } : {});
    if (r.status !== 200) {
      throw new CheckFailed(
        `token service ${realm} rejected ${this.o.creds ? `the credentials of ${this.o.creds.username}` : 'an anonymous request'} (HTTP ${r.status})`,
        this.o.creds ? 'check username/password of this registry' : 'give username/password for this registry',
      );
    }
    const body = (await r.json()) as { token?: string; access_token?: string };
    return `Bearer ${body.token ?? body.access_token ?? ''}`;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: unknown };
  const m = (e.message ?? String(err)).replace(/^request to \S+ failed, reason: /, '');
  return e.code && !m.includes(e.code) ? `${m} (${e.code})` : m;
}

export interface LocalCheckOptions {
  /** NAME[:TAG] for the manifest HEAD; none: that check is 'skip'. */
  image?: string;
  timeoutMs?: number;
}

/** Every check of every registry from this machine. */
export async function checkFromHere(regs: readonly RegistrySpec[], o: LocalCheckOptions = {}): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  // every hosts_string reaches every node's /etc/hosts: they all apply here too
  const hosts = hostsMap(regs.map((r) => r.hostsLine));
  for (const reg of regs) rows.push(...(await checkOne(reg, hosts, o)));
  return rows;
}

async function checkOne(reg: RegistrySpec, hosts: ReadonlyMap<string, string>, o: LocalCheckOptions): Promise<CheckRow[]> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const chain = new CheckChain({ node: OPERATOR, registry: reg.server, via: 'direct' });
  let ep: Endpoint | undefined;
  let ca: Buffer | undefined;
  let caCert: X509Certificate | undefined;
  let addr = '';
  let client: RegistryClient | undefined;

  await chain.run('config', async () => {
    ep = endpointOf(reg);
    const parts = [`${ep.base}`];
    if (reg.caFile) {
      ca = await readFile(reg.caFile);
      try {
        caCert = new X509Certificate(ca);
      } catch (err) {
        throw new CheckFailed(`certificate_path ${reg.caFile} is not a PEM certificate (${reason(err)})`, 'give the CA certificate (PEM) that signed the registry\'s certificate');
      }
      if (!caCert.ca) parts.push(`CA ${caCert.subject.replace(/\n/g, ', ')} (not a CA certificate: only that exact certificate is trusted)`);
      else parts.push(`CA ${caCert.subject.replace(/\n/g, ', ')}`);
    }
    if (reg.username) parts.push(`user ${reg.username}`);
    return parts.join(', ');
  });

  await chain.run('dns', async () => {
    const e = ep as Endpoint;
    if (net.isIP(e.host)) {
      addr = e.host;
      return `${e.host} is an IP address`;
    }
    const pinned = hosts.get(e.host.toLowerCase());
    if (pinned) {
      addr = pinned;
      return `${e.host} -> ${pinned} (hosts_string)`;
    }
    try {
      addr = (await dnsLookupP(e.host)).address;
    } catch (err) {
      throw new CheckFailed(`cannot resolve ${e.host} (${(err as { code?: string }).code ?? reason(err)})`, `the nodes have no DNS server: give this registry a hosts_string "<IP> ${e.host}"`);
    }
    return { detail: `${e.host} -> ${addr} (DNS of this machine)`, hint: `the nodes need DNS for ${e.host} too, or a hosts_string "${addr} ${e.host}"` };
  });

  await chain.run('tcp', async () => {
    const e = ep as Endpoint;
    try {
      await tcpConnect(addr, e.port, timeoutMs);
    } catch (err) {
      let hint = `nothing listens on port ${e.port} at ${addr}, or a firewall drops it`;
      if (!e.explicitPort) {
        const other = e.port === 443 ? 80 : 443;
        hint += `; without a port in "server", connection_type "${reg.secure ? '1' : '0'}" means port ${e.port}: is it an ${other === 443 ? 'HTTPS' : 'HTTP'} registry on ${other}?`;
      }
      throw new CheckFailed(`cannot connect to ${addr} port ${e.port}: ${reason(err)}`, hint);
    }
    return `connected to ${addr} port ${e.port}`;
  });

  await chain.run('scheme', async () => {
    const e = ep as Endpoint;
    const got = await probeScheme(addr, e.port, e.host, timeoutMs);
    if (!got) throw new CheckFailed(`${e.host} port ${e.port} answers neither TLS nor HTTP`, 'is it the registry\'s port?');
    if (got !== e.scheme) {
      throw new CheckFailed(
        `connection_type "${reg.secure ? '1' : '0'}" means ${e.scheme.toUpperCase()}, but ${e.host} port ${e.port} speaks ${got === 'https' ? 'HTTPS (TLS)' : 'plain HTTP'}`,
        `use connection_type "${got === 'https' ? '1' : '0'}" for this registry`,
      );
    }
    return `${e.host} port ${e.port} speaks ${got === 'https' ? 'HTTPS' : 'plain HTTP'}`;
  });

  await chain.run('tls', async () => {
    const e = ep as Endpoint;
    if (e.scheme !== 'https') throw new CheckSkipped('plain HTTP registry');
    const trust = caCert ? `CA ${reg.caFile}` : 'the system CAs';
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({
        host: addr,
        port: e.port,
        ...(net.isIP(e.host) ? {} : { servername: e.host }),
        ...(ca ? { ca } : {}),
        rejectUnauthorized: true,
        checkServerIdentity: (_h, c) => tls.checkServerIdentity(e.host, c),
      });
      s.setTimeout(timeoutMs, () => s.destroy(new Error(`no TLS handshake within ${Math.round(timeoutMs / 1000)} s`)));
      s.once('secureConnect', () => {
        const c = s.getPeerCertificate();
        s.destroy();
        resolve(c);
      });
      s.once('error', reject);
    }).catch((err: unknown) => {
      const code = (err as { code?: string }).code ?? '';
      const hint =
        VERIFY_HINTS[code] ??
        (caCert ? `certificate_path (${caCert.subject.replace(/\n/g, ', ')}) is not the CA that signed the registry's certificate` : 'give the registry\'s CA as certificate_path');
      throw new CheckFailed(`the certificate of ${e.host} is not trusted with ${trust}: ${reason(err)}`, hint);
    });
    return `verified with ${trust} (CN=${String(cert.subject?.CN ?? '?')}, until ${cert.valid_to})`;
  });

  try {
    await chain.run('login', async () => {
      const e = ep as Endpoint;
      client = new RegistryClient(e, { ...(ca ? { ca } : {}), hosts, ...(reg.username && reg.password !== undefined ? { creds: { username: reg.username, password: reg.password } } : {}), timeoutMs });
      let r: Response;
      try {
        r = await client.call('/v2/');
        if (r.status === 200) return `no login needed (/v2/ answers 200)${reg.username ? `; the credentials of ${reg.username} are not used` : ''}`;
        if (r.status !== 401) throw new CheckFailed(`${e.base}/v2/ answered HTTP ${r.status}`, `is ${e.base} a Docker registry (API v2)?`);
        client.setChallenge(r.headers.get('www-authenticate'));
        if (!reg.username) throw new CheckFailed('the registry needs a login (HTTP 401) and no credentials are given', 'give username/password for this registry');
        r = await client.call('/v2/', { auth: await client.auth() });
      } catch (err) {
        if (err instanceof CheckFailed) throw err;
        throw new CheckFailed(`${e.base}/v2/: ${reason(err)}`);
      }
      if (r.status === 200) return `logged in as ${reg.username} (${client.authScheme})`;
      throw new CheckFailed(`the registry rejected the credentials of ${reg.username} (HTTP ${r.status})`, 'username/password are not the registry\'s');
    });

    await chain.run('manifest', async () => {
      if (!o.image) throw new CheckSkipped('no image given (--image NAME[:TAG])');
      const img = parseImage(o.image);
      if (!img) throw new CheckFailed(`"${o.image}" is not an image name NAME[:TAG]`);
      const c = client as RegistryClient;
      let r: Response;
      try {
        r = await c.call(`/v2/${img.repo}/manifests/${img.ref}`, { method: 'HEAD', headers: { Accept: MANIFEST_ACCEPT }, auth: await c.auth(`repository:${img.repo}:pull`) });
      } catch (err) {
        if (err instanceof CheckFailed) throw err;
        throw new CheckFailed(`HEAD of the manifest ${img.repo}:${img.ref}: ${reason(err)}`);
      }
      if (r.status === 200) return `${img.repo}:${img.ref} is ${r.headers.get('docker-content-digest') ?? '?'} (${(r.headers.get('content-type') ?? '?').split(';')[0]})`;
      if (r.status === 404) throw new CheckFailed(`no manifest ${img.repo}:${img.ref} on ${reg.server} (HTTP 404)`, 'push the image, or check its name and tag');
      if (r.status === 401 || r.status === 403) throw new CheckFailed(`not allowed to pull ${img.repo} (HTTP ${r.status})`, 'the user has no pull right on this repository');
      throw new CheckFailed(`HEAD of the manifest ${img.repo}:${img.ref} answered HTTP ${r.status}`);
    });
  } finally {
    client?.close();
  }
  return chain.rows;
}
