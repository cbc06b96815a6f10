/**
 * A fault-injecting HTTP proxy for the e2e fault suite, in front of the test cloud's Keystone and
 * the services of its catalog. One listener on 127.0.0.1 per upstream origin (so Heat's redirects,
 * which the session follows on the origin it called, stay on the proxy); Keystone's token and
 * discovery bodies are rewritten so every service URL points at the proxy. Tests add rules at run
 * time (answer a status N times or for good, with Retry-After; cut a body short; answer HTML;
 * revoke a token) and read `seen` to assert what the client did (retries, re-authentication).
 * Written here rather than taken from a library: it is small and its rules are ours.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type FaultAction =
  /** Answer `status` with an OpenStack-style JSON error (and `Retry-After` when given). */
  | { kind: 'status'; status: number; retryAfter?: number }
  /** Forward, then send the headers and half the body and drop the connection. */
  | { kind: 'truncate' }
  /** Answer `status` (200) with an HTML page instead of JSON. */
  | { kind: 'html'; status?: number }
  /** The token of the matching request is revoked from now on: it and every later request carrying it get 401. */
  | { kind: 'revoke' };

export interface FaultRule {
  /** Catalog service type of the listener ('identity', 'orchestration', 'compute', 'network', 'image'). */
  service?: string;
  method?: string;
  /** Tested against the path and query as the client sent them. */
  path?: RegExp;
  action: FaultAction;
  /** How many matching requests get the fault (default 1; Infinity = for good). */
  times?: number;
  /** Matching requests let through before the fault starts (default 0). */
  skip?: number;
}

export interface Seen {
  service: string;
  method: string;
  path: string;
  /** The status the client got (the fault's, or the upstream's). */
  status: number;
  /** Set when a rule answered instead of the upstream. */
  fault?: FaultAction['kind'] | 'revoked';
  /** Short hash of the X-Auth-Token sent (never the token itself). */
  token?: string;
}

interface ActiveRule extends FaultRule {
  hits: number;
  passed: number;
}

const tokenHash = (t: string): string => createHash('sha256').update(t).digest('hex').slice(0, 12);

export class FaultProxy {
  readonly seen: Seen[] = [];
  private rules: ActiveRule[] = [];
  private readonly revoked = new Set<string>();
  /** upstream origin -> proxy origin */
  private readonly origins = new Map<string, string>();
  private readonly servers: Server[] = [];

  private constructor(private readonly upstreamAuth: URL) {}

  /** Starts the listener for Keystone; the others start when its catalog names them. */
  static async start(authUrl: string): Promise<FaultProxy> {
    const p = new FaultProxy(new URL(authUrl));
    await p.listen(p.upstreamAuth.origin, 'identity');
    return p;
  }

  /** The auth URL to give the client (Keystone through the proxy). */
  get authUrl(): string {
    return this.rewrite(this.upstreamAuth.toString()).replace(/\/$/, '');
  }

