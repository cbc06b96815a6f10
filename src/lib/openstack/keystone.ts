/**
 * Keystone v3, as functions over the HTTP layer: the `POST /v3/auth/tokens` body for each auth type
 * and scope, version discovery, authentication and the service-catalog lookup.
 *
 * `password` first GETs the auth URL (version discovery), the other types do not; then
 * `POST {auth_url}/auth/tokens`. The token is the `X-Subject-Token` header, endpoints come from
 * `token.catalog` (service type + interface + region).
 */
import { Headers } from '../http.js';
import { CliError, ExitCode, errorMessage } from '../errors.js';
import type { CloudConfig, EndpointInterface } from './config.js';
import { OpenStackConnectionError, OpenStackHttpError, errorMessageFromBody, type HttpMethod } from './errors.js';
import type { HttpClient, HttpResponse } from './http.js';

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

export interface TokenState {
  id: string;
  token: KeystoneToken;
  expiresAtMs: number;
}

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

export function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The `OpenStackHttpError` for a response (exit 4 for a 401 or while authenticating). */
export function httpError(service: string, method: HttpMethod, res: HttpResponse, exitCode?: number): OpenStackHttpError {
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

export interface KeystoneContext {
  http: HttpClient;
  config: CloudConfig;
  timeoutMs: number;
  userAgent: string;
  now: () => number;
}

/** The v3 URL of the auth URL: found by version discovery for `password`, else derived from the URL. */
export async function discoverV3(k: KeystoneContext): Promise<{ url: string; warning?: string }> {
  const authUrl = stripSlash(k.config.auth.authUrl);
  const versioned = /\/v3(\.\d+)?$/.test(authUrl);
  if (k.config.authType !== 'password') return { url: versioned ? authUrl : `${authUrl}/v3` };
  const warning = `Failed to discover available identity versions when contacting ${k.config.auth.authUrl}. Attempting to parse version from URL.`;
  try {
    const res = await k.http.send('GET', authUrl, {
      headers: new Headers({ Accept: 'application/json', 'User-Agent': k.userAgent }),
      timeoutMs: k.timeoutMs,
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
    k.http.log(`${warning} (${errorMessage(err)})`);
    return { url: versioned ? authUrl : `${authUrl}/v3`, warning };
  }
}

/** `POST {v3}/auth/tokens`: a new token. `warning` (from discovery) is added to a connection error. */
export async function authenticate(k: KeystoneContext, authUrlV3: string, warning?: string): Promise<TokenState> {
  const url = `${authUrlV3}/auth/tokens`;
  const headers = new Headers({
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'User-Agent': k.userAgent,
  });
  let res: HttpResponse;
  try {
    res = await k.http.send('POST', url, {
      headers,
      body: JSON.stringify(authRequestBody(k.config)),
      timeoutMs: k.timeoutMs,
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
  if (res.status >= 300) throw httpError('identity', 'POST', res, ExitCode.auth);
  const id = res.headers.get('x-subject-token');
  const token = res.json<{ token?: KeystoneToken }>().token;
  if (!id || !token?.expires_at) throw new CliError(`Keystone answered ${url} without a token`, ExitCode.auth);
  const expiresAtMs = Date.parse(token.expires_at);
  return { id, token, expiresAtMs: Number.isNaN(expiresAtMs) ? k.now() + 3600_000 : expiresAtMs };
}

/**
 * The catalog URL of a service (no trailing `/`) for an interface and region.
 * Error: `public endpoint for orchestration service in RegionTwo region not found`.
 */
export function catalogEndpoint(token: KeystoneToken, serviceType: string, iface: EndpointInterface, region: string | undefined): string {
  for (const svc of token.catalog ?? []) {
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

interface DiscoveredVersion {
  id?: string;
  status?: string;
  links?: { rel?: string; href?: string }[];
}
