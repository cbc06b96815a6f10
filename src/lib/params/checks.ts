/**
 * Value-level checks shared by the param-file schemas and the semantic validation: addresses,
 * CIDRs, ports, registry servers, /etc/hosts lines, proxy URLs, NO_PROXY lists, shell
 * metacharacters, package-relative paths, "did you mean" suggestions and the short rendering of a
 * found value. Every check returns `undefined` when the value is fine, else a {@link Finding}
 * (the `expected` and `hint` halves of an InputProblem).
 */
import { ipVersion, isHostname, parseCidr, parseHostPort, parseRegistryAddress } from './address.js';
import { maskUrlCredentials } from '../redact.js';

export interface Finding {
  expected: string;
  hint?: string;
}

// ---------------------------------------------------------------------------------------------
// Suggestions

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(m, n);
}

/** The closest candidate (case-insensitive), if it is close enough to be a likely typo. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const low = input.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(low, c.toLowerCase());
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  if (best === undefined || best === input) return undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(input.length, best.length) / 3)));
  return bestD <= limit ? best : undefined;
}

/** `did you mean X?` when a candidate is close, else `<label>: a, b, c` (or `undefined` for an empty list). */
export function suggest(input: string, candidates: readonly string[], label: string): string | undefined {
  const close = didYouMean(input, candidates);
  if (close !== undefined) return `did you mean ${close}?`;
  return candidates.length ? `${label}: ${candidates.join(', ')}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Rendering of found values

const MAX_FOUND = 60;

/** Hide the password of `scheme://user:password@host` URLs (the one masking module, with a short mask). */
const maskUrlPassword = (s: string): string => maskUrlCredentials(s, '***');

function jsonish(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => {
    if (k && /password/i.test(k) && x !== undefined) return '***';
    if (typeof x === 'string') return maskUrlPassword(x);
    return x;
  });
}

function typeWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `a ${Array.from(v).length}-character string`;
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}

/**
 * A short rendering of the value found at a path: `nothing` when missing, else compact JSON
 * (`NaN`/`Infinity` as Python writes them), cut at 60 characters. Secrets (password keys) are
 * never shown, nor the password part of proxy URLs.
 */
export function renderFound(v: unknown, secret = false): string {
  if (v === undefined) return 'nothing';
  if (secret) return `${typeWord(v)} (not shown)`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return JSON.stringify(v);
  }
  if (typeof v === 'string') {
    const masked = maskUrlPassword(v);
    const full = JSON.stringify(masked);
    if (full.length <= MAX_FOUND) return full;
    return `${JSON.stringify(masked.slice(0, MAX_FOUND - 10)).slice(0, -1)}…"`;
  }
  const s = jsonish(v) ?? String(v);
  return s.length <= MAX_FOUND ? s : `${s.slice(0, MAX_FOUND - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Shell metacharacters

/** How a string reaches the VMs; decides which characters are never legitimate in it. */
export type TextKind =
  | 'name' // resource names, VIM names, aspect ids
  | 'user' // SSH / registry user names
  | 'password' // passed as data only: anything but NUL and line breaks
  | 'path' // package-relative file paths
  | 'url' // proxy URLs: '&' allowed in userinfo and query
  | 'server' // registry address
  | 'hosts' // /etc/hosts line
  | 'noproxy' // NO_PROXY list
  | 'cidr'
  | 'version'
  | 'plain'; // not placed on a VM: no metacharacter check

function describeChar(c: string): string {
  switch (c) {
    case '\0':
      return 'a NUL character';
    case '\n':
      return 'a newline';
    case '\r':
      return 'a carriage return';
    case '`':
      return 'a backtick';
    case "'":
      return 'a single quote';
    case '"':
      return 'a double quote';
    default:
      return `'${c}'`;
  }
}

