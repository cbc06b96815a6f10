/**
 * Heat orchestration API v1: stacks, resources, events, and waiting for a stack.
 *
 *   const heat = new HeatClient(session);
 *   const ref = await heat.createStack({ name: 'vnf-1', template, disableRollback: true, timeoutMins: 10 });
 *   await heat.waitForStack(ref, { expect: 'CREATE_COMPLETE', timeoutMs: 600_000, onProgress: (s) => log(s.stack_status) });
 *   const servers = (await heat.listResources(ref, { nestedDepth: 2 })).filter((r) => r.resource_type === 'OS::Nova::Server');
 *   await heat.markUnhealthy(ref, 'VDU1', 'Healing');
 *   await heat.updateStack(ref, { existing: true });           // PATCH
 *   await heat.deleteStack(ref); await heat.waitForStack(ref, { expect: 'DELETE_COMPLETE', timeoutMs });
 *
 * A stack is addressed as `/stacks/{name}/{id}` whenever both are known (a `StackRef` object, a
 * `"name/id"` string, or an id this client has seen with its name). A bare id or name goes to
 * `/stacks/{id_or_name}`, which Heat answers with a 302 that the session follows keeping the method
 * and body.
 */
import { CliError, ExitCode } from '../errors.js';
import { OpenStackHttpError, type Session } from './session.js';

const SERVICE = 'orchestration';

export type StackStatus = `${'CREATE' | 'UPDATE' | 'DELETE' | 'ROLLBACK' | 'SUSPEND' | 'RESUME' | 'ADOPT' | 'CHECK' | 'SNAPSHOT' | 'RESTORE' | 'INIT'}_${'IN_PROGRESS' | 'COMPLETE' | 'FAILED'}`;

export interface Link {
  href: string;
  rel: string;
}

export interface StackOutput {
  output_key: string;
  output_value: unknown;
  description?: string;
  output_error?: string;
}

export interface Stack {
  id: string;
  stack_name: string;
  stack_status: string;
  stack_status_reason?: string | null;
  description?: string;
  creation_time?: string;
  updated_time?: string | null;
  deletion_time?: string | null;
  parent?: string | null;
  disable_rollback?: boolean;
  timeout_mins?: number | null;
  parameters?: Record<string, string>;
  outputs?: StackOutput[];
  links?: Link[];
  tags?: string[] | null;
  project?: string;
  stack_owner?: string | null;
  stack_user_project_id?: string;
}

/** A stack by id, by name, or both (`Stack` objects fit). A string may be `"name/id"`. */
export type StackRef = string | { id: string; stack_name?: string };

export interface StackResource {
  resource_name: string;
  resource_type: string;
  physical_resource_id: string;
  logical_resource_id?: string;
  resource_status: string;
  resource_status_reason?: string;
  creation_time?: string;
  updated_time?: string;
  required_by: string[];
  links: Link[];
  /** With `nested_depth`: the resource of the parent stack this one's stack belongs to. */
  parent_resource?: string;
}

export interface StackResourceDetail extends StackResource {
  attributes: Record<string, unknown>;
  description?: string;
}

export interface StackEvent {
  id: string;
  event_time: string;
  resource_name: string;
  logical_resource_id?: string;
  physical_resource_id?: string;
  resource_status: string;
  resource_status_reason?: string;
  links?: Link[];
}

export interface CreateStackRequest {
  name: string;
  /** HOT as an object (or YAML/JSON text). */
  template: Record<string, unknown> | string;
  /** Nested templates and get_file contents by name. */
  files?: Record<string, string>;
  parameters?: Record<string, unknown>;
  environment?: Record<string, unknown>;
  timeoutMins?: number;
  disableRollback: boolean;
  tags?: string[];
}

export interface UpdateStackRequest {
  /** true: PATCH (keep the stored template/parameters, change only what is given); false: PUT. */
  existing: boolean;
  template?: Record<string, unknown> | string;
  files?: Record<string, string>;
  parameters?: Record<string, unknown>;
  /** Parameters to reset to their defaults (PATCH only). */
  clearParameters?: string[];
  environment?: Record<string, unknown>;
  timeoutMins?: number;
  disableRollback?: boolean;
}

