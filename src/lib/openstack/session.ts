/**
 * The OpenStack session every service module uses (gophercloud's ProviderClient): a token and the
 * service catalog on top of the HTTP layer, and re-authentication once when a service answers 401.
 *
 *   const session = await Session.open(config, { debug: (line) => sink.debug(line) });
 *   const res = await session.request('orchestration', 'GET', '/stacks', { query: { name: 'x' } });
 *   const stacks = res.json<{ stacks: Stack[] }>().stacks;
 *
 * Where each concern lives: HTTP, retries and redirects in ./http.ts; Keystone bodies, discovery,
 * authentication and the catalog lookup in ./keystone.ts; the token cache in ./token-cache.ts;
 * error types and messages in ./errors.ts; masking for `--debug` in ../redact.ts. The names they
 * export are re-exported here, so `session.js` stays the one import for callers.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { CliError, ExitCode, errorMessage } from '../errors.js';
import { Headers } from '../http.js';
import type { CloudConfig, EndpointInterface } from './config.js';
import type { HttpMethod } from './errors.js';
import { HttpClient, IDEMPOTENT, buildQuery, isStream, type Exchange, type HttpResponse, type QueryValue, type TlsOptions } from './http.js';
import { authenticate, catalogEndpoint, discoverV3, httpError, type KeystoneContext, type KeystoneToken, type TokenState } from './keystone.js';
import { TokenCache } from './token-cache.js';

export { OpenStackConnectionError, OpenStackHttpError, errorMessageFromBody, type HttpMethod } from './errors.js';
export { HttpClient, withRetry, type Exchange, type HttpResponse, type QueryValue } from './http.js';
export { authRequestBody, type CatalogEndpoint, type CatalogEntry, type KeystoneToken } from './keystone.js';
export { TokenCache } from './token-cache.js';
export { redactJson, redactText } from '../redact.js';

/** Service types used by the modules; any catalog type string is accepted. */
export type ServiceType = 'identity' | 'orchestration' | 'compute' | 'network' | 'image' | (string & {});

export interface SessionOptions {
  /** Receives one line (or block) per request/response, secrets redacted (`--debug`). */
  debug?: (line: string) => void;
  /** Per-attempt timeout in ms (default 60 000). */
  timeoutMs?: number;
  /** Retries of idempotent requests (default 3). */
  retries?: number;
  /** First retry delay in ms (default 500), doubled each time up to `retryMaxDelayMs` (default 8000). */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Reuse tokens between invocations (default true). */
  tokenCache?: boolean;
  /** Token cache directory (default `vnflcmHome()/tokens`). */
  tokenCacheDir?: string;
  /** Environment used to find `vnflcmHome()` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  userAgent?: string;
  /** Clock (ms since epoch), for tests. */
  now?: () => number;
  /**
   * Receives every HTTP exchange UNREDACTED (tokens and passwords included): for recording test
   * fixtures only, never for logs.
   */
  onExchange?: (exchange: Exchange) => void;
}

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** JSON body (sets `Content-Type: application/json`). */
  json?: unknown;
  /** Raw body; a stream is sent as is (never retried, never redirected). */
  body?: Buffer | string | Readable;
  /** Length of a stream body, sent as `Content-Length`. */
  contentLength?: number;
  headers?: Record<string, string>;
  /** Per-attempt timeout in ms (default: the session's). */
  timeoutMs?: number;
  /** Retry on connection errors / 5xx / 429 (default: only GET, HEAD, PUT, DELETE). */
  retry?: boolean;
  /** Follow 3xx redirects (default true). */
  followRedirects?: boolean;
  /** Statuses >= 300 that are returned instead of thrown. */
  okStatuses?: readonly number[];
}

const TOKEN_MARGIN_MS = 5 * 60 * 1000;

function tlsOptions(config: CloudConfig): TlsOptions {
  const tls: TlsOptions = { rejectUnauthorized: !config.tls.insecure };
  const readPem = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CliError(`Cannot read ${what} ${path}: ${errorMessage(err)}`, ExitCode.auth, { cause: err });
    }
  };
  if (config.tls.cacert && !config.tls.insecure) tls.ca = readPem('CA bundle', config.tls.cacert);
  if (config.tls.cert) tls.cert = readPem('client certificate', config.tls.cert);
  if (config.tls.key) tls.key = readPem('client key', config.tls.key);
  return tls;
}

/**
 * Send with a token; on a 401 drop the token, authenticate again and send once more (a token
 * revoked or expired early). Streamed bodies cannot be sent twice and are not retried.
 */
export async function withReauth(send: () => Promise<HttpResponse>, reauth: () => void, canResend: boolean, log?: (line: string) => void): Promise<HttpResponse> {
  const res = await send();
  if (res.status !== 401 || !canResend) return res;
  log?.('Token rejected (HTTP 401): authenticating again');
  reauth();
  return send();
}

export class Session {
  readonly config: CloudConfig;
  private readonly opts: SessionOptions;
  private readonly now: () => number;
  private readonly http: HttpClient;
  private readonly cache: TokenCache;
  private state: TokenState | undefined;
  private authUrlV3: string | undefined;

