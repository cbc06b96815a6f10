/**
 * Nova compute API v2.1: servers (read) and flavors.
 *
 *   const nova = new NovaClient(session);
 *   const server = await nova.getServer(id);                    // addresses, status, OS-EXT-SRV-ATTR:host (admin)
 *   const ips = serverIps(server);                              // ['10.250.0.101', ...]
 *   const flavor = await nova.findFlavor('m1.tiny');            // by id or name
 *   const { maxTotalInstances, totalInstancesUsed } = await nova.getLimits();
 *
 * Paths are relative to the catalog's `compute` endpoint (`.../v2.1`). Lists follow
 * `servers_links`/`flavors_links` "next" links.
 */
import { OpenStackHttpError, type Session } from './session.js';
import { notFound, pickOne } from './find.js';
import type { Link } from './heat.js';

const SERVICE = 'compute';

export interface ServerAddress {
  addr: string;
  version: number;
  'OS-EXT-IPS:type'?: 'fixed' | 'floating' | string;
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id?: string;
  user_id?: string;
  created?: string;
  updated?: string;
  /** Network name -> addresses. */
  addresses: Record<string, ServerAddress[]>;
  flavor?: { id?: string; original_name?: string; links?: Link[] };
  image?: { id: string; links?: Link[] } | '';
  metadata?: Record<string, string>;
  key_name?: string | null;
  fault?: { code: number; message: string; details?: string };
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:power_state'?: number;
  'OS-EXT-AZ:availability_zone'?: string;
  /** Admin only. */
  'OS-EXT-SRV-ATTR:host'?: string | null;
  'OS-EXT-SRV-ATTR:hypervisor_hostname'?: string | null;
  'OS-EXT-SRV-ATTR:instance_name'?: string;
  'os-extended-volumes:volumes_attached'?: { id: string }[];
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  swap?: number | '';
  'os-flavor-access:is_public'?: boolean;
  links?: Link[];
}

/** `GET /limits` `absolute` (the project's quota and usage; -1 = unlimited). */
export interface AbsoluteLimits {
  maxTotalInstances: number;
  totalInstancesUsed: number;
  maxTotalCores: number;
  totalCoresUsed: number;
  maxTotalRAMSize: number;
  totalRAMUsed: number;
  maxServerGroups?: number;
  totalServerGroupsUsed?: number;
  [key: string]: number | undefined;
}

export interface ServerFilters {
  name?: string;
  status?: string;
  ip?: string;
  /** Admin: servers of every project. */
  allTenants?: boolean;
  projectId?: string;
  limit?: number;
  [key: string]: string | number | boolean | undefined;
}

export interface CreateFlavorRequest {
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  id?: string;
  isPublic?: boolean;
  ephemeralGb?: number;
  swapMb?: number;
}

/** All addresses of a server, fixed first, in the order Nova lists them. */
export function serverIps(server: Pick<Server, 'addresses'>, opts: { network?: string; type?: 'fixed' | 'floating' } = {}): string[] {
  const out: string[] = [];
  for (const [net, addrs] of Object.entries(server.addresses ?? {})) {
    if (opts.network !== undefined && net !== opts.network) continue;
    for (const a of addrs) {
      if (opts.type !== undefined && a['OS-EXT-IPS:type'] !== opts.type) continue;
      out.push(a.addr);
    }
  }
  return out;
}

export class NovaClient {
  private readonly session: Session;

  constructor(session: Session) {
    this.session = session;
  }

  /** `GET /servers/{id}`. */
  async getServer(id: string): Promise<Server> {
    return (await this.session.json<{ server: Server }>(SERVICE, 'GET', `/servers/${encodeURIComponent(id)}`)).server;
  }

  /** `GET /servers/detail` with filters, following pagination. */
  async listServers(filters: ServerFilters = {}): Promise<Server[]> {
    const query: Record<string, string | number | boolean | undefined> = {};
    for (const [k, v] of Object.entries(filters)) {
      if (k === 'allTenants') query.all_tenants = v ? 1 : undefined;
      else if (k === 'projectId') query.project_id = v;
      else query[k] = v;
    }
    return this.paged<Server>('/servers/detail', 'servers', query);
  }

  /** `GET /limits`: quota and usage of the token's project (a pre-flight check before creating servers). */
  async getLimits(): Promise<AbsoluteLimits> {
    return (await this.session.json<{ limits: { absolute: AbsoluteLimits } }>(SERVICE, 'GET', '/limits')).limits.absolute;
  }

  /** A flavor by id (`GET /flavors/{id}`) or else by exact name. */
  async findFlavor(nameOrId: string): Promise<Flavor> {
    try {
      return (await this.session.json<{ flavor: Flavor }>(SERVICE, 'GET', `/flavors/${encodeURIComponent(nameOrId)}`)).flavor;
    } catch (err) {
      if (!(err instanceof OpenStackHttpError && (err.status === 404 || err.status === 400))) throw err;
    }
    const all = await this.listFlavors();
    const found = all.filter((f) => f.name === nameOrId);
    if (found.length === 0) throw notFound('Flavor', nameOrId);
    return pickOne('Flavor', nameOrId, found);
  }

  /** `GET /flavors/detail` (admins also see private flavors: `is_public=None`). */
  async listFlavors(): Promise<Flavor[]> {
    return this.paged<Flavor>('/flavors/detail', 'flavors', { is_public: 'None' });
  }

  /** `POST /flavors` (admin by default policy). */
  async createFlavor(req: CreateFlavorRequest): Promise<Flavor> {
    const flavor: Record<string, unknown> = { name: req.name, vcpus: req.vcpus, ram: req.ramMb, disk: req.diskGb };
    if (req.id !== undefined) flavor.id = req.id;
    if (req.isPublic !== undefined) flavor['os-flavor-access:is_public'] = req.isPublic;
    if (req.ephemeralGb !== undefined) flavor['OS-FLV-EXT-DATA:ephemeral'] = req.ephemeralGb;
    if (req.swapMb !== undefined) flavor.swap = req.swapMb;
    return (await this.session.json<{ flavor: Flavor }>(SERVICE, 'POST', '/flavors', { json: { flavor } })).flavor;
  }

  /** `DELETE /flavors/{id}`; 404 tolerated. */
  async deleteFlavor(id: string): Promise<void> {
    try {
      await this.session.request(SERVICE, 'DELETE', `/flavors/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!(err instanceof OpenStackHttpError && err.status === 404)) throw err;
    }
  }

  private async paged<T>(path: string, key: string, query: Record<string, string | number | boolean | undefined>): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    let q: Record<string, string | number | boolean | undefined> | undefined = query;
    for (let page = 0; next !== undefined && page < 1000; page++) {
      const body: Record<string, unknown> = await this.session.json<Record<string, unknown>>(SERVICE, 'GET', next, q ? { query: q } : {});
      const items = body[key];
      if (Array.isArray(items)) out.push(...(items as T[]));
      const links = body[`${key}_links`];
      const href = Array.isArray(links) ? (links as Link[]).find((l) => l.rel === 'next')?.href : undefined;
      next = href;
      q = undefined;
    }
    return out;
  }
}