export interface WaitOptions {
  /** The status to wait for, e.g. `CREATE_COMPLETE`. For `DELETE_COMPLETE` a 404 also ends the wait. */
  expect: StackStatus;
  timeoutMs: number;
  /** Called with every poll whose status or reason differs from the previous one. */
  onProgress?: (stack: Stack, elapsedMs: number) => void;
  /** Polling interval: starts at `pollMinMs` (1500), grows x`pollGrowth` (1.5) while nothing changes, up to `pollMaxMs` (1500). */
  pollMinMs?: number;
  pollMaxMs?: number;
  pollGrowth?: number;
  /**
   * How long another `*_COMPLETE` status (e.g. the previous `CREATE_COMPLETE` while waiting for
   * `UPDATE_COMPLETE`) is taken as "not started yet" before failing (default 30 000 ms).
   */
  startGraceMs?: number;
  signal?: AbortSignal;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

// Not node:timers/promises: the polling-schedule unit test reads the delays through globalThis.setTimeout.
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The stack a resource row belongs to (from its `stack` link: `.../stacks/{name}/{id}`); with
 * `nested_depth` this is the nested stack, which is where `markUnhealthy` must be sent.
 */
export function resourceStack(r: { links?: Link[] }): { id: string; stack_name: string } | undefined {
  const href = r.links?.find((l) => l.rel === 'stack')?.href;
  const m = href ? /\/stacks\/([^/]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(href) : null;
  if (!m?.[1] || !m[2]) return undefined;
  return { stack_name: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]) };
}

export class HeatClient {
  private readonly session: Session;
  /** id -> name of stacks seen, so later calls can use `/stacks/{name}/{id}`. */
  private readonly names = new Map<string, string>();

  constructor(session: Session) {
    this.session = session;
  }

  private remember(id: string | undefined, name: string | undefined): void {
    if (id && name) this.names.set(id, name);
  }

  /** `/stacks/{name}/{id}` when both are known, else `/stacks/{id_or_name}`. */
  stackPath(ref: StackRef): string {
    if (typeof ref === 'string') {
      const slash = ref.indexOf('/');
      if (slash > 0) return `/stacks/${enc(ref.slice(0, slash))}/${enc(ref.slice(slash + 1))}`;
      const name = this.names.get(ref);
      return name ? `/stacks/${enc(name)}/${enc(ref)}` : `/stacks/${enc(ref)}`;
    }
    const name = ref.stack_name ?? this.names.get(ref.id);
    return name ? `/stacks/${enc(name)}/${enc(ref.id)}` : `/stacks/${enc(ref.id)}`;
  }

  private label(ref: StackRef): string {
    if (typeof ref === 'string') return this.names.get(ref) ?? ref;
    return ref.stack_name ?? this.names.get(ref.id) ?? ref.id;
  }

  /** `POST /stacks`. Returns the new stack's id and name (usable as a `StackRef`). */
  async createStack(req: CreateStackRequest): Promise<{ id: string; stack_name: string; links: Link[] }> {
    const body: Record<string, unknown> = { stack_name: req.name, template: req.template };
    if (req.parameters) body.parameters = req.parameters;
    if (req.files) body.files = req.files;
    if (req.environment) body.environment = req.environment;
    if (req.timeoutMins !== undefined) body.timeout_mins = req.timeoutMins;
    body.disable_rollback = req.disableRollback;
    if (req.tags) body.tags = req.tags.join(',');
    const res = await this.session.json<{ stack: { id: string; links?: Link[] } }>(SERVICE, 'POST', '/stacks', { json: body });
    this.remember(res.stack.id, req.name);
    return { id: res.stack.id, stack_name: req.name, links: res.stack.links ?? [] };
  }

  /** `GET /stacks/{ref}` (a bare id or name is redirected by Heat to `/stacks/{name}/{id}`). */
  async getStack(ref: StackRef): Promise<Stack> {
    const res = await this.session.json<{ stack: Stack }>(SERVICE, 'GET', this.stackPath(ref));
    this.remember(res.stack.id, res.stack.stack_name);
    return res.stack;
  }

  /** The live stack named `name` (`GET /stacks?name=`), or null. */
  async findStack(name: string): Promise<Stack | null> {
    const res = await this.session.json<{ stacks: Stack[] }>(SERVICE, 'GET', '/stacks', { query: { name } });
    const found = res.stacks.filter((s) => s.stack_name === name && s.stack_status !== 'DELETE_COMPLETE');
    if (found.length > 1) {
      throw new CliError(`More than one stack is named ${name} (${found.map((s) => s.id).join(', ')}); use an ID.`);
    }
    const s = found[0];
    if (!s) return null;
    this.remember(s.id, s.stack_name);
    return s;
  }

