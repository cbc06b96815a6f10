/**
 * The OpenStack transport, written once and shared by every service module (gophercloud's
 * ProviderClient): Keystone v3 authentication, the service catalog, HTTP with timeouts, retries,
 * manual redirects, TLS, a token cache between invocations, `--debug` logging and error messages.
 *
 *   const session = await Session.open(config, { debug: (line) => process.stderr.write(line + '\n') });
 *   const res = await session.request('orchestration', 'GET', '/stacks', { query: { name: 'x' } });
 *   const stacks = res.json<{ stacks: Stack[] }>().stacks;
 *
 * - Auth: `password` first GETs the auth URL (version discovery), the other types do not; then
 *   `POST {auth_url}/auth/tokens`. The token is the `X-Subject-Token` header, endpoints come from
 *   `token.catalog` (service type + interface + region).
 * - Token cache: `vnflcmHome()/tokens/<hmac>.json` (dir 0700, files 0600). The name is an HMAC of
 *   auth URL, auth type, user, scope and secret, keyed with a random per-directory salt, so no
 *   credential appears in clear. A cached token is reused until 5 minutes before it expires; a 401
 *   from a service drops it and authenticates again once.
 * - Retries (p-retry, exponential backoff with jitter) on connection errors, timeouts, 5xx and 429,
 *   for GET/HEAD/PUT/DELETE only (`Retry-After` is honoured up to 30 s). POST/PATCH are never
 *   retried, and like streamed bodies they always go on a fresh connection (never on a pooled
 *   socket the server may just have closed). Every attempt has its own timeout.
 * - Redirects are followed by hand (`redirect: 'manual'`) re-issuing the same method and body
 *   (303 becomes GET), as keystoneauth does for Heat's `/stacks/{id}` -> `/stacks/{name}/{id}`.
 *   A redirect to another origin is followed on the original origin (the token never leaves it).
 * - Errors: `OpenStackHttpError` (`<service message> (HTTP <status>) (Request-ID: <id>)`),
 *   `OpenStackConnectionError` (`Unable to establish connection to <url>: <reason>`); both are
 *   `CliError`s (exit 4 when raised while authenticating, 1 otherwise).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { Agent as HttpAgent, STATUS_CODES } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import fetch, { Headers, type BodyInit, type Response } from 'node-fetch';
import pRetry, { AbortError } from 'p-retry';
import { CliError, ExitCode, errorMessage } from '../errors.js';
import { vnflcmHome } from '../paths.js';
import type { CloudConfig, EndpointInterface } from './config.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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

/** One raw request/response pair (see `SessionOptions.onExchange`). */
export interface Exchange {
  method: HttpMethod;
  url: string;
  requestHeaders: Record<string, string>;
  /** undefined when there was no body or it was a stream. */
  requestBody?: string;
  status: number;
  statusText: string;
  responseHeaders: Record<string, string>;
  responseBody: string;
  ms: number;
}

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

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

/** A fully read response. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The URL that answered (after redirects). */
  url: string;
  text: string;
  requestId?: string;
  json<T>(): T;
}

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region?: string;
  region_id?: string;
  url: string;
}