/** Where `&` is legitimate in a URL: its userinfo and its query. */
function urlAmpersandRanges(s: string): [number, number][] {
  const ranges: [number, number][] = [];
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(s);
  if (!m) return ranges;
  const authStart = m[0].length;
  const rest = s.slice(authStart);
  const authLen = rest.search(/[/?#]/) === -1 ? rest.length : rest.search(/[/?#]/);
  const at = rest.slice(0, authLen).lastIndexOf('@');
  if (at >= 0) ranges.push([authStart, authStart + at]);
  const q = s.indexOf('?', authStart + authLen);
  if (q >= 0) {
    const h = s.indexOf('#', q);
    ranges.push([q + 1, h === -1 ? s.length : h]);
  }
  return ranges;
}

/** The first character (or `$(` / `${` pair) that can never legitimately appear in a `kind` string. */
export function findShellMeta(s: string, kind: TextKind): { what: string; index: number } | undefined {
  if (kind === 'plain') return undefined;
  const amp = kind === 'url' ? urlAmpersandRanges(s) : [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\0' || c === '\n' || c === '\r') return { what: describeChar(c), index: i };
    if (kind === 'password') continue;
    if (c === '$' && (s[i + 1] === '(' || s[i + 1] === '{')) return { what: `'$${s[i + 1]}'`, index: i };
    if (c === '`' || c === ';' || c === '|' || c === '<' || c === '>' || c === "'" || c === '"') return { what: describeChar(c), index: i };
    if (c === '&' && !amp.some(([a, b]) => i >= a && i < b)) return { what: describeChar(c), index: i };
  }
  return undefined;
}

export function shellFinding(s: string, kind: TextKind, what: string): Finding | undefined {
  const m = findShellMeta(s, kind);
  if (!m) return undefined;
  if (kind === 'password') {
    return { expected: `${what} without NUL characters or line breaks`, hint: `it contains ${m.what} at character ${m.index + 1}; everything else is allowed in passwords` };
  }
  return {
    expected: `${what} without shell metacharacters`,
    hint: `it contains ${m.what} at character ${m.index + 1}, which is never legitimate here and could run commands on the VM`,
  };
}

// ---------------------------------------------------------------------------------------------
// Addresses (parsed by ./address.ts, the one address parser)

/** A network CIDR as Python's `ipaddress.ip_network(x, strict=True)` accepts it. */
export function checkCidr(s: string, what = 'a CIDR network address such as 10.96.0.0/12'): Finding | undefined {
  const c = parseCidr(s);
  if (!c) {
    const v = s.includes('/') ? undefined : ipVersion(s);
    const hint = v ? `add the prefix length, e.g. ${s}/${v === 4 ? 24 : 64}` : 'write it as <network address>/<prefix length>';
    return { expected: what, hint };
  }
  if (c.hostBits) return { expected: `${what} with no host bits set`, hint: `did you mean ${c.text}?` };
  return undefined;
}

export function checkPortValue(v: unknown): Finding | undefined {
  const expected = 'a TCP port number 1–65535 (an integer or a string of digits)';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return { expected, hint: 'a port is a whole number' };
    if (v < 1 || v > 65535) return { expected, hint: 'ports range from 1 to 65535' };
    return undefined;
  }
  if (typeof v === 'string') {
    if (!/^[0-9]+$/.test(v)) return { expected, hint: 'only the digits of the port, e.g. "5000"' };
    const n = Number(v);
    if (n < 1 || n > 65535) return { expected, hint: 'ports range from 1 to 65535' };
    return undefined;
  }
  return { expected };
}

export const SERVER_WHAT = 'a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>';

/** `server` of a private-registry connection: `host[:port]` or `vnf:<id>` (a registry VNF of this CLI). */
export function checkServer(s: string): Finding | undefined {
  if (s.startsWith('vnf:')) {
    return /^vnf:[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) ? undefined : { expected: SERVER_WHAT, hint: 'vnf: must be followed by the id of a registry VNF instance' };
  }
  const r = parseRegistryAddress(s);
  return r.ok ? undefined : { expected: SERVER_WHAT, ...(r.hint ? { hint: r.hint } : {}) };
}

export const HOSTS_WHAT = "an /etc/hosts line 'IP FQDN [FQDN…]'";

/** `hosts_string`: one `/etc/hosts` line. */
export function checkHostsString(s: string): Finding | undefined {
  const expected = HOSTS_WHAT;
  const parts = s.trim().split(/[ \t]+/);
  const ip = parts[0] ?? '';
  if (!ipVersion(ip)) return { expected, hint: `it must start with an IP address, not "${ip}"` };
  const names = parts.slice(1);
  if (!names.length) return { expected, hint: `add the host name after the address, e.g. "${ip} registry.example.com"` };
  const bad = names.find((n) => !isHostname(n));
  if (bad !== undefined) return { expected, hint: `"${bad}" is not a valid host name` };
  return undefined;
}

export const PROXY_WHAT = 'a proxy URL such as http://[user:password@]proxy.example.com:3128';

/** `http_proxy` / `https_proxy`. */
export function checkProxyUrl(s: string): Finding | undefined {
  const expected = PROXY_WHAT;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(s);
  if (!m) return { expected, hint: 'it must start with http:// (or https://, socks5://)' };
  const scheme = (m[1] as string).toLowerCase();
  if (!['http', 'https', 'socks5', 'socks5h'].includes(scheme)) return { expected, hint: `unsupported scheme "${m[1]}"; use http, https or socks5` };
  const rest = m[2] as string;
  const cut = rest.search(/[/?#]/);
  const authority = cut === -1 ? rest : rest.slice(0, cut);
  const tail = cut === -1 ? '' : rest.slice(cut);
  if (/\s/.test(s)) return { expected, hint: 'no spaces; percent-encode them as %20' };
  const at = authority.lastIndexOf('@');
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const hp = parseHostPort(hostPort, { allowUnderscore: true, lastColon: true });
  if (!hp.ok) return { expected, ...(hp.hint ? { hint: hp.hint } : {}) };
  if (tail && !/^\/?(\?[^#]*)?$/.test(tail)) return { expected, hint: 'a proxy URL has no path or fragment' };
  return undefined;
}

export const NO_PROXY_WHAT = 'a comma-separated list of host names, domains, IP addresses and CIDRs';

/** `no_proxy`: `host`, `.domain`, `*.domain`, `*`, IPs, CIDRs, optionally `host:port`. */
export function checkNoProxy(s: string): Finding | undefined {
  const expected = NO_PROXY_WHAT;
  for (const raw of s.split(',')) {
    const e = raw.trim();
    if (!e || e === '*') continue;
    if (e.includes('/')) {
      const f = checkCidr(e);
      if (f) return { expected, hint: f.hint?.startsWith('did you mean') ? `"${e}" has host bits set; ${f.hint}` : `"${e}" is not a valid CIDR` };
      continue;
    }
    if (ipVersion(e)) continue;
    if (e.startsWith('[')) {
      const hp = parseHostPort(e);
      if (hp.ok) continue;
      return { expected, hint: hp.hint?.startsWith('the port') ? `"${e}" has an invalid port` : `"${e}" is not a valid IPv6 address` };
    }
    // `.domain` and `*.domain` match every host under the domain.
    const hp = parseHostPort(e.replace(/^\*?\./, ''), { allowUnderscore: true });
    if (!hp.ok) return { expected, hint: hp.hint?.startsWith('the port') ? `"${e}" has an invalid port` : `"${e}" is not a host name, domain, IP address or CIDR` };
  }
  return undefined;
}

export const USER_WHAT = 'a user name';

/** Linux user names as `useradd` accepts them by default (plus upper case). */
export function checkUserName(s: string, what = USER_WHAT): Finding | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(s)) return undefined;
  if (/\s/.test(s)) return { expected: what, hint: 'no spaces' };
  return { expected: what, hint: 'letters, digits, "_", "-" and "." only, starting with a letter or "_" (at most 32 characters)' };
}

/** Resource names (Heat resources, aspect ids, VIM names). */
export function checkName(s: string, what: string): Finding | undefined {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(s)) return undefined;
  return { expected: what, hint: 'letters, digits, "_", "-" and "." only' };
}

/** A registry login name: no whitespace (it may be an e-mail address). */
export function checkRegistryUser(s: string, what: string): Finding | undefined {
  return /\s/.test(s) ? { expected: what, hint: 'no spaces' } : undefined;
}

export function checkMacAddress(s: string): Finding | undefined {
  return /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(s) ? undefined : { expected: 'a MAC address such as fa:16:3e:12:34:56' };
}

export function checkIp(s: string): Finding | undefined {
  return ipVersion(s) ? undefined : { expected: 'an IPv4 or IPv6 address' };
}

export function checkK8sVersion(s: string): Finding | undefined {
  if (/^[0-9]+\.[0-9]+\.[0-9]+$/.test(s)) return undefined;
  const m = /^v?([0-9]+\.[0-9]+(\.[0-9]+)?)$/.exec(s);
  if (m && s.startsWith('v') && m[2]) return { expected: 'a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4', hint: `without the "v": ${m[1]}` };
  if (m && !m[2]) return { expected: 'a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4', hint: `give the patch release too, e.g. ${m[1]}.0` };
  return { expected: 'a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4' };
}

// ---------------------------------------------------------------------------------------------
// Package-relative paths (syntax only; existence is checked against the package in validate.ts)

export const PATH_WHAT = 'a file path relative to the VNF package root';

export function checkRelativePath(s: string): Finding | undefined {
  if (s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s)) {
    return { expected: PATH_WHAT, hint: 'absolute paths are not allowed; give the path of a file inside the package, e.g. Scripts/install_k8s_cluster.sh' };
  }
  if (s.split(/[\\/]/).includes('..')) {
    return { expected: PATH_WHAT, hint: "'..' is not allowed: the file must be inside the package" };
  }
  return undefined;
}