  /** `GET /stacks` with filters (e.g. `{ owner_id, show_nested: true }`). */
  async listStacks(filters: Record<string, string | number | boolean> = {}): Promise<Stack[]> {
    const res = await this.session.json<{ stacks: Stack[] }>(SERVICE, 'GET', '/stacks', { query: filters });
    for (const s of res.stacks) this.remember(s.id, s.stack_name);
    return res.stacks;
  }

  /** `PATCH /stacks/{name}/{id}` when `existing` (body without `existing`), else `PUT`. */
  async updateStack(ref: StackRef, req: UpdateStackRequest): Promise<void> {
    const body: Record<string, unknown> = {};
    if (req.template !== undefined) body.template = req.template;
    if (req.files) body.files = req.files;
    if (req.parameters) body.parameters = req.parameters;
    if (req.environment) body.environment = req.environment;
    if (req.clearParameters) body.clear_parameters = req.clearParameters;
    if (req.timeoutMins !== undefined) body.timeout_mins = req.timeoutMins;
    if (req.disableRollback !== undefined) body.disable_rollback = req.disableRollback;
    if (!req.existing && req.template === undefined) {
      throw new CliError('A full stack update (PUT) needs a template; use existing: true to keep the stored one');
    }
    await this.session.request(SERVICE, req.existing ? 'PATCH' : 'PUT', this.stackPath(ref), { json: body });
  }

  /** `DELETE /stacks/{name}/{id}`; a stack that is already gone (404) is not an error. */
  async deleteStack(ref: StackRef): Promise<void> {
    try {
      await this.session.request(SERVICE, 'DELETE', this.stackPath(ref));
    } catch (err) {
      if (err instanceof OpenStackHttpError && err.status === 404) return;
      throw err;
    }
  }

  /** `GET /stacks/{ref}/resources[?nested_depth=N]`. */
  async listResources(ref: StackRef, opts: { nestedDepth?: number; withDetail?: boolean; filters?: Record<string, string> } = {}): Promise<StackResource[]> {
    const query: Record<string, string | number | boolean | undefined> = { ...opts.filters };
    if (opts.nestedDepth !== undefined) query.nested_depth = opts.nestedDepth;
    if (opts.withDetail) query.with_detail = true;
    const res = await this.session.json<{ resources: StackResource[] }>(SERVICE, 'GET', `${this.stackPath(ref)}/resources`, { query });
    return res.resources;
  }

  /** `GET /stacks/{name}/{id}/resources/{resource}` (with `attributes`). */
  async showResource(ref: StackRef, resourceName: string): Promise<StackResourceDetail> {
    const res = await this.session.json<{ resource: StackResourceDetail }>(
      SERVICE,
      'GET',
      `${this.stackPath(ref)}/resources/${enc(resourceName)}`,
    );
    return res.resource;
  }

  /** `PATCH .../resources/{resource}` `{"mark_unhealthy": true, "resource_status_reason": reason}`. */
  async markUnhealthy(ref: StackRef, resourceName: string, reason: string): Promise<void> {
    await this.session.request(SERVICE, 'PATCH', `${this.stackPath(ref)}/resources/${enc(resourceName)}`, {
      json: { mark_unhealthy: true, resource_status_reason: reason },
    });
  }

  /** `POST .../resources/{resource}/signal` (scaling policies; no body unless `data`). */
  async signal(ref: StackRef, resourceName: string, data?: Record<string, unknown>): Promise<void> {
    await this.session.request(SERVICE, 'POST', `${this.stackPath(ref)}/resources/${enc(resourceName)}/signal`, data ? { json: data } : {});
  }

  /** `GET .../resources/{resource}/metadata` (e.g. a scaling group's `cooldown_end`). */
  async resourceMetadata(ref: StackRef, resourceName: string): Promise<Record<string, unknown>> {
    const res = await this.session.json<{ metadata: Record<string, unknown> }>(
      SERVICE,
      'GET',
      `${this.stackPath(ref)}/resources/${enc(resourceName)}/metadata`,
    );
    return res.metadata;
  }

