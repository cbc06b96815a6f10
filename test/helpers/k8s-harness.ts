/**
 * Driving the Kubernetes driver's hooks without a cloud: a HookContext built from a store, a
 * package and a hand-made VNFC list (VMs that already exist). Used by the end-to-end tests and
 * the benchmark against test-bed VMs; nothing here talks to OpenStack.
 */
import { randomUUID } from 'node:crypto';
import type { HookContext, ProgressSink, VnfcRef } from '../../src/lib/mgmt/contract.js';
import type { LcmHookName, VnfPackage } from '../../src/lib/package/model.js';
import { instantiateVnfRequestSchema } from '../../src/lib/params/schema.js';
import type { Store, VnfInstanceRecord } from '../../src/lib/store/index.js';

export interface HarnessOptions {
  store: Store;
  pkg: VnfPackage;
  flavourId: string;
  instanceId: string;
  /** The instantiate request as a param file gives it (parsed by the schema, as instantiate does). */
  request: Record<string, unknown>;
  /** The VNFCs "the cloud" reports now. */
  vnfcs: () => VnfcRef[];
  stackPorts?: () => Record<string, { ip: string; portId: string }>;
  progress: ProgressSink;
  logFile: string;
  concurrency?: number;
}

/** Create the instance record a real instantiate would have made (INSTANTIATED, empty metadata). */
export async function createHarnessInstance(o: Pick<HarnessOptions, 'store' | 'pkg' | 'instanceId'>, name = 'k8s-harness'): Promise<VnfInstanceRecord> {
  const rec: VnfInstanceRecord = {
    id: o.instanceId,
    vnfInstanceName: name,
    vnfInstanceDescription: null,
    vnfdId: o.pkg.vnf.descriptorId,
    vnfPkgId: randomUUID(),
    vnfProvider: o.pkg.vnf.provider,
    vnfProductName: o.pkg.vnf.productName,
    vnfSoftwareVersion: o.pkg.vnf.softwareVersion,
    vnfdVersion: o.pkg.vnf.descriptorVersion,
    instantiationState: 'INSTANTIATED',
    vimConnectionInfo: [],
    metadata: {},
    createdAt: new Date().toISOString(),
  };
  await o.store.createInstance(rec);
  return rec;
}

export async function harnessContext(
  hook: LcmHookName,
  o: HarnessOptions,
  extra: Pick<HookContext, 'scale' | 'heal'> & { operationParams?: Record<string, unknown> } = {},
): Promise<HookContext> {
  const flavour = o.pkg.flavours[o.flavourId];
  if (!flavour) throw new Error(`flavour ${o.flavourId} not in the package`);
  const instance = await o.store.getInstance(o.instanceId);
  if (!instance) throw new Error(`instance ${o.instanceId} not in the store`);
  return {
    hook,
    store: o.store,
    pkg: o.pkg,
    flavour,
    instance,
    request: instantiateVnfRequestSchema.parse(o.request),
    operationParams: extra.operationParams ?? {},
    vnfcs: async () => o.vnfcs(),
    stackPorts: async () => o.stackPorts?.() ?? {},
    ...(extra.scale ? { scale: extra.scale } : {}),
    ...(extra.heal ? { heal: extra.heal } : {}),
    logFile: o.logFile,
    opId: randomUUID(),
    progress: o.progress,
    setMetadata: async (patch) => {
      await o.store.updateInstance(o.instanceId, (r) => ({ ...r, metadata: { ...(r.metadata ?? {}), ...patch } }));
    },
    options: { acceptNewHostKey: false, concurrency: o.concurrency ?? 10 },
  };
}

/** A VNFC reference for a VM at `ip` (one CP). */
export function vnfcFor(vduId: string, cpName: string, ip: string, createdAt: string, id: string = randomUUID()): VnfcRef {
  return { id, vduId, serverId: randomUUID(), stackId: randomUUID(), addresses: { [cpName]: { ip, portId: randomUUID() } }, createdAt };
}
