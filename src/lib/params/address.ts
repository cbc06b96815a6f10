/**
 * The one parser of network addresses in parameter files and stored records: IP addresses and
 * CIDRs, and `host[:port]` as registry servers, registry VNF endpoints, proxy URLs and no_proxy
 * entries write them (a host name, an IPv4 address, or an IPv6 address in brackets).
 *
 * Whether a text is an IP address is node:net's answer (inet_pton rules: no leading zeros in
 * IPv4, every IPv6 form); CIDR containment is node:net's BlockList; canonical IPv6 text is
 * node:net's SocketAddress (inet_ntop). Written here only what node has no API for: the network
 * address of a CIDR (host bits cleared), which needs the address as a number.
 */
import { BlockList, isIP, SocketAddress } from 'node:net';

export type IpVersion = 4 | 6;

const family = (v: IpVersion) => (v === 4 ? 'ipv4' : 'ipv6');

/** 4 or 6 for an IP address, else undefined. Zone indexes (`fe80::1%eth0`) are refused: no file we write can carry one. */
export function ipVersion(s: string): IpVersion | undefined {
  if (s.includes('%')) return undefined;
  const v = isIP(s);
  return v === 4 || v === 6 ? v : undefined;
}

/** The address as a number; `s` must be a valid address of version `v`. */
function toBigInt(s: string, v: IpVersion): bigint {
  if (v === 4) return s.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
  // Canonical text has at most one '::' and an embedded IPv4 only as the last group.
  let text = new SocketAddress({ address: s, family: 'ipv6' }).address;
  const last = text.slice(text.lastIndexOf(':') + 1);
  if (last.includes('.')) {
    const n = Number(toBigInt(last, 4));
    text = `${text.slice(0, text.lastIndexOf(':') + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBigInt(n: bigint, v: IpVersion): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((sh) => String((n >> sh) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/** The canonical text of an IP address (IPv6 compressed as inet_ntop writes it), or undefined. */
export function canonicalIp(s: string): string | undefined {
  const v = ipVersion(s);
  if (v === undefined) return undefined;
  return v === 4 ? s : new SocketAddress({ address: s, family: 'ipv6' }).address;
}

export interface Cidr {
  version: IpVersion;
  /** Network address (host bits cleared), canonical text. */
  network: string;
  prefix: number;
  /** Whether the given address had host bits set. */
  hostBits: boolean;
  /** Canonical `network/prefix`. */
  text: string;
}

/** `address/prefix`, or undefined. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  const version = ipVersion(addr);
  if (version === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = version === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const value = toBigInt(addr, version);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = fromBigInt(value & ~hostMask, version);
  return { version, network, prefix, hostBits: (value & hostMask) !== 0n, text: `${network}/${prefix}` };
}

/** Whether two networks share an address: one contains the other's network address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  const contains = (outer: Cidr, inner: Cidr) => {
    const list = new BlockList();
    list.addSubnet(outer.network, outer.prefix, family(outer.version));
    return list.check(inner.network, family(inner.version));
  };
  return contains(a, b) || contains(b, a);
}

/** Whether an address lies in a network (false for anything that is not an address of its version). */
export function cidrContains(cidr: Cidr, address: string): boolean {
  if (ipVersion(address) !== cidr.version) return false;
  const list = new BlockList();
  list.addSubnet(cidr.network, cidr.prefix, family(cidr.version));
  return list.check(address, family(cidr.version));
}

// ---------------------------------------------------------------------------------------------
// Host names and host[:port]

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const LABEL_UNDERSCORE = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** RFC 1123 host name (letters, digits, hyphens; dot-separated labels; not all-numeric). */
export function isHostname(s: string, allowUnderscore = false): boolean {
  if (!s || s.length > 253) return false;
  if (/^[0-9.]+$/.test(s)) return false; // looks like an IPv4 address: it must then be one
  return s.split('.').every((l) => (allowUnderscore ? LABEL_UNDERSCORE : LABEL).test(l));
}

/** Why a port text is not a TCP port, or undefined. */
export function portTextProblem(p: string): string | undefined {
  if (!/^[0-9]+$/.test(p)) return `the port "${p}" is not a number`;
  const n = Number(p);
  if (n < 1 || n > 65535) return `the port ${p} is outside 1–65535`;
  return undefined;
}

export interface HostPort {
  kind: 'name' | 'ipv4' | 'ipv6';
  /** The host as written, without brackets (not canonicalized: image references must match it). */
  host: string;
  port?: number;
  /** `host[:port]` as image references write it: IPv6 in brackets. */
  text: string;
}

export type HostPortResult = { ok: true; value: HostPort } | { ok: false; hint?: string };

/**
 * `host[:port]`: a host name, an IPv4 address, or `[IPv6]`; the port 1–65535. `lastColon`: the
 * port follows the last colon (proxy URLs), else more than one colon is refused.
 */
export function parseHostPort(s: string, opts: { allowUnderscore?: boolean; lastColon?: boolean } = {}): HostPortResult {
  let host: string;
  let portText: string | undefined;
  let kind: HostPort['kind'];
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    const inner = close < 0 ? '' : s.slice(1, close);
    const rest = close < 0 ? '' : s.slice(close + 1);
    if (close < 0 || ipVersion(inner) !== 6 || (rest !== '' && !rest.startsWith(':'))) return { ok: false, hint: 'the part in [ ] must be an IPv6 address' };
    host = inner;
    kind = 'ipv6';
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colons = s.split(':').length - 1;
    if (colons > 1 && !opts.lastColon) {
      return ipVersion(s) === 6 ? { ok: false, hint: `put an IPv6 address in brackets: [${s}]:5000` } : { ok: false };
    }
    const i = opts.lastColon ? s.lastIndexOf(':') : s.indexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
    if (!host) return { ok: false, hint: 'the host is missing' };
    if (ipVersion(host) === 4) kind = 'ipv4';
    else if (isHostname(host, opts.allowUnderscore)) kind = 'name';
    else return { ok: false, hint: /^[0-9.]+$/.test(host) ? `"${host}" is not a valid IPv4 address` : `"${host}" is not a valid host name` };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    const bad = portTextProblem(portText);
    if (bad) return { ok: false, hint: bad };
    port = Number(portText);
  }
  const hostText = kind === 'ipv6' ? `[${host}]` : host;
  return { ok: true, value: { kind, host, ...(port !== undefined ? { port } : {}), text: port !== undefined ? `${hostText}:${port}` : hostText } };
}

/** A registry address `host[:port]` (no scheme, no path), parsed; the one parser vnflcm uses for registry servers. */
export function parseRegistryAddress(s: string): HostPortResult {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s);
  if (scheme) return { ok: false, hint: `leave out "${scheme[0]}"; connection_type selects HTTP or HTTPS` };
  if (!s.startsWith('[') && s.includes('/')) return { ok: false, hint: 'no path: only host and port' };
  return parseHostPort(s);
}