  /** `GET /stacks/{ref}/template`: the stored template as JSON. */
  async getTemplate(ref: StackRef): Promise<Record<string, unknown>> {
    return this.session.json<Record<string, unknown>>(SERVICE, 'GET', `${this.stackPath(ref)}/template`);
  }

  /** `GET /stacks/{ref}[/resources/{resource}]/events` (newest first with `sortDir: 'desc'`). */
  async listEvents(
    ref: StackRef,
    opts: { resourceName?: string; limit?: number; sortDir?: 'asc' | 'desc'; marker?: string; nestedDepth?: number } = {},
  ): Promise<StackEvent[]> {
    const path = opts.resourceName
      ? `${this.stackPath(ref)}/resources/${enc(opts.resourceName)}/events`
      : `${this.stackPath(ref)}/events`;
    const res = await this.session.json<{ events: StackEvent[] }>(SERVICE, 'GET', path, {
      query: {
        limit: opts.limit,
        marker: opts.marker,
        sort_dir: opts.sortDir,
        sort_keys: opts.sortDir ? 'event_time' : undefined,
        nested_depth: opts.nestedDepth,
      },
    });
    return res.events;
  }

  /**
   * Poll the stack until it reaches `expect`: at once, then every 1.5 s. So completion is noticed
   * within 1.5 s plus one request (under 2 s with room for a slow API) and a wait that needs three
   * or more polls sends at most one request per second (bench/heat-wait.ts measures both against
   * the real Heat). A growing interval (`pollMinMs` < `pollMaxMs`) would only trade the first for
   * the second: the former 0.5 s growing to 2 s polled more often in short waits (up to 1.6/s) and
   * noticed up to 2 s late. `*_FAILED` fails with the stack's `stack_status_reason`.
   */
  async waitForStack(ref: StackRef, opts: WaitOptions): Promise<Stack> {
    const min = opts.pollMinMs ?? 1500;
    const max = opts.pollMaxMs ?? 1500;
    const growth = opts.pollGrowth ?? 1.5;
    const grace = opts.startGraceMs ?? 30_000;
    const t0 = Date.now();
    const [action] = opts.expect.split('_') as [string];
    let interval = min;
    let last: Stack | undefined;
    let lastKey = '';
    for (;;) {
      let stack: Stack;
      try {
        stack = await this.getStack(ref);
      } catch (err) {
        if (err instanceof OpenStackHttpError && err.status === 404 && opts.expect === 'DELETE_COMPLETE') {
          const gone: Stack = last
            ? { ...last, stack_status: 'DELETE_COMPLETE', stack_status_reason: 'Stack not found' }
            : { id: typeof ref === 'string' ? ref : ref.id, stack_name: this.label(ref), stack_status: 'DELETE_COMPLETE' };
          opts.onProgress?.(gone, Date.now() - t0);
          return gone;
        }
        throw err;
      }
      const elapsed = Date.now() - t0;
      const key = `${stack.stack_status}\n${stack.stack_status_reason ?? ''}`;
      if (key !== lastKey) {
        opts.onProgress?.(stack, elapsed);
        interval = min;
        lastKey = key;
      } else {
        interval = Math.min(max, Math.round(interval * growth));
      }
      last = stack;
      const status = stack.stack_status;
      if (status === opts.expect) return stack;
      if (status.endsWith('_FAILED') || (status === 'ROLLBACK_COMPLETE' && action !== 'ROLLBACK')) {
        throw new CliError(`Stack ${stack.stack_name} ${status}: ${stack.stack_status_reason ?? 'no reason given'}`, ExitCode.runtime);
      }
      if (status.endsWith('_COMPLETE') && !status.startsWith(`${action}_`) && elapsed > grace) {
        throw new CliError(
          `Stack ${stack.stack_name} is ${status} (${stack.stack_status_reason ?? ''}), expected ${opts.expect}`,
          ExitCode.runtime,
        );
      }
      if (elapsed >= opts.timeoutMs) {
        throw new CliError(
          `Stack ${stack.stack_name} did not reach ${opts.expect} within ${Math.round(opts.timeoutMs / 1000)} s ` +
            `(last status ${status}${stack.stack_status_reason ? `: ${stack.stack_status_reason}` : ''})`,
          ExitCode.runtime,
        );
      }
      await sleep(Math.min(interval, Math.max(0, opts.timeoutMs - elapsed) + 1), opts.signal);
    }
  }
}
