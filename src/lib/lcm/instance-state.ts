/**
 * What vnflcm keeps about an instance beyond the API view (`record.internal`: its stack, stored
 * request, VNFC identities, scale levels, uploaded images, cloud) and the reads and writes of it
 * the operations share: instantiatedVnfInfo rebuilt from the cloud, the current VNFCs, the stack's
 * own ports, the NOT_INSTANTIATED reset.
 */
import type { VnfcRef } from '../mgmt/contract.js';
import type { InstantiateVnfRequest } from '../params/schema.js';
import type { VnfInstanceRecord } from '../store/index.js';
import type { StackRef } from './cloud-ops.js';
import type { LcmEnv } from './lcm-env.js';
import { buildVnfInfo, type VnfcIdentity } from './vnf-info.js';

/** What vnflcm keeps about an instance beyond the API view (`record.internal`). */
export interface InternalState {
  stack?: StackRef;
  /** The instantiate request as the schema parsed it (secrets included: the store is owner-only). */
  request?: InstantiateVnfRequest;
  /** REQUEST_SCHEMA_VERSION when `request` was stored. */
  requestSchemaVersion?: number;
  identities: VnfcIdentity[];
  ids: { extCp: Record<string, string>; vl: Record<string, string> };
  scaleLevels: Record<string, number>;
  /** Glance images this instance uploaded (deleted on terminate and entire heal). */
  images: string[];
  /** The uploaded image of each VDU that ships one (reused by scale and VNFC heal, never uploaded again). */
  imageByVdu: Record<string, string>;
  vimId: string | null;
  /** Cloud selection used at instantiate (vimId or the default cloud), reused by later operations. */
  cloud?: { vimName?: string; osCloud?: string };
}

export function internalOf(rec: VnfInstanceRecord): InternalState {
  const i = (rec.internal ?? {}) as Partial<InternalState>;
  return {
    stack: i.stack,
    request: i.request,
    requestSchemaVersion: i.requestSchemaVersion,
    identities: i.identities ?? [],
    ids: i.ids ?? { extCp: {}, vl: {} },
    scaleLevels: i.scaleLevels ?? {},
    images: i.images ?? [],
    imageByVdu: i.imageByVdu ?? {},
    vimId: i.vimId ?? null,
    cloud: i.cloud,
  };
}

/** Read the stack, rebuild instantiatedVnfInfo (keeping VNFC ids where resources survive) and store it. */
export async function refreshVnfInfo(
  env: LcmEnv,
  instanceId: string,
  opts: { state?: VnfInstanceRecord['instantiationState']; fresh?: boolean; scaleLevels?: Record<string, number> } = {},
): Promise<{ record: VnfInstanceRecord; vnfcs: VnfcRef[] }> {
  let vnfcs: VnfcRef[] = [];
  const record = await env.store.updateInstance(instanceId, async (rec) => {
    const st = internalOf(rec);
    if (!st.stack || !st.request) throw new Error(`instance ${instanceId} has no stack recorded`);
    const scaleLevels = opts.scaleLevels ?? st.scaleLevels;
    const built = await readVnfInfo(env, st, { scaleLevels, fresh: opts.fresh });
    vnfcs = built.vnfcs;
    const next: VnfInstanceRecord = {
      ...rec,
      instantiatedVnfInfo: built.info,
      internal: { ...st, identities: built.identities, ids: built.ids, scaleLevels },
    };
    if (opts.state) next.instantiationState = opts.state;
    return next;
  });
  return { record, vnfcs };
}

export async function currentVnfcs(env: LcmEnv, instanceId: string): Promise<VnfcRef[]> {
  const rec = await env.store.getInstance(instanceId);
  if (!rec) return [];
  const st = internalOf(rec);
  if (!st.stack || !st.request) return [];
  return (await readVnfInfo(env, st, { scaleLevels: st.scaleLevels })).vnfcs;
}

/** The stack as Heat and Neutron report it now, as instantiatedVnfInfo (VNFC ids kept unless `fresh`). */
async function readVnfInfo(env: LcmEnv, st: InternalState, opts: { scaleLevels: Record<string, number>; fresh?: boolean }) {
  if (!st.stack) throw new Error('no stack recorded');
  return buildVnfInfo({
    flavour: env.flavour,
    request: st.request as Parameters<typeof buildVnfInfo>[0]['request'],
    inventory: await env.cloud.inventory(st.stack),
    vimId: st.vimId,
    scaleLevels: opts.scaleLevels,
    previous: opts.fresh ? [] : st.identities,
    previousIds: opts.fresh ? undefined : st.ids,
  });
}

export function stackName(instanceId: string): string {
  return `vnf-${instanceId}`;
}

/** Top-level stack ports (not inside a group member), by resource name. */
export async function stackPorts(env: LcmEnv, instanceId: string): Promise<Record<string, { ip: string; portId: string }>> {
  const rec = await env.store.getInstance(instanceId);
  const st = rec ? internalOf(rec) : undefined;
  if (!st?.stack) return {};
  const inventory = await env.cloud.inventory(st.stack);
  const out: Record<string, { ip: string; portId: string }> = {};
  for (const r of inventory.resources) {
    if (r.stackId !== inventory.stackId || r.type !== 'OS::Neutron::Port') continue;
    const port = inventory.ports[r.physicalId];
    const ip = port?.fixedIps.find((f) => !f.ipAddress.includes(':'))?.ipAddress ?? port?.fixedIps[0]?.ipAddress;
    if (ip) out[r.name] = { ip, portId: r.physicalId };
  }
  return out;
}

/**
 * An instance a terminate may act on: INSTANTIATED, or NOT_INSTANTIATED with the stack a failed
 * instantiate left behind (terminate then cleans it up instead of leaking it).
 */
export function terminable(rec: VnfInstanceRecord): boolean {
  return rec.instantiationState === 'INSTANTIATED' || Boolean(internalOf(rec).stack);
}

/** The instance back to NOT_INSTANTIATED (terminate, rollback of an instantiate): no stack, images, VNFCs or request. */
export function notInstantiated(env: LcmEnv, instanceId: string): Promise<VnfInstanceRecord> {
  return env.store.updateInstance(instanceId, (r) => {
    const { instantiatedVnfInfo: _drop, ...rest } = r;
    return {
      ...rest,
      instantiationState: 'NOT_INSTANTIATED',
      vimConnectionInfo: [],
      internal: { ...internalOf(r), stack: undefined, images: [], imageByVdu: {}, identities: [], request: undefined },
    };
  });
}
