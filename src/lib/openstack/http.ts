/**
 * HTTP for the OpenStack layer, without authentication (gophercloud's ProviderClient transport):
 * one exchange with a per-attempt timeout and `--debug` logging (secrets masked by ../redact.ts),
 * redirects followed by hand, and retries as a function around it.
 *
 * - Retries (p-retry, exponential backoff with jitter) on connection errors, timeouts, 5xx and 429,
 *   for GET/HEAD/PUT/DELETE only (`Retry-After` is honoured up to 30 s). POST/PATCH are never
 *   retried, and like streamed bodies they always go on a fresh connection (never on a pooled
 *   socket the server may just have closed).
 * - Redirects (`redirect: 'manual'`) re-issue the same method and body (303 becomes GET), as
 *   keystoneauth does for Heat's `/stacks/{id}` -> `/stacks/{name}/{id}`. A redirect to another
 *   origin is followed on the original origin (the token never leaves it).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { CliError } from '../errors.js';
import { fetch, type BodyInit, type Headers, type Response } from '../http.js';
import { isSecretHeader, redactText, DEBUG_MASK } from '../redact.js';
import { OpenStackConnectionError, errorReason, isRecord, requestIdOf, type HttpMethod } from './errors.js';

export type { HttpMethod } from './errors.js';

/** One raw request/response pair (see `HttpClientOptions.onExchange`). */
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

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
}

export interface HttpClientOptions {
  /** Receives one line (or block) per request/response, secrets redacted (`--debug`). */
  debug?: (line: string) => void;
  /** Retries of idempotent requests (default 3). */
  retries?: number;
  /** First retry delay in ms (default 500), doubled each time up to `retryMaxDelayMs` (default 8000). */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Receives every exchange UNREDACTED: for recording test fixtures only, never for logs. */
  onExchange?: (exchange: Exchange) => void;
}

export interface SendOptions {
  headers: Headers;
  body?: Buffer | string | Readable;
  timeoutMs: number;
  retry: boolean;
  followRedirects: boolean;
  /** Exit code of connection errors. */
  exitCode: number;
}

const MAX_REDIRECTS = 5;
const DEBUG_BODY_LIMIT = 4096;
export const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Thrown inside the retry loop for a retryable status; unwrapped after the last attempt. */
class RetryableStatus extends Error {
  readonly response: HttpResponse;
  constructor(response: HttpResponse) {
    super(`HTTP ${response.status}`);
    this.response = response;
  }
}

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
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

export function isStream(body: unknown): body is Readable {
  return isRecord(body) && typeof (body as { pipe?: unknown }).pipe === 'function';
}

function truncate(text: string, limit = DEBUG_BODY_LIMIT): string {
  return text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;
}

function headerLines(h: Headers): string {
  const lines: string[] = [];
  h.forEach((value, name) => {
    lines.push(`  ${name}: ${isSecretHeader(name) ? DEBUG_MASK : value}`);
  });
  return lines.join('\n');
}

export interface RetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Told about each retry (for `--debug`). */
  log?: (line: string) => void;
}

/**
 * Run `attempt` again after connection errors and retryable statuses (5xx, 429, signalled by the
 * attempt throwing `RetryableStatus`), with exponential backoff and `Retry-After`; the last
 * retryable response is returned rather than thrown.
 */
export async function withRetry(what: string, attempt: () => Promise<HttpResponse>, policy: RetryPolicy): Promise<HttpResponse> {
  try {
    return await pRetry(attempt, {
      retries: policy.retries,
      factor: 2,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      shouldRetry: (err) => err instanceof RetryableStatus || err instanceof OpenStackConnectionError,
      onFailedAttempt: async (err) => {
        if (err.retriesLeft <= 0 || !(err instanceof RetryableStatus || err instanceof OpenStackConnectionError)) return;
        const why = err instanceof RetryableStatus ? `HTTP ${err.response.status}` : err.message;
        policy.log?.(`RETRY ${what} after ${why} (attempt ${err.attemptNumber}, ${err.retriesLeft} left)`);
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

/** Unauthenticated HTTP with pooled and fresh connections; the Session adds tokens and the catalog. */
export class HttpClient {
  private readonly opts: HttpClientOptions;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly freshHttpAgent: HttpAgent;
  private readonly freshHttpsAgent: HttpsAgent;
  private reqCounter = 0;

  constructor(tls: TlsOptions, opts: HttpClientOptions = {}) {
    this.opts = opts;
    // Idempotent requests reuse connections; POST/PATCH always use a fresh one, so they are never
    // sent on a socket the server has just closed (they cannot be retried).
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16, ...tls });
    this.freshHttpAgent = new HttpAgent({ keepAlive: false });
    this.freshHttpsAgent = new HttpsAgent({ keepAlive: false, ...tls });
  }

  /** Release pooled connections (the process can exit without it). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.freshHttpAgent.destroy();
    this.freshHttpsAgent.destroy();
  }

  log(text: string): void {
    this.opts.debug?.(text);
  }

  /** One HTTP exchange with retries and redirects; no auth, no status checks beyond retrying. */
  send(method: HttpMethod, url: string, o: SendOptions): Promise<HttpResponse> {
    const attempt = async (): Promise<HttpResponse> => {
      const res = await this.followRedirects(method, url, o);
      if (o.retry && (res.status >= 500 || res.status === 429)) throw new RetryableStatus(res);
      return res;
    };
    return withRetry(`${method} ${url}`, attempt, {
      retries: o.retry ? (this.opts.retries ?? 3) : 0,
      minDelayMs: this.opts.retryMinDelayMs ?? 500,
      maxDelayMs: this.opts.retryMaxDelayMs ?? 8000,
      log: (line) => this.log(line),
    });
  }

  private async followRedirects(method: HttpMethod, url: string, o: SendOptions): Promise<HttpResponse> {
    let current = url;
    let m = method;
    let body = o.body;
    for (let hops = 0; ; hops++) {
      const res = await this.exchange(m, current, o.headers, body, o.timeoutMs, o.exitCode);
      const location = res.headers.get('location');
      if (!(o.followRedirects && [301, 302, 303, 307, 308].includes(res.status) && location)) return res;
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
}
