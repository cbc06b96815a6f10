/**
 * The errors of the OpenStack layer and how a service's error body becomes a message:
 * `OpenStackHttpError` (`<service message> (HTTP <status>) (Request-ID: <id>)`) and
 * `OpenStackConnectionError` (`Unable to establish connection to <url>: <reason>`). Both are
 * `CliError`s: exit 4 when raised while authenticating, 1 otherwise.
 */
import { STATUS_CODES } from 'node:http';
import type { Headers } from '../http.js';
import { CliError, ExitCode, errorMessage } from '../errors.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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


export function isRecord(v: unknown): v is Record<string, unknown> {
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

export function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? headers.get('x-request-id') ?? undefined;
}

/** node-fetch's FetchError says "request to <url> failed, reason: <reason>": keep the reason. */
export function errorReason(err: unknown): string {
  return errorMessage(err).replace(/^request to \S+ failed, reason: /, '') || 'connection failed';
}
