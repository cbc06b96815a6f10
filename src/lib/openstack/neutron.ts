/**
 * Neutron networking API v2.0: networks, subnets and ports (read).
 *
 *   const neutron = new NeutronClient(session);
 *   const net = await neutron.findNetwork('vnf-net');           // by id or exact name
 *   const ports = await neutron.listPorts({ device_id: serverId });
 *   const ip = ports[0]?.fixed_ips[0]?.ip_address;
 *
 * The catalog's `network` endpoint usually has no version; `/v2.0` is appended once, here.
 */
import { OpenStackHttpError, type Session } from './session.js';
import { isUuid, pickOne } from './find.js';

const SERVICE = 'network';

export interface Network {
  id: string;
  name: string;
  status: string;
  project_id?: string;
  tenant_id?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  subnets: string[];
  mtu?: number;
  'router:external'?: boolean;
  'provider:network_type'?: string;
  'provider:physical_network'?: string | null;
  'provider:segmentation_id'?: number | null;
  port_security_enabled?: boolean;
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  status: string;
  admin_state_up?: boolean;
  project_id?: string;
  security_groups?: string[];
  port_security_enabled?: boolean;
  'binding:host_id'?: string;
  'binding:vif_type'?: string;
  'binding:vnic_type'?: string;
}

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  allocation_pools: { start: string; end: string }[];
  dns_nameservers?: string[];
  host_routes?: { destination: string; nexthop: string }[];
  project_id?: string;
}

export type NeutronFilters = Record<string, string | number | boolean | undefined>;

export interface PortFilters extends NeutronFilters {
  device_id?: string;
  network_id?: string;
  device_owner?: string;
  mac_address?: string;
  name?: string;
}

export class NeutronClient {
  private readonly session: Session;

  constructor(session: Session) {
    this.session = session;
  }

  private url(path: string): string {
    return this.session.versionedEndpoint(SERVICE, 'v2.0') + path;
  }

  private async get<T>(path: string, key: string, query?: NeutronFilters): Promise<T> {
    const body = await this.session.json<Record<string, unknown>>(SERVICE, 'GET', this.url(path), query ? { query } : {});
    return body[key] as T;
  }

  /** `GET /v2.0/networks/{id}`. */
  async getNetwork(id: string): Promise<Network> {
    return this.get<Network>(`/networks/${encodeURIComponent(id)}`, 'network');
  }

  /** `GET /v2.0/networks` with filters (e.g. `{ name }`). */
  async listNetworks(filters: NeutronFilters = {}): Promise<Network[]> {
    return this.get<Network[]>('/networks', 'networks', filters);
  }

  /** A network by id or exact name; `No Network found for x` / ambiguous-name error. */
  async findNetwork(nameOrId: string): Promise<Network> {
    if (isUuid(nameOrId)) {
      try {
        return await this.getNetwork(nameOrId);
      } catch (err) {
        if (!(err instanceof OpenStackHttpError && err.status === 404)) throw err;
      }
    }
    return pickOne('Network', nameOrId, await this.listNetworks({ name: nameOrId }));
  }

  /** `GET /v2.0/ports` with filters such as `device_id`, `network_id`. */
  async listPorts(filters: PortFilters = {}): Promise<Port[]> {
    return this.get<Port[]>('/ports', 'ports', filters);
  }

  /** `GET /v2.0/ports/{id}`. */
  async getPort(id: string): Promise<Port> {
    return this.get<Port>(`/ports/${encodeURIComponent(id)}`, 'port');
  }

  /** `GET /v2.0/subnets/{id}`. */
  async getSubnet(id: string): Promise<Subnet> {
    return this.get<Subnet>(`/subnets/${encodeURIComponent(id)}`, 'subnet');
  }

  /** `GET /v2.0/subnets` with filters (e.g. `{ network_id }`). */
  async listSubnets(filters: NeutronFilters = {}): Promise<Subnet[]> {
    return this.get<Subnet[]>('/subnets', 'subnets', filters);
  }
}