export interface CatalogEntry {
  id?: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** The parts of a Keystone v3 token body the CLI uses. */
export interface KeystoneToken {
  methods?: string[];
  expires_at: string;
  issued_at?: string;
  user?: { id: string; name?: string; domain?: { id?: string; name?: string } };
  project?: { id: string; name?: string; domain?: { id?: string; name?: string } };
  domain?: { id: string; name?: string };
  system?: Record<string, unknown>;
  roles?: { id: string; name: string }[];
  catalog?: CatalogEntry[];
}

interface TokenState {
  id: string;
  token: KeystoneToken;
  expiresAtMs: number;
}

interface CacheFile {
  version: 1;
  authUrl: string;
  tokenId: string;
  token: KeystoneToken;
}

const TOKEN_MARGIN_MS = 5 * 60 * 1000;
const MAX_REDIRECTS = 5;
const DEBUG_BODY_LIMIT = 4096;
const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
const REDACTED = '<redacted>';

// ------------------------------------------------------------------------------------------------
// Errors

/** An HTTP error answered by an OpenStack service. */
export class OpenStackHttpError extends CliError {
  readonly status: number;
  /** Service type (`orchestration`, `compute`, `identity`, ...). */
  readonly service: string;
  readonly requestId: string | undefined;
  readonly method: HttpMethod;
  readonly url: string;
  /** The message taken from the service's error body (without the HTTP status suffix). */
  readonly serviceMessage: string;
  constructor(p: {
    status: number;
    service: string;
    serviceMessage: string;
    requestId?: string | undefined;
    method: HttpMethod;
    url: string;
    exitCode?: number;
  }) {
    const rid = p.requestId ? ` (Request-ID: ${p.requestId})` : '';
    super(`${p.serviceMessage} (HTTP ${p.status})${rid}`, p.exitCode ?? ExitCode.runtime);
    this.name = 'OpenStackHttpError';
    this.status = p.status;
    this.service = p.service;
    this.requestId = p.requestId;
    this.method = p.method;
    this.url = p.url;
    this.serviceMessage = p.serviceMessage;
  }
}

/** The service could not be reached (refused, DNS, TLS, reset, timeout). */
export class OpenStackConnectionError extends CliError {
  readonly url: string;
  readonly reason: string;
  readonly timedOut: boolean;
  constructor(url: string, reason: string, timedOut: boolean, exitCode: number = ExitCode.runtime, cause?: unknown) {
    super(`Unable to establish connection to ${url}: ${reason}`, exitCode, { cause });
    this.name = 'OpenStackConnectionError';
    this.url = url;
    this.reason = reason;
    this.timedOut = timedOut;
  }
}

/** Thrown inside the retry loop for a retryable status; unwrapped after the last attempt. */
class RetryableStatus extends Error {
  readonly response: HttpResponse;
  constructor(response: HttpResponse) {
    super(`HTTP ${response.status}`);
    this.response = response;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The human message in an OpenStack error body: Keystone/Heat `{"error": {"message"}}`, Nova
 * `{"itemNotFound": {"message"}}` (any single wrapper key), Neutron `{"NeutronError": {"message"}}`,
 * webob/Glance plain text or HTML (`404 Not Found\n\nThe resource could not be found.`).
 */
export function errorMessageFromBody(status: number, statusText: string, text: string): string {
  const reason = statusText || STATUS_CODES[status] || '';
  const title = `${status} ${reason}`.trim();
  let message = jsonErrorMessage(text) ?? text;
  message = htmlToText(message);
  if (message.startsWith(title)) message = message.slice(title.length).trim();
  if (message.length > 1000) message = `${message.slice(0, 1000)}…`;
  return message || title || `HTTP ${status}`;
}

function jsonErrorMessage(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  if (isRecord(body.error)) {
    const m = str(body.error.message) ?? str(body.explanation);
    if (m) return m;
  }
  if (isRecord(body.NeutronError)) {
    const m = str(body.NeutronError.message);
    if (m) return m;
  }
  const m = str(body.message) ?? str(body.faultstring) ?? str(body.description) ?? str(body.explanation) ?? str(body.detail);
  if (m) return m;
  for (const v of Object.values(body)) {
    if (isRecord(v)) {
      const inner = str(v.message) ?? str(v.detail);
      if (inner) return inner;
    }
  }
  return typeof body.error === 'string' ? str(body.error) : undefined;
}

/** Plain text of an HTML/webob error page or message (`<br />`, tags, entities, runs of spaces). */
function htmlToText(s: string): string {
  return s
    .replace(/<head>[\s\S]*?<\/head>/gi, ' ')
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? headers.get('x-request-id') ?? undefined;
}

/** node-fetch's FetchError says "request to <url> failed, reason: <reason>": keep the reason. */
function errorReason(err: unknown): string {
  return errorMessage(err).replace(/^request to \S+ failed, reason: /, '') || 'connection failed';
}

// ------------------------------------------------------------------------------------------------
// Redaction for --debug

const SECRET_KEYS = new Set(['password', 'secret', 'adminpass', 'admin_pass', 'application_credential_secret', 'token_id']);
const SECRET_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'x-service-token', 'authorization', 'cookie', 'set-cookie']);

/** A copy of a JSON value with passwords, secrets and token ids replaced. */
export function redactJson(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => redactJson(x));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_KEYS.has(k.toLowerCase()) && x !== null && !isRecord(x)) out[k] = REDACTED;
      else if (k === 'id' && key === 'token' && typeof x === 'string') out[k] = REDACTED;
      else if (k === 'token' && typeof x === 'string') out[k] = REDACTED;
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
  return text.replace(/("(?:password|secret|adminPass|token)"\s*:\s*")((?:[^"\\]|\\.)*)"/gi, `$1${REDACTED}"`);
}

function truncate(text: string, limit = DEBUG_BODY_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
}

function headerLines(h: Headers): string {
  const lines: string[] = [];
  h.forEach((value, name) => {
    lines.push(`  ${name}: ${SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value}`);
  });
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------------
// Keystone request bodies

type Json = Record<string, unknown>;

function domainRef(id: string | undefined, name: string | undefined): Json | undefined {
  if (id !== undefined) return { id };
  if (name !== undefined) return { name };
  return undefined;
}

function userRef(a: CloudConfig['auth']): Json {
  if (a.userId !== undefined) return { id: a.userId };
  const user: Json = { name: a.username };
  const d = domainRef(a.userDomainId, a.userDomainName);
  if (d) user.domain = d;
  return user;
}

/** The body of `POST /v3/auth/tokens` for the configured auth type and scope. */
export function authRequestBody(config: CloudConfig): { auth: Json } {
  const a = config.auth;
  let identity: Json;
  switch (config.authType) {
    case 'password':
    case 'v3password': {
      const user: Json = { password: a.password };
      Object.assign(user, userRef(a));
      identity = { methods: ['password'], password: { user } };
      break;
    }
    case 'token':
    case 'v3token':
      identity = { methods: ['token'], token: { id: a.token } };
      break;
    case 'v3applicationcredential': {
      const cred: Json = { secret: a.applicationCredentialSecret };
      if (a.applicationCredentialId !== undefined) cred.id = a.applicationCredentialId;
      else {
        cred.name = a.applicationCredentialName;
        cred.user = userRef(a);
      }
      // application credentials carry their own scope: no "scope" key
      return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
    }
  }
  const auth: Json = { identity };
  if (a.projectId !== undefined) auth.scope = { project: { id: a.projectId } };
  else if (a.projectName !== undefined) {
    const project: Json = { name: a.projectName };
    const d = domainRef(a.projectDomainId, a.projectDomainName);
    if (d) project.domain = d;
    auth.scope = { project };
  } else if (a.domainId !== undefined || a.domainName !== undefined) {
    auth.scope = { domain: domainRef(a.domainId, a.domainName) };
  } else if (a.systemScope !== undefined) {
    auth.scope = { system: { [a.systemScope]: true } };
  }
  return { auth };
}

// ------------------------------------------------------------------------------------------------

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

function isStream(body: unknown): body is Readable {
  return isRecord(body) && typeof (body as { pipe?: unknown }).pipe === 'function';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface SendOptions {
  headers: Headers;
  body?: Buffer | string | Readable;
  timeoutMs: number;
  retry: boolean;
  followRedirects: boolean;
  /** Exit code of connection errors. */
  exitCode: number;
}

export class Session {
  readonly config: CloudConfig;
  private readonly opts: SessionOptions;
  private readonly now: () => number;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly freshHttpAgent: HttpAgent;
  private readonly freshHttpsAgent: HttpsAgent;
  private state: TokenState | undefined;
  private authUrlV3: string | undefined;
  private reqCounter = 0;

  private constructor(config: CloudConfig, opts: SessionOptions) {
    this.config = config;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } = {
      rejectUnauthorized: !config.tls.insecure,
    };
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
    // Idempotent requests reuse connections; POST/PATCH always use a fresh one, so they are never
    // sent on a socket the server has just closed (they cannot be retried).
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16, ...tls });
    this.freshHttpAgent = new HttpAgent({ keepAlive: false });
    this.freshHttpsAgent = new HttpsAgent({ keepAlive: false, ...tls });
  }

  /** Authenticate (or reuse a cached token) and return a ready session. */
  static async open(config: CloudConfig, opts: SessionOptions = {}): Promise<Session> {
    const s = new Session(config, opts);
    await s.ensureToken();
    return s;
  }

  /** Release pooled connections (the process can exit without it). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.freshHttpAgent.destroy();
    this.freshHttpsAgent.destroy();
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

  private log(text: string): void {
    this.opts.debug?.(text);
  }

  // ---------------------------------------------------------------------------------------------
  // Catalog

  /**
   * The catalog URL of a service (no trailing `/`) for the configured interface and region.
   * Error: `public endpoint for orchestration service in RegionTwo region not found`.
   */
  endpoint(serviceType: ServiceType, opts: { interface?: EndpointInterface; region?: string } = {}): string {
    const iface = opts.interface ?? this.config.interface;
    const region = opts.region ?? this.config.regionName;
    for (const svc of this.token.catalog ?? []) {
      if (svc.type !== serviceType) continue;
      for (const ep of svc.endpoints) {
        if (ep.interface !== iface) continue;
        if (region !== undefined && ep.region_id !== region && ep.region !== region) continue;
        return stripSlash(ep.url);
      }
    }
    const where = region !== undefined ? ` in ${region} region` : '';
    throw new CliError(`${iface} endpoint for ${serviceType} service${where} not found`, ExitCode.auth);
  }

  /** The endpoint with an API version segment appended unless the catalog URL already has it. */
  versionedEndpoint(serviceType: ServiceType, version: string): string {
    const base = this.endpoint(serviceType);
    const path = new URL(base).pathname.replace(/\/+$/, '');
    return path.split('/').includes(version) ? base : `${base}/${version}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  /**
   * An authenticated request to a service. `path` is appended to the service endpoint (or is a
   * full URL). Throws `OpenStackHttpError` for statuses >= 300 not in `okStatuses`.
   */
  async request(service: ServiceType, method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const base = /^https?:\/\//.test(path) ? path : this.endpoint(service) + (path.startsWith('/') ? path : `/${path}`);
    const url = base + buildQuery(opts.query);
    const headers = new Headers({ Accept: 'application/json', 'User-Agent': this.opts.userAgent ?? 'vnflcm' });
    let body: Buffer | string | Readable | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers.set('Content-Type', 'application/json');
    }
    for (const [k, v] of Object.entries(opts.headers ?? {})) headers.set(k, v);
    if (opts.contentLength !== undefined) headers.set('Content-Length', String(opts.contentLength));
    const stream = isStream(body);
    const send = async (): Promise<HttpResponse> => {
      const token = await this.ensureToken();
      headers.set('X-Auth-Token', token);
      return this.send(service, method, url, {
        headers,
        body,
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        retry: !stream && (opts.retry ?? IDEMPOTENT.has(method)),
        followRedirects: opts.followRedirects ?? true,
        exitCode: ExitCode.runtime,
      });
    };
    let res = await send();
    if (res.status === 401 && !stream) {
      this.log('Token rejected (HTTP 401): authenticating again');
      this.dropToken();
      res = await send();
    }
    if (res.status >= 300 && !(opts.okStatuses ?? []).includes(res.status)) throw this.httpError(service, method, res);
    return res;
  }

  /** `request` + parse the JSON body. */
  async json<T>(service: ServiceType, method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.request(service, method, path, opts)).json<T>();
  }

  private httpError(service: string, method: HttpMethod, res: HttpResponse, exitCode?: number): OpenStackHttpError {
    return new OpenStackHttpError({
      status: res.status,
      service,
      serviceMessage: errorMessageFromBody(res.status, res.statusText, res.text),
      requestId: res.requestId,
      method,
      url: res.url,
      exitCode: exitCode ?? (res.status === 401 ? ExitCode.auth : ExitCode.runtime),
    });
  }

  /** One HTTP exchange with retries and redirects; no auth, no status checks beyond retrying. */
  private async send(service: string, method: HttpMethod, url: string, o: SendOptions): Promise<HttpResponse> {
    const attempt = async (): Promise<HttpResponse> => {
      let current = url;
      let m = method;
      let body = o.body;
      for (let hops = 0; ; hops++) {
        const res = await this.exchange(m, current, o.headers, body, o.timeoutMs, o.exitCode);
        const location = res.headers.get('location');
        if (o.followRedirects && [301, 302, 303, 307, 308].includes(res.status) && location) {
          if (hops >= MAX_REDIRECTS) throw new AbortError(new CliError(`Too many redirects from ${url}`, o.exitCode));
          if (isStream(body)) throw new AbortError(new CliError(`Cannot follow redirect of ${m} ${current} with a streamed body`, o.exitCode));
          let next = new URL(location, current);
          const origin = new URL(current).origin;
          if (next.origin !== origin) next = new URL(next.pathname + next.search, origin);
          if (res.status === 303 && m !== 'HEAD') {
            m = 'GET';
            body = undefined;
            o.headers.delete('Content-Type');
          }
          current = next.toString();
          continue;
        }
        if (o.retry && (res.status >= 500 || res.status === 429)) throw new RetryableStatus(res);
        return res;
      }
    };
    try {
      return await pRetry(attempt, {
        retries: o.retry ? (this.opts.retries ?? 3) : 0,
        factor: 2,
        minTimeout: this.opts.retryMinDelayMs ?? 500,
        maxTimeout: this.opts.retryMaxDelayMs ?? 8000,
        randomize: true,
        shouldRetry: (err) => err instanceof RetryableStatus || err instanceof OpenStackConnectionError,
        onFailedAttempt: async (err) => {
          if (err.retriesLeft <= 0 || !(err instanceof RetryableStatus || err instanceof OpenStackConnectionError)) return;
          const why = err instanceof RetryableStatus ? `HTTP ${err.response.status}` : err.message;
          this.log(`RETRY ${method} ${url} after ${why} (attempt ${err.attemptNumber}, ${err.retriesLeft} left)`);
          if (err instanceof RetryableStatus) {
            const after = Number(err.response.headers.get('retry-after'));
            if (Number.isFinite(after) && after > 0) await sleep(Math.min(after, 30) * 1000);
          }
        },
      });
    } catch (err) {
      if (err instanceof RetryableStatus) return err.response;
      throw err;
    }
  }

  /** Exactly one request/response (debug-logged). Connection failures -> OpenStackConnectionError. */
  private async exchange(
    method: HttpMethod,
    url: string,
    headers: Headers,
    body: Buffer | string | Readable | undefined,
    timeoutMs: number,
    exitCode: number,
  ): Promise<HttpResponse> {
    const n = ++this.reqCounter;
    // non-idempotent requests and streamed bodies cannot be retried: never send them on a reused socket
    const fresh = !IDEMPOTENT.has(method) || isStream(body);
    if (this.opts.debug) {
      let shown = '';
      if (isStream(body)) shown = '\n  <streamed body>';
      else if (body !== undefined) shown = `\n${truncate(redactText(body.toString()))}`;
      this.log(`REQ #${n}: ${method} ${url}\n${headerLines(headers)}${shown}`);
    }
    const t0 = performance.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body as BodyInit | undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        agent: (u: URL) => (u.protocol === 'https:' ? (fresh ? this.freshHttpsAgent : this.httpsAgent) : fresh ? this.freshHttpAgent : this.httpAgent),
      });
      text = method === 'HEAD' ? '' : await res.text();
    } catch (err) {
      const ms = Math.round(performance.now() - t0);
      const timedOut = isRecord(err) && (err.name === 'AbortError' || err.name === 'TimeoutError');
      const reason = timedOut ? `timed out after ${Math.round(timeoutMs / 100) / 10} s` : errorReason(err);
      this.log(`RESP #${n}: ${method} ${url} failed after ${ms} ms: ${reason}`);
      throw new OpenStackConnectionError(url, reason, timedOut, exitCode, err);
    }
    const ms = Math.round(performance.now() - t0);
    const requestId = requestIdOf(res.headers);
    if (this.opts.debug) {
      const ct = res.headers.get('content-type') ?? '';
      const shown = /json|text|html|xml/.test(ct) || ct === '' ? truncate(redactText(text)) : `<${text.length} characters of ${ct}>`;
      this.log(`RESP #${n}: ${res.status} ${res.statusText} ${method} ${url} ${ms} ms\n${headerLines(res.headers)}${shown ? `\n${shown}` : ''}`);
    }
    const out: HttpResponse = {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      url,
      text,
      json<T>(): T {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new CliError(`Invalid JSON in the response of ${method} ${url} (HTTP ${res.status})`);
        }
      },
    };
    if (requestId !== undefined) out.requestId = requestId;
    if (this.opts.onExchange) {
      const ex: Exchange = {
        method,
        url,
        requestHeaders: Object.fromEntries(headers.entries()),
        status: res.status,
        statusText: res.statusText,
        responseHeaders: Object.fromEntries(res.headers.entries()),
        responseBody: text,
        ms,
      };
      if (body !== undefined && !isStream(body)) ex.requestBody = body.toString();
      this.opts.onExchange(ex);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens

  /** A valid token id: the current one, a cached one, or a new one from Keystone. */
  async ensureToken(): Promise<string> {
    const now = this.now();
    if (this.state && this.state.expiresAtMs - now > TOKEN_MARGIN_MS) return this.state.id;
    const cached = this.readCache();
    if (cached && cached.expiresAtMs - now > TOKEN_MARGIN_MS) {
      this.log(`Using cached token (expires ${new Date(cached.expiresAtMs).toISOString()})`);
      this.state = cached;
      return cached.id;
    }
    this.state = await this.authenticate();
    this.writeCache(this.state);
    return this.state.id;
  }

  /** Forget the token (memory and cache file); the next request authenticates again. */
  dropToken(): void {
    this.state = undefined;
    const file = this.cacheFile();
    if (file) rmSync(file, { force: true });
  }

  private async discoverV3(): Promise<{ url: string; warning?: string }> {
    const authUrl = stripSlash(this.config.auth.authUrl);
    const versioned = /\/v3(\.\d+)?$/.test(authUrl);
    if (this.config.authType !== 'password') return { url: versioned ? authUrl : `${authUrl}/v3` };
    const warning = `Failed to discover available identity versions when contacting ${this.config.auth.authUrl}. Attempting to parse version from URL.`;
    try {
      const res = await this.send('identity', 'GET', authUrl, {
        headers: new Headers({ Accept: 'application/json', 'User-Agent': this.opts.userAgent ?? 'vnflcm' }),
        timeoutMs: this.timeoutMs,
        retry: false,
        followRedirects: true,
        exitCode: ExitCode.auth,
      });
      if (res.status !== 200 && res.status !== 300) throw new Error(`HTTP ${res.status}`);
      const doc = res.json<{ version?: DiscoveredVersion; versions?: { values?: DiscoveredVersion[] } | DiscoveredVersion[] }>();
      if (doc.version && versioned) return { url: authUrl };
      const values = Array.isArray(doc.versions) ? doc.versions : (doc.versions?.values ?? (doc.version ? [doc.version] : []));
      const v3 = values.filter((v) => /^v3(\.|$)/.test(v.id ?? '') && v.status !== 'deprecated');
      const href = v3[0]?.links?.find((l) => l.rel === 'self')?.href;
      if (href) {
        // keep the scheme/host the user gave (a Keystone behind a proxy may advertise another)
        const u = new URL(href);
        const given = new URL(authUrl);
        return { url: stripSlash(`${given.origin}${u.pathname}`) };
      }
      throw new Error('no v3 version in the discovery document');
    } catch (err) {
      this.log(`${warning} (${errorMessage(err)})`);
      return { url: versioned ? authUrl : `${authUrl}/v3`, warning };
    }
  }

  private async authenticate(): Promise<TokenState> {
    let warning: string | undefined;
    if (!this.authUrlV3) {
      const d = await this.discoverV3();
      this.authUrlV3 = d.url;
      warning = d.warning;
    }
    const url = `${this.authUrlV3}/auth/tokens`;
    const headers = new Headers({
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': this.opts.userAgent ?? 'vnflcm',
    });
    let res: HttpResponse;
    try {
      res = await this.send('identity', 'POST', url, {
        headers,
        body: JSON.stringify(authRequestBody(this.config)),
        timeoutMs: this.timeoutMs,
        retry: false,
        followRedirects: true,
        exitCode: ExitCode.auth,
      });
    } catch (err) {
      if (err instanceof OpenStackConnectionError && warning) {
        throw new CliError(`${warning}\n${err.message}`, ExitCode.auth, { cause: err });
      }
      throw err;
    }
    if (res.status >= 300) throw this.httpError('identity', 'POST', res, ExitCode.auth);
    const id = res.headers.get('x-subject-token');
    const token = res.json<{ token?: KeystoneToken }>().token;
    if (!id || !token?.expires_at) throw new CliError(`Keystone answered ${url} without a token`, ExitCode.auth);
    const expiresAtMs = Date.parse(token.expires_at);
    return { id, token, expiresAtMs: Number.isNaN(expiresAtMs) ? this.now() + 3600_000 : expiresAtMs };
  }

  private cacheDir(): string | undefined {
    if (this.opts.tokenCache === false) return undefined;
    return this.opts.tokenCacheDir ?? join(vnflcmHome(this.opts.env ?? process.env), 'tokens');
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
      this.log(`Token cache unavailable: ${errorMessage(err)}`);
      return undefined;
    }
  }

  private readCache(): TokenState | undefined {
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

  private writeCache(state: TokenState): void {
    const file = this.cacheFile(true);
    if (!file) return;
    const data: CacheFile = { version: 1, authUrl: stripSlash(this.config.auth.authUrl), tokenId: state.id, token: state.token };
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      this.log(`Could not write the token cache ${file}: ${errorMessage(err)}`);
    }
  }
}

interface DiscoveredVersion {
  id?: string;
  status?: string;
  links?: { rel?: string; href?: string }[];
}
