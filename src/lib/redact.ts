/**
 * The one place that masks secrets, for every layer: the operation log and remote error messages
 * (known secret values, in every form they take in shell text, JSON and base64), instance and
 * occurrence views (values under password/secret/token keys, credentials in URLs) and the
 * OpenStack `--debug` trace (Keystone request bodies and auth headers, keystoneauth's wording).
 */
import { shellQuote } from './remote/quote.js';

/** What a masked value becomes in logs, errors and views. */
export const MASK = '********';
/** What `--debug` shows instead of a token or password (python-openstackclient's wording). */
export const DEBUG_MASK = '<redacted>';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ------------------------------------------------------------------------- known secret values

/**
 * The forms in which a secret can show up in text we write: as is, shell-quoted (commands are
 * logged as quoted shell text), JSON-escaped, base64 and URL-encoded (an `auth` string is base64
 * of `user:pass`; callers add that combination with {@link basicAuthSecrets}).
 */
export function secretVariants(secret: string): string[] {
  if (!secret) return [];
  const out = new Set<string>([secret]);
  const quoted = shellQuote(secret);
  out.add(quoted);
  if (quoted.startsWith("'") && quoted.endsWith("'")) out.add(quoted.slice(1, -1));
  out.add(JSON.stringify(secret).slice(1, -1));
  out.add(Buffer.from(secret, 'utf8').toString('base64'));
  out.add(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, ''));
  out.add(encodeURIComponent(secret));
  return [...out].filter((s) => s.length > 0);
}

/** The secrets a registry login implies: the password and the base64 `user:pass` auth string. */
export function basicAuthSecrets(user: string, password: string): string[] {
  const auth = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return [password, auth, auth.replace(/=+$/, '')];
}

/** Replace every occurrence of every secret (and its variants) in `text`. Longest first. */
export function redact(text: string, secrets: Iterable<string>): string {
  const all = new Set<string>();
  for (const s of secrets) for (const v of secretVariants(s)) all.add(v);
  if (all.size === 0 || !text) return text;
  const sorted = [...all].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of sorted) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** A set of secrets shared by a host, its log and its errors. */
export class SecretSet {
  private readonly items = new Set<string>();
  add(secrets: Iterable<string | undefined>): void {
    for (const s of secrets) if (s) this.items.add(s);
  }
  apply(text: string): string {
    return redact(text, this.items);
  }
  get size(): number {
    return this.items.size;
  }
}

// ------------------------------------------------------------------------- secrets by key (views)

const SECRET_KEY = /password|secret|token|passphrase/i;

/** `http://user:password@host` -> `http://user:********@host` (proxy URLs carry credentials). */
export function maskUrlCredentials(s: string, mask = MASK): string {
  return s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi, `$1${mask}@`);
}

/** A copy of `v` with every value under a password/secret/token key replaced by `********`. */
export function maskSecrets(v: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && v !== null && v !== undefined && v !== '') return MASK;
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, maskSecrets(x, k)]));
  }
  if (typeof v === 'string') return maskUrlCredentials(v);
  return v;
}

// ------------------------------------------------------------------------- OpenStack --debug

const DEBUG_SECRET_KEYS = new Set(['password', 'secret', 'adminpass', 'admin_pass', 'application_credential_secret', 'token_id']);
const SECRET_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'x-service-token', 'authorization', 'cookie', 'set-cookie']);

/** Whether an HTTP header carries a credential (its value is never logged). */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** A copy of a JSON value with passwords, secrets and token ids replaced (Keystone bodies). */
export function redactJson(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => redactJson(x));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (DEBUG_SECRET_KEYS.has(k.toLowerCase()) && x !== null && !isRecord(x)) out[k] = DEBUG_MASK;
      else if (k === 'id' && key === 'token' && typeof x === 'string') out[k] = DEBUG_MASK;
      else if (k === 'token' && typeof x === 'string') out[k] = DEBUG_MASK;
      else out[k] = redactJson(x, k);
    }
    return out;
  }
  return v;
}

/** Redact secrets in a body that may or may not be JSON. */
export function redactText(text: string): string {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(redactJson(JSON.parse(t)));
    } catch {
      // fall through
    }
  }
  return text.replace(/("(?:password|secret|adminPass|token)"\s*:\s*")((?:[^"\\]|\\.)*)"/gi, `$1${DEBUG_MASK}"`);
}
