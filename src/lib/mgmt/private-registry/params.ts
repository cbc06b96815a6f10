/**
 * The private-registry driver's view of `additionalParams.private_registry_installation_param`.
 *
 * The instantiate request was validated at the edge (src/lib/params), but the driver reads the
 * STORED request (also at heal time, possibly written by an older vnflcm), so it checks again what
 * it relies on and fails with a clear message before touching any VM. Values are never turned
 * into shell text anywhere in the driver; the checks here are about what the config files we
 * write can represent (apt and systemd syntax), not about shell safety.
 */
import { InputError, type InputProblem } from '../../errors.js';

export const PARAM_KEY = 'private_registry_installation_param';
const BASE = `additionalParams.${PARAM_KEY}`;

export interface ProxySettings {
  http?: string;
  https?: string;
  noProxy?: string;
}

export interface RegistryParams {
  sshCpName: string;
  username: string;
  password: string;
  /** Package-relative path of a `docker save` archive providing registry:latest. */
  imagePath?: string;
  /** Host port published for the registry (container port is 5000). */
  port: number;
  /** Undefined when no proxy value is set. */
  proxy?: ProxySettings;
}

export const DEFAULT_PORT = 5000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return `a ${typeof v}`;
}

/**
 * Characters that apt.conf and systemd unit files cannot carry inside a quoted value without an
 * escaping scheme of their own (apt has none): control characters (a line break would start a new
 * directive), double quotes and backslashes. None is legitimate in a proxy URL or a no_proxy list
 * (URLs percent-encode them).
 */
// eslint-disable-next-line no-control-regex
const UNREPRESENTABLE = /[\u0000-\u001f\u007f"\\]/;

/** Parse and check the parameters; throws an InputError listing every problem. */
export function parseRegistryParams(request: Record<string, unknown>): RegistryParams {
  const add = request.additionalParams;
  const raw = isRecord(add) ? add[PARAM_KEY] : undefined;
  if (!isRecord(raw)) {
    throw new InputError(`The ${PARAM_KEY} in the additionalParams does not exist (the private registry driver needs it)`, [
      {
        path: BASE,
        expected: 'an object {ssh_cp_name, ssh_username, ssh_password, image_path, port_no, proxy}',
        found: isRecord(add) ? describe(raw) : `additionalParams is ${describe(add)}`,
      },
    ]);
  }
  const problems: InputProblem[] = [];
  const str = (key: string, what: string, required: boolean): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || (v === '' && !required)) {
      if (required) problems.push({ path: `${BASE}.${key}`, expected: what, found: describe(v) });
      return undefined;
    }
    if (typeof v !== 'string' || v === '') {
      problems.push({ path: `${BASE}.${key}`, expected: what, found: describe(v) });
      return undefined;
    }
    return v;
  };
  const sshCpName = str('ssh_cp_name', 'the name of the CP used for SSH', true);
  const username = str('ssh_username', 'an SSH user name', true);
  const password = str('ssh_password', 'an SSH password', true);
  if (password !== undefined && /[\r\n\0]/.test(password)) {
    problems.push({ path: `${BASE}.ssh_password`, expected: 'an SSH password without NUL characters or line breaks', found: 'a line break or NUL' });
  }
  const imagePath = str('image_path', 'a file path relative to the VNF package root', false);
  if (imagePath !== undefined && (imagePath.startsWith('/') || imagePath.split(/[\\/]/).includes('..') || imagePath.includes('\0'))) {
    problems.push({
      path: `${BASE}.image_path`,
      expected: 'a file path relative to the VNF package root',
      found: JSON.stringify(imagePath),
      hint: 'absolute paths and ".." are not allowed',
    });
  }
  const port = parsePort(raw.port_no, problems);
  const proxy = parseProxy(raw.proxy, problems);
  if (problems.length > 0 || !sshCpName || !username || !password) {
    throw new InputError(`Invalid ${PARAM_KEY} in the instantiate request of this VNF instance`, problems);
  }
  return { sshCpName, username, password, ...(imagePath ? { imagePath } : {}), port, ...(proxy ? { proxy } : {}) };
}

function parsePort(v: unknown, problems: InputProblem[]): number {
  if (v === undefined || v === null || v === '') return DEFAULT_PORT;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    problems.push({
      path: `${BASE}.port_no`,
      expected: 'a TCP port number 1–65535 (an integer or a string of digits)',
      found: typeof v === 'string' || typeof v === 'number' ? JSON.stringify(v) : describe(v),
    });
    return DEFAULT_PORT;
  }
  return n;
}

function parseProxy(v: unknown, problems: InputProblem[]): ProxySettings | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) {
    problems.push({ path: `${BASE}.proxy`, expected: 'an object {http_proxy, https_proxy, no_proxy}', found: describe(v) });
    return undefined;
  }
  const out: ProxySettings = {};
  const keys: [keyof ProxySettings, string][] = [
    ['http', 'http_proxy'],
    ['https', 'https_proxy'],
    ['noProxy', 'no_proxy'],
  ];
  for (const [field, key] of keys) {
    const val = v[key];
    if (val === undefined || val === null || val === '') continue;
    if (typeof val !== 'string') {
      problems.push({ path: `${BASE}.proxy.${key}`, expected: key === 'no_proxy' ? 'a comma-separated list of hosts' : 'a proxy URL', found: describe(val) });
      continue;
    }
    const bad = UNREPRESENTABLE.exec(val);
    if (bad) {
      problems.push({
        path: `${BASE}.proxy.${key}`,
        expected: 'a value without control characters, double quotes or backslashes',
        found: `${bad[0] === '"' ? 'a double quote' : bad[0] === '\\' ? 'a backslash' : 'a control character (e.g. a line break)'} at character ${bad.index + 1}`,
        hint: 'these cannot be written into apt.conf or a systemd unit; percent-encode them in URLs',
      });
      continue;
    }
    out[field] = val;
  }
  return out.http || out.https || out.noProxy ? out : undefined;
}

/**
 * Strings to redact from logs and messages: the password of `user:password@` in proxy URLs
 * (as written and percent-decoded).
 */
export function proxySecrets(proxy: ProxySettings | undefined): string[] {
  const out: string[] = [];
  for (const url of [proxy?.http, proxy?.https]) {
    if (!url) continue;
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(url);
    const userinfo = m?.[1];
    if (!userinfo) continue;
    const colon = userinfo.indexOf(':');
    const pw = colon === -1 ? '' : userinfo.slice(colon + 1);
    if (!pw) continue;
    out.push(pw);
    try {
      const dec = decodeURIComponent(pw);
      if (dec !== pw) out.push(dec);
    } catch {
      /* not valid percent-encoding: the raw form is enough */
    }
  }
  return out;
}
