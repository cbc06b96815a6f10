/**
 * The token cache between invocations: `vnflcmHome()/tokens/<hmac>.json` (dir 0700, files 0600).
 * The name is an HMAC of auth URL, auth type, user, scope and secret, keyed with a random
 * per-directory salt, so no credential appears in clear. The Session reuses a cached token until
 * 5 minutes before it expires and drops it when a service answers 401.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { vnflcmHome } from '../paths.js';
import type { CloudConfig } from './config.js';
import { stripSlash, type KeystoneToken, type TokenState } from './keystone.js';

interface CacheFile {
  version: 1;
  authUrl: string;
  tokenId: string;
  token: KeystoneToken;
}

export interface TokenCacheOptions {
  /** Reuse tokens between invocations (default true). */
  enabled?: boolean;
  /** Cache directory (default `vnflcmHome()/tokens`). */
  dir?: string;
  /** Environment used to find `vnflcmHome()` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Told why the cache could not be used (`--debug`). */
  log?: (line: string) => void;
}

export class TokenCache {
  constructor(
    private readonly config: CloudConfig,
    private readonly opts: TokenCacheOptions = {},
  ) {}

  /** Remove the cached token of these credentials. */
  drop(): void {
    const file = this.cacheFile();
    if (file) rmSync(file, { force: true });
  }

  private cacheDir(): string | undefined {
    if (this.opts.enabled === false) return undefined;
    return this.opts.dir ?? join(vnflcmHome(this.opts.env ?? process.env), 'tokens');
  }

  private ensureCacheDir(dir: string): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }

  private salt(dir: string, create: boolean): Buffer | undefined {
    const file = join(dir, '.salt');
    try {
      const b = readFileSync(file);
      if (b.length >= 16) return b;
    } catch {
      // missing
    }
    if (!create) return undefined;
    const salt = randomBytes(32);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, salt, { mode: 0o600 });
    try {
      // keep the first salt written if two processes race
      const fd = openSync(file, 'wx', 0o600);
      writeFileSync(fd, salt);
      closeSync(fd);
    } catch {
      // another process created it
    } finally {
      rmSync(tmp, { force: true });
    }
    return readFileSync(file);
  }

  /** The cache file for these credentials (HMAC of everything that identifies the token). */
  private cacheFile(create = false): string | undefined {
    const dir = this.cacheDir();
    if (!dir) return undefined;
    try {
      if (create) this.ensureCacheDir(dir);
      const salt = this.salt(dir, create);
      if (!salt) return undefined;
      const a = this.config.auth;
      const identity = JSON.stringify([
        stripSlash(a.authUrl),
        this.config.authType,
        a.userId ?? null,
        a.username ?? null,
        a.userDomainId ?? null,
        a.userDomainName ?? null,
        a.projectId ?? null,
        a.projectName ?? null,
        a.projectDomainId ?? null,
        a.projectDomainName ?? null,
        a.domainId ?? null,
        a.domainName ?? null,
        a.systemScope ?? null,
        a.applicationCredentialId ?? null,
        a.applicationCredentialName ?? null,
        createHash('sha256')
          .update(a.password ?? a.token ?? a.applicationCredentialSecret ?? '')
          .digest('hex'),
      ]);
      return join(dir, `${createHmac('sha256', salt).update(identity).digest('hex').slice(0, 40)}.json`);
    } catch (err) {
      this.opts.log?.(`Token cache unavailable: ${errorMessage(err)}`);
      return undefined;
    }
  }

  read(): TokenState | undefined {
    const file = this.cacheFile();
    if (!file) return undefined;
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
      if (c.version !== 1 || typeof c.tokenId !== 'string' || !c.token?.expires_at) return undefined;
      if (c.authUrl !== stripSlash(this.config.auth.authUrl)) return undefined;
      return { id: c.tokenId, token: c.token, expiresAtMs: Date.parse(c.token.expires_at) };
    } catch {
      return undefined;
    }
  }

  write(state: TokenState): void {
    const file = this.cacheFile(true);
    if (!file) return;
    const data: CacheFile = { version: 1, authUrl: stripSlash(this.config.auth.authUrl), tokenId: state.id, token: state.token };
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      this.opts.log?.(`Could not write the token cache ${file}: ${errorMessage(err)}`);
    }
  }
}
