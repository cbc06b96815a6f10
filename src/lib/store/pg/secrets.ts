/**
 * Secrets at rest in the shared state database: every string under a password/secret/token/
 * passphrase key (the keys `show` masks) and every URL with a password in it is stored as
 * `vnflcm-enc:v1:<base64(iv | tag | ciphertext)>`, AES-256-GCM with the team's state key.
 *
 * The key: VNFLCM_STATE_KEY (32 bytes, base64 or 64 hex digits), else the file named by
 * VNFLCM_STATE_KEY_FILE (same content, mode 0600 or stricter). Without it records still read
 * (the encrypted values stay encrypted, and views mask them by key name); writing a new secret and
 * running an operation that needs a stored one stop with a clear message.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { CliError } from '../../errors.js';

export const ENC_PREFIX = 'vnflcm-enc:v1:';
const SECRET_KEY = /password|secret|token|passphrase/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:[^/@\s]+@/i;

export const NO_KEY_HINT =
  'Set VNFLCM_STATE_KEY (32 random bytes, base64: `openssl rand -base64 32`) or VNFLCM_STATE_KEY_FILE (a 0600 file holding it) to the key your team uses for this state database.';

export function stateKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  if (env.VNFLCM_STATE_KEY) return parseKey(env.VNFLCM_STATE_KEY, 'VNFLCM_STATE_KEY');
  const file = env.VNFLCM_STATE_KEY_FILE;
  if (!file) return undefined;
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new CliError(`VNFLCM_STATE_KEY_FILE ${file}: ${(err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) throw new CliError(`VNFLCM_STATE_KEY_FILE ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it.`);
  return parseKey(readFileSync(file, 'utf8'), `VNFLCM_STATE_KEY_FILE ${file}`);
}

function parseKey(text: string, what: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32 || (!/^[0-9a-f]{64}$/i.test(t) && key.toString('base64').replace(/=+$/, '') !== t.replace(/=+$/, ''))) {
    throw new CliError(`${what} is not a 32-byte key (base64 or 64 hex digits). ${NO_KEY_HINT}`);
  }
  return key;
}

const isSecretString = (key: string, v: string) => !v.startsWith(ENC_PREFIX) && v !== '' && (SECRET_KEY.test(key) || URL_WITH_PASSWORD.test(v));

/** Walk a JSON value, replacing strings `f` picks. */
function mapStrings(v: unknown, f: (key: string, s: string) => string, key = ''): unknown {
  if (typeof v === 'string') return f(key, v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f, key));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, mapStrings(x, f, k)]));
  }
  return v;
}

function someString(v: unknown, p: (key: string, s: string) => boolean, key = ''): boolean {
  if (typeof v === 'string') return p(key, v);
  if (Array.isArray(v)) return v.some((x) => someString(x, p, key));
  if (v !== null && typeof v === 'object') return Object.entries(v as Record<string, unknown>).some(([k, x]) => someString(x, p, k));
  return false;
}

export class SecretBox {
  constructor(private readonly key: Buffer | undefined) {}

  get hasKey(): boolean {
    return this.key !== undefined;
  }

  /** The record as stored: secrets encrypted. Without a key, a record holding a plaintext secret is refused. */
  seal<T>(rec: T, what: string): T {
    if (!someString(rec, isSecretString)) return rec;
    const key = this.key;
    if (!key) throw new CliError(`Cannot store ${what}: it holds passwords, which the shared state keeps encrypted. ${NO_KEY_HINT}`);
    return mapStrings(rec, (k, s) => (isSecretString(k, s) ? encrypt(key, s) : s)) as T;
  }

  /** The record as read: secrets decrypted when the key is known, left encrypted otherwise. */
  open<T>(rec: T): T {
    const key = this.key;
    if (!key || !someString(rec, (_k, s) => s.startsWith(ENC_PREFIX))) return rec;
    return mapStrings(rec, (_k, s) => (s.startsWith(ENC_PREFIX) ? decrypt(key, s) : s)) as T;
  }

  /** Why the secrets of `rec` (as returned by open) cannot be used, or undefined. */
  locked(rec: unknown, what: string): string | undefined {
    if (!someString(rec, (_k, s) => s.startsWith(ENC_PREFIX))) return undefined;
    return `${what} holds passwords encrypted with the state key, which is not set here. ${NO_KEY_HINT}`;
  }
}

/** `rec` with every secret replaced by `********` (for `state export` without --include-secrets). */
export function stripSecrets<T>(rec: T): T {
  return mapStrings(rec, (k, s) => (s.startsWith(ENC_PREFIX) || isSecretString(k, s) ? '********' : s)) as T;
}

export function hasSealedSecrets(rec: unknown): boolean {
  return someString(rec, (_k, s) => s.startsWith(ENC_PREFIX));
}

function encrypt(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ENC_PREFIX + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
}

function decrypt(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed.slice(ENC_PREFIX.length), 'base64');
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    throw new CliError(`A stored secret does not decrypt with this VNFLCM_STATE_KEY: it is not the key the secret was stored with.`);
  }
}