  /** Writes a clouds.yaml in `dir` with `cloud` copied from the test cloud's but authenticating through the proxy. */
  writeCloudsYaml(dir: string, auth: { username: string; password: string; project: string }, name = 'faulty'): string {
    const file = join(dir, 'clouds.yaml');
    writeFileSync(
      file,
      [
        'clouds:',
        `  ${name}:`,
        '    auth:',
        `      auth_url: ${this.authUrl}`,
        `      username: ${auth.username}`,
        `      password: ${auth.password}`,
        `      project_name: ${auth.project}`,
        '      user_domain_name: Default',
        '      project_domain_name: Default',
        '    region_name: RegionOne',
        '    interface: public',
        '    identity_api_version: 3',
        '',
      ].join('\n'),
    );
    return file;
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, hits: 0, passed: 0 });
  }

  /** Drops every rule (revoked tokens stay revoked). */
  clear(): void {
    this.rules = [];
  }

  /** Requests seen since `mark` (an index into `seen`, from `this.seen.length`). */
  since(mark: number): Seen[] {
    return this.seen.slice(mark);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((res) => {
            s.close(() => res());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private rewrite(text: string): string {
    let out = text;
    for (const [up, mine] of this.origins) out = out.split(up).join(mine);
    return out;
  }

  private async listen(origin: string, service: string): Promise<void> {
    if (this.origins.has(origin)) return;
    const server = createServer((req, res) => {
      this.handle(origin, service, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`fault proxy: ${String(err)}`);
      });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    this.servers.push(server);
    this.origins.set(origin, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  /** The first rule that matches and still has faults to give (counting the matches it lets through). */
  private pick(service: string, method: string, path: string): ActiveRule | undefined {
    for (const r of this.rules) {
      if (r.service && r.service !== service) continue;
      if (r.method && r.method !== method) continue;
      if (r.path && !r.path.test(path)) continue;
      if (r.passed < (r.skip ?? 0)) {
        r.passed++;
        continue;
      }
      if (r.hits >= (r.times ?? 1)) continue;
      r.hits++;
      return r;
    }
    return undefined;
  }

  private async handle(origin: string, service: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const rawToken = req.headers['x-auth-token'];
    const token = typeof rawToken === 'string' ? rawToken : undefined;
    const record = (status: number, fault?: Seen['fault']) => {
      const s: Seen = { service, method, path, status };
      if (fault) s.fault = fault;
      if (token) s.token = tokenHash(token);
      this.seen.push(s);
    };
    const unauthorized = (fault: Seen['fault']) => {
      req.resume();
      record(401, fault);
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }));
    };
    if (token && this.revoked.has(token)) return unauthorized('revoked');

    const rule = this.pick(service, method, path);
    const action = rule?.action;
    if (action?.kind === 'revoke' && token) {
      this.revoked.add(token);
      return unauthorized('revoke');
    }
    if (action?.kind === 'status') {
      req.resume();
      record(action.status, 'status');
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (action.retryAfter !== undefined) headers['Retry-After'] = String(action.retryAfter);
      res.writeHead(action.status, headers);
      // The body a service's WSGI layer sends: nothing in it names the service or the request.
      const title = STATUS_CODES[action.status] ?? 'Error';
      const explanation = 'The server is currently unavailable. Please try again at a later time.';
      res.end(JSON.stringify({ code: action.status, title, explanation, error: { message: explanation, type: title.replaceAll(' ', ''), traceback: null } }));
      return;
    }
    if (action?.kind === 'html') {
      req.resume();
      const status = action.status ?? 200;
      record(status, 'html');
      res.writeHead(status, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>Service temporarily unavailable</h1><p>fault proxy</p></body></html>');
      return;
    }

    const up = await this.forward(origin, method, path, req);
    const buffered = service === 'identity' || action?.kind === 'truncate';
    const headers = { ...up.headers };
    if (typeof headers.location === 'string') headers.location = this.rewrite(headers.location);
    if (!buffered) {
      record(up.statusCode ?? 502);
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of up) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (service === 'identity') body = Buffer.from(await this.rewriteKeystone(body.toString('utf8')));
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    if (action?.kind === 'truncate') {
      record(up.statusCode ?? 502, 'truncate');
      res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    record(up.statusCode ?? 502);
    res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  }

  /** Keystone bodies name the other services: give each its own listener and point the body at it. */
  private async rewriteKeystone(text: string): Promise<string> {
    try {
      const body = JSON.parse(text) as { token?: { catalog?: Array<{ type: string; endpoints: Array<{ url: string }> }> } };
      for (const svc of body.token?.catalog ?? []) {
        for (const ep of svc.endpoints) await this.listen(new URL(ep.url).origin, svc.type);
      }
    } catch {
      // not JSON (or no catalog): only the known origins are rewritten
    }
    return this.rewrite(text);
  }

  private forward(origin: string, method: string, path: string, req: IncomingMessage): Promise<IncomingMessage> {
    const target = new URL(path, origin);
    const headers = { ...req.headers, host: target.host };
    return new Promise((resolve, reject) => {
      const out = httpRequest(target, { method, headers, agent: false }, resolve);
      out.on('error', reject);
      req.pipe(out);
    });
  }
}

/** How many requests in `seen` match. */
export function count(seen: readonly Seen[], m: { service?: string; method?: string; path?: RegExp; status?: number; fault?: Seen['fault'] }): number {
  return seen.filter(
    (s) =>
      (!m.service || s.service === m.service) &&
      (!m.method || s.method === m.method) &&
      (!m.path || m.path.test(s.path)) &&
      (m.status === undefined || s.status === m.status) &&
      (m.fault === undefined || s.fault === m.fault),
  ).length;
}
