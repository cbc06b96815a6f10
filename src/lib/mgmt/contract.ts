/**
 * The contract between the LCM operations (src/lib/lcm) and the management drivers: what a driver
 * is given at a Vnflcm hook (HookContext: the instance, its stored request, its VNFCs, a progress
 * sink) and what it is (MgmtDriver: one function per hook it implements). The drivers import
 * nothing else of lcm (enforced by eslint.config.js); lcm calls them through this and the driver
 * table (drivers.ts).
 */
import type { Flavour, LcmHookName, VnfPackage } from '../package/model.js';
import type { InstantiateVnfRequest } from '../params/schema.js';
import type { Store, VnfInstanceRecord } from '../store/index.js';

/** One VNFC as the drivers see it: identity, server, addresses. */
export interface VnfcRef {
  /** vnfcResourceInfo.id (the vnfcInstanceId users pass to heal). */
  id: string;
  vduId: string;
  /** Nova server id. */
  serverId: string;
  /** The Heat stack holding the server (a group member's nested stack, or the top stack). */
  stackId: string;
  /** Heat resource name of the member inside its group (for SCALE_IN ordering), if any. */
  memberName?: string;
  /** CP name -> first fixed IPv4 address (and floating IP when there is one). */
  addresses: Record<string, { ip: string; floatingIp?: string; portId: string }>;
  /** When the VNFC's group member (else its server) was created: the order Heat removes members in. */
  createdAt: string;
}

export interface ProgressSink {
  /** A named step started/finished on a node (node may be '' for the whole VNF). */
  step(node: string, name: string, status: 'start' | 'done' | 'skipped' | 'failed', detail?: string): void;
  info(line: string): void;
}

export interface HookContext {
  hook: LcmHookName;
  store: Store;
  pkg: VnfPackage;
  flavour: Flavour;
  /** The instance as it is now (re-read it with `store.getInstance` after changes). */
  instance: VnfInstanceRecord;
  /** The stored instantiate request, as the schema parsed it (typed; defaults applied). */
  request: InstantiateVnfRequest;
  /** The current operation's own request (heal/scale/terminate body). */
  operationParams: Record<string, unknown>;
  /** Every VNFC of the instance as the cloud reports it at this point. */
  vnfcs(): Promise<VnfcRef[]>;
  /**
   * Ports of the top-level stack that belong to no VNFC (e.g. the `vip_CP` of an HA control plane),
   * by Heat resource name: first fixed IPv4 and the Neutron port id.
   */
  stackPorts(): Promise<Record<string, { ip: string; portId: string }>>;
  /** SCALE: VNFCs that will be removed (scale_start, SCALE_IN) or were added (scale_end, SCALE_OUT). */
  scale?: { type: 'SCALE_OUT' | 'SCALE_IN'; aspectId: string; steps: number; removed: VnfcRef[]; added: VnfcRef[] };
  /** HEAL: the VNFCs being healed (ids survive a VNFC heal), or entire=true. */
  heal?: { entire: boolean; vnfcIds: string[] };
  /** Per-operation log file (secrets redacted by the writer). */
  logFile: string;
  opId: string;
  progress: ProgressSink;
  /** Merge facts into the instance's metadata (shown by `show`). */
  setMetadata(patch: Record<string, unknown>): Promise<void>;
  /** Options from the command line that concern provisioning. */
  options: { acceptNewHostKey: boolean; concurrency: number; sshTimeoutMs?: number };
}

export type MgmtDriver = Partial<Record<LcmHookName, (ctx: HookContext) => Promise<void>>>;

/** Artifact name (as a VNFD's Vnflcm hook names it) -> the driver, loaded on first use. */
export type DriverTable = Readonly<Record<string, () => Promise<MgmtDriver>>>;