  private constructor(config: CloudConfig, opts: SessionOptions) {
    this.config = config;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    const httpOpts: ConstructorParameters<typeof HttpClient>[1] = {};
    if (opts.debug) httpOpts.debug = opts.debug;
    if (opts.onExchange) httpOpts.onExchange = opts.onExchange;
    if (opts.retries !== undefined) httpOpts.retries = opts.retries;
    if (opts.retryMinDelayMs !== undefined) httpOpts.retryMinDelayMs = opts.retryMinDelayMs;
    if (opts.retryMaxDelayMs !== undefined) httpOpts.retryMaxDelayMs = opts.retryMaxDelayMs;
    this.http = new HttpClient(tlsOptions(config), httpOpts);
    this.cache = new TokenCache(config, {
      ...(opts.tokenCache !== undefined ? { enabled: opts.tokenCache } : {}),
      ...(opts.tokenCacheDir !== undefined ? { dir: opts.tokenCacheDir } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      log: (line) => this.log(line),
    });
  }

  /** Authenticate (or reuse a cached token) and return a ready session. */
  static async open(config: CloudConfig, opts: SessionOptions = {}): Promise<Session> {
    const s = new Session(config, opts);
    await s.ensureToken();
    return s;
  }

  /** Release pooled connections (the process can exit without it). */
  close(): void {
    this.http.close();
  }

  get token(): KeystoneToken {
    if (!this.state) throw new CliError('Not authenticated', ExitCode.auth);
    return this.state.token;
  }

  get tokenExpiresAt(): Date {
    return new Date(this.state?.expiresAtMs ?? 0);
  }

  get projectId(): string | undefined {
    return this.state?.token.project?.id;
  }

  get userId(): string | undefined {
    return this.state?.token.user?.id;
  }

  get region(): string | undefined {
    return this.config.regionName;
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 60_000;
  }

  private get userAgent(): string {
    return this.opts.userAgent ?? 'vnflcm';
  }

  private log(text: string): void {
    this.opts.debug?.(text);
  }

  /**
   * The catalog URL of a service (no trailing `/`) for the configured interface and region.
   * Error: `public endpoint for orchestration service in RegionTwo region not found`.
   */
  endpoint(serviceType: ServiceType, opts: { interface?: EndpointInterface; region?: string } = {}): string {
    return catalogEndpoint(this.token, serviceType, opts.interface ?? this.config.interface, opts.region ?? this.config.regionName);
  }

  /** The endpoint with an API version segment appended unless the catalog URL already has it. */
  versionedEndpoint(serviceType: ServiceType, version: string): string {
    const base = this.endpoint(serviceType);
    const path = new URL(base).pathname.replace(/\/+$/, '');
    return path.split('/').includes(version) ? base : `${base}/${version}`;
  }

  /**
   * An authenticated request to a service. `path` is appended to the service endpoint (or is a
   * full URL). Throws `OpenStackHttpError` for statuses >= 300 not in `okStatuses`.
   */
  async request(service: ServiceType, method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const base = /^https?:\/\//.test(path) ? path : this.endpoint(service) + (path.startsWith('/') ? path : `/${path}`);
    const url = base + buildQuery(opts.query);
    const headers = new Headers({ Accept: 'application/json', 'User-Agent': this.userAgent });
    let body: Buffer | string | Readable | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers.set('Content-Type', 'application/json');
    }
    for (const [k, v] of Object.entries(opts.headers ?? {})) headers.set(k, v);
    if (opts.contentLength !== undefined) headers.set('Content-Length', String(opts.contentLength));
    const stream = isStream(body);
    const send = async (): Promise<HttpResponse> => {
      headers.set('X-Auth-Token', await this.ensureToken());
      return this.http.send(method, url, {
        headers,
        body,
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        retry: !stream && (opts.retry ?? IDEMPOTENT.has(method)),
        followRedirects: opts.followRedirects ?? true,
        exitCode: ExitCode.runtime,
      });
    };
    const res = await withReauth(send, () => this.dropToken(), !stream, (line) => this.log(line));
    if (res.status >= 300 && !(opts.okStatuses ?? []).includes(res.status)) throw httpError(service, method, res);
    return res;
  }

  /** `request` + parse the JSON body. */
  async json<T>(service: ServiceType, method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.request(service, method, path, opts)).json<T>();
  }

  /** A valid token id: the current one, a cached one, or a new one from Keystone. */
  async ensureToken(): Promise<string> {
    const now = this.now();
    if (this.state && this.state.expiresAtMs - now > TOKEN_MARGIN_MS) return this.state.id;
    const cached = this.cache.read();
    if (cached && cached.expiresAtMs - now > TOKEN_MARGIN_MS) {
      this.log(`Using cached token (expires ${new Date(cached.expiresAtMs).toISOString()})`);
      this.state = cached;
      return cached.id;
    }
    const k: KeystoneContext = { http: this.http, config: this.config, timeoutMs: this.timeoutMs, userAgent: this.userAgent, now: this.now };
    let warning: string | undefined;
    if (!this.authUrlV3) {
      const d = await discoverV3(k);
      this.authUrlV3 = d.url;
      warning = d.warning;
    }
    this.state = await authenticate(k, this.authUrlV3, warning);
    this.cache.write(this.state);
    return this.state.id;
  }

  /** Forget the token (memory and cache file); the next request authenticates again. */
  dropToken(): void {
    this.state = undefined;
    this.cache.drop();
  }
}
