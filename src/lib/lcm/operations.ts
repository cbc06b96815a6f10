/**
 * The LCM operations, as sequences of cloud steps and hook calls (tacker-behavior.md §0, §3.9–3.10):
 *
 *   instantiate: instantiate_start → images/flavors/networks resolved → stack `vnf-<id>` created
 *                → instantiatedVnfInfo from Heat → instantiate_end → INSTANTIATED
 *   heal VNFC:   heal_start → servers marked unhealthy → stack PATCH (ports and IPs survive) → heal_end
 *   heal entire: heal_start → stack (and uploaded images) deleted → stack re-created from the stored
 *                request at the current scale levels → new ids → heal_end
 *   scale:       scale_start (SCALE_IN knows the members to go) → desired_capacity PATCH → scale_end
 *   terminate:   terminate_start → stack and uploaded images deleted → terminate_end → NOT_INSTANTIATED
 */
import { join } from 'node:path';
import { CliError } from '../errors.js';
import type { VnfInstanceRecord } from '../store/index.js';
import { callHook, internalOf, refreshVnfInfo, stackName, terminable, type InternalState, type LcmEnv } from './common.js';
import { aspectVdus, buildStackSpec, levelScale, vduCount, type CpBinding, type ResolvedInputs } from './heat-template.js';
import { runOperation } from './operation.js';
import type { VnfcRef } from './hooks.js';

export interface InstantiateRequest {
  flavourId: string;
  instantiationLevelId?: string;
  extVirtualLinks?: Array<{
    id: string;
    resourceId: string;
    extCps: Array<{ cpdId: string; cpConfig?: Array<{ cpProtocolData?: Array<Record<string, unknown>> }> }>;
  }>;
  vimConnectionInfo?: Array<{ id: string; vimId?: string; vimType: string }>;
  additionalParams?: Record<string, unknown>;
  [k: string]: unknown;
}

const STACK_TIMEOUT_MINS = 30;

async function resolveInputs(env: LcmEnv, request: InstantiateRequest, scaleLevels: Record<string, number>, instanceId: string, uploaded: string[]): Promise<ResolvedInputs> {
  const images: Record<string, string> = {};
  const flavors: Record<string, string | undefined> = {};
  for (const vdu of Object.values(env.flavour.vdus)) {
    const img = vdu.swImage;
    if (img?.file) {
      env.progress.step('', `upload image ${img.name}`, 'start');
      const id = await env.cloud.uploadImage(`${img.name}-${instanceId.slice(0, 8)}`, join(env.pkg.root, img.file), img);
      uploaded.push(id);
      images[vdu.id] = id;
      env.progress.step('', `upload image ${img.name}`, 'done', id);
    } else if (img) {
      images[vdu.id] = await env.cloud.resolveImage(img.name);
    }
    flavors[vdu.id] = vdu.compute.flavorName ? await env.cloud.resolveFlavor(vdu.compute.flavorName) : undefined;
  }
  const cps: Record<string, CpBinding> = {};
  for (const vl of request.extVirtualLinks ?? []) {
    const network = await env.cloud.resolveNetwork(vl.resourceId);
    for (const cp of vl.extCps) {
      const fixedIps: CpBinding['fixedIps'] = [];
      let macAddress: string | undefined;
      for (const conf of cp.cpConfig ?? []) {
        for (const pd of conf.cpProtocolData ?? []) {
          const ioe = pd.ipOverEthernet as { macAddress?: string; ipAddresses?: Array<{ fixedAddresses?: string[]; subnetId?: string }> } | undefined;
          if (ioe?.macAddress) macAddress = ioe.macAddress;
          for (const a of ioe?.ipAddresses ?? []) {
            if (a.fixedAddresses?.length) for (const ip of a.fixedAddresses) fixedIps.push({ ip_address: ip, ...(a.subnetId ? { subnet: a.subnetId } : {}) });
            else if (a.subnetId) fixedIps.push({ subnet: a.subnetId });
          }
        }
      }
      cps[cp.cpdId] = { network, fixedIps, ...(macAddress ? { macAddress } : {}) };
    }
  }
  return { images, flavors, cps, scaleLevels };
}

/** Create (or, on a retry after a failure, reuse) the stack and wait for it. */
async function createStack(env: LcmEnv, instanceId: string, request: InstantiateRequest, scaleLevels: Record<string, number>, uploaded: string[]) {
  const name = stackName(instanceId);
  const existing = await env.cloud.findStack(name);
  if (existing && existing.status === 'CREATE_COMPLETE') {
    env.progress.info(`stack ${name} exists (${existing.status}); reusing it`);
    return { id: existing.id, name };
  }
  if (existing) {
    env.progress.info(`stack ${name} is ${existing.status}; deleting it before creating it again`);
    await env.cloud.deleteStack(existing);
    await env.cloud.waitStack(existing, 'DELETE_COMPLETE', env.options.timeoutMs);
  }
  const inputs = await resolveInputs(env, request, scaleLevels, instanceId, uploaded);
  const spec = await buildStackSpec(env.pkg, env.flavour, inputs);
  env.progress.step('', `create stack ${name}`, 'start');
  const stack = await env.cloud.createStack(name, spec, STACK_TIMEOUT_MINS);
  await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), stack, images: [...internalOf(r).images, ...uploaded] } }));
  await env.cloud.waitStack(stack, 'CREATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${name}: ${s}`));
  env.progress.step('', `create stack ${name}`, 'done', stack.id);
  return stack;
}

export async function instantiate(env: LcmEnv, instanceId: string, request: InstantiateRequest) {
  return runOperation(env.store, instanceId, 'INSTANTIATE', request, 'NOT_INSTANTIATED', async (run) => {
    const scaleLevels = levelScale(env.flavour, request.instantiationLevelId);
    await env.store.updateInstance(instanceId, (r) => ({
      ...r,
      internal: { ...internalOf(r), request: request as Record<string, unknown>, scaleLevels, vimId: env.cloud.vimId } satisfies InternalState,
      vimConnectionInfo: vimConnectionInfo(request, env.cloud.vimId),
    }));
    await callHook(env, 'instantiate_start', instanceId, run.op.id, request);
    const uploaded: string[] = [];
    const stack = await createStack(env, instanceId, request, scaleLevels, uploaded);
    run.changes.stack = stack;
    const { vnfcs } = await refreshVnfInfo(env, instanceId, { fresh: true });
    run.changes.affectedVnfcs = vnfcs.map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'ADDED', computeResource: { resourceId: v.serverId } }));
    await callHook(env, 'instantiate_end', instanceId, run.op.id, request);
    const { record } = await refreshVnfInfo(env, instanceId, { state: 'INSTANTIATED' });
    return record;
  });
}

function vimConnectionInfo(request: InstantiateRequest, vimId: string | null): VnfInstanceRecord['vimConnectionInfo'] {
  const given = request.vimConnectionInfo ?? [];
  if (given.length > 0) {
    return given.map((v) => ({ id: v.id, vimId: v.vimId ?? vimId, vimType: v.vimType, interfaceInfo: {}, accessInfo: {} }));
  }
  return [{ id: 'default', vimId, vimType: 'openstack', interfaceInfo: {}, accessInfo: {} }];
}

export interface HealRequest {
  vnfcInstanceId?: string[];
  cause?: string;
  additionalParams?: Record<string, unknown>;
  [k: string]: unknown;
}

export async function heal(env: LcmEnv, instanceId: string, request: HealRequest) {
  const ids = request.vnfcInstanceId ?? [];
  return runOperation(env.store, instanceId, 'HEAL', request, 'INSTANTIATED', async (run, instance) => {
    const st = internalOf(instance);
    if (!st.stack || !st.request) throw new CliError(`VNF instance ${instanceId} has no stack recorded; terminate and instantiate it again`);
    const entire = ids.length === 0;
    const targets = ids.map((id) => {
      const ident = st.identities.find((i) => i.id === id);
      if (!ident) {
        throw new CliError(
          `Heal Vnf failed for vnf ${instanceId}, vnfcInstanceId ${id} is not a vnfcResourceInfo id of this instance ` +
            `(known: ${st.identities.map((i) => i.id).join(', ') || 'none'})`,
        );
      }
      return ident;
    });
    await callHook(env, 'heal_start', instanceId, run.op.id, request, { heal: { entire, vnfcIds: ids } });
    if (entire) {
      await env.cloud.deleteStack(st.stack);
      env.progress.step('', `delete stack ${st.stack.name}`, 'start');
      await env.cloud.waitStack(st.stack, 'DELETE_COMPLETE', env.options.timeoutMs);
      env.progress.step('', `delete stack ${st.stack.name}`, 'done');
      for (const img of st.images) await env.cloud.deleteImage(img);
      await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), stack: undefined, images: [] } }));
      const uploaded: string[] = [];
      const stack = await createStack(env, instanceId, st.request as InstantiateRequest, st.scaleLevels, uploaded);
      run.changes.stack = stack;
      await refreshVnfInfo(env, instanceId, { fresh: true });
    } else {
      const before = new Map(targets.map((t) => [t.id, t]));
      for (const t of targets) {
        env.progress.step('', `mark ${t.vduId} ${t.id} unhealthy`, 'start');
        await env.cloud.markUnhealthy({ id: t.stackId, name: t.stackName ?? '' }, t.resourceName, request.cause || 'Healing');
      }
      await env.cloud.updateStack(st.stack, {});
      await env.cloud.waitStack(st.stack, 'UPDATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${st.stack?.name}: ${s}`));
      const { vnfcs } = await refreshVnfInfo(env, instanceId);
      run.changes.affectedVnfcs = vnfcs
        .filter((v) => before.has(v.id))
        .map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'MODIFIED', computeResource: { resourceId: v.serverId } }));
    }
    await callHook(env, 'heal_end', instanceId, run.op.id, request, { heal: { entire, vnfcIds: ids } });
    return (await refreshVnfInfo(env, instanceId)).record;
  });
}

export interface ScaleRequest {
  type: 'SCALE_OUT' | 'SCALE_IN';
  aspectId: string;
  numberOfSteps?: number;
  additionalParams?: Record<string, unknown>;
  [k: string]: unknown;
}

/** The members SCALE_IN removes: the oldest of the aspect's VDUs (Heat's AutoScalingGroup order). */
export function membersToRemove(vnfcs: VnfcRef[], vduIds: string[], count: number): VnfcRef[] {
  return vnfcs
    .filter((v) => vduIds.includes(v.vduId))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : (a.memberName ?? '').localeCompare(b.memberName ?? '')))
    .slice(0, count);
}

export async function scale(env: LcmEnv, instanceId: string, request: ScaleRequest) {
  return runOperation(env.store, instanceId, 'SCALE', request, 'INSTANTIATED', async (run, instance) => {
    const st = internalOf(instance);
    if (!st.stack || !st.request) throw new CliError(`VNF instance ${instanceId} has no stack recorded`);
    const aspect = env.flavour.scalingAspects[request.aspectId];
    if (!aspect) {
      throw new CliError(
        `Aspect ${request.aspectId} is not a scaling aspect of flavour ${env.flavour.id} (aspects: ${Object.keys(env.flavour.scalingAspects).join(', ') || 'none'})`,
      );
    }
    if (!env.flavour.baseHot) throw new CliError(`Flavour ${env.flavour.id} has no BaseHOT; scaling needs an OS::Heat::AutoScalingGroup`);
    const steps = request.numberOfSteps ?? 1;
    const cur = st.scaleLevels[aspect.id] ?? 0;
    const next = request.type === 'SCALE_OUT' ? cur + steps : cur - steps;
    if (next > aspect.maxScaleLevel) {
      throw new CliError(
        `Cannot scale out aspect ${aspect.id} by ${steps} step(s): scale level ${cur} + ${steps} exceeds max_scale_level ${aspect.maxScaleLevel}`,
      );
    }
    if (next < 0) {
      throw new CliError(`Cannot scale in aspect ${aspect.id} by ${steps} step(s): the scale level is ${cur}`);
    }
    const levels = { ...st.scaleLevels, [aspect.id]: next };
    const vdus = aspectVdus(env.flavour, aspect.id);
    const before = await currentVnfcsOf(env, instanceId);
    let removed: VnfcRef[] = [];
    if (request.type === 'SCALE_IN') {
      const drop = vdus.reduce((n, v) => n + (vduCount(env.flavour, v, st.scaleLevels) - vduCount(env.flavour, v, levels)), 0);
      removed = membersToRemove(before, vdus, drop);
      await callHook(env, 'scale_start', instanceId, run.op.id, request, {
        scale: { type: request.type, aspectId: aspect.id, steps, removed, added: [] },
      });
    } else {
      await callHook(env, 'scale_start', instanceId, run.op.id, request, {
        scale: { type: request.type, aspectId: aspect.id, steps, removed: [], added: [] },
      });
    }
    const inputs = await resolveInputs(env, st.request as InstantiateRequest, levels, instanceId, []);
    const spec = await buildStackSpec(env.pkg, env.flavour, inputs);
    env.progress.step('', `update stack ${st.stack.name} (${aspect.id} level ${cur} → ${next})`, 'start');
    await env.cloud.updateStack(st.stack, { parameters: spec.parameters });
    await env.cloud.waitStack(st.stack, 'UPDATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${st.stack?.name}: ${s}`));
    env.progress.step('', `update stack ${st.stack.name}`, 'done');
    const { vnfcs } = await refreshVnfInfo(env, instanceId, { scaleLevels: levels });
    const beforeIds = new Set(before.map((v) => v.id));
    const afterIds = new Set(vnfcs.map((v) => v.id));
    const added = vnfcs.filter((v) => !beforeIds.has(v.id));
    const gone = before.filter((v) => !afterIds.has(v.id));
    run.changes.affectedVnfcs = [
      ...added.map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'ADDED', computeResource: { resourceId: v.serverId } })),
      ...gone.map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'REMOVED', computeResource: { resourceId: v.serverId } })),
    ];
    await callHook(env, 'scale_end', instanceId, run.op.id, request, {
      scale: { type: request.type, aspectId: aspect.id, steps, removed: gone, added },
    });
    return (await refreshVnfInfo(env, instanceId)).record;
  });
}

async function currentVnfcsOf(env: LcmEnv, instanceId: string): Promise<VnfcRef[]> {
  return (await refreshVnfInfo(env, instanceId)).vnfcs;
}

export interface TerminateRequest {
  terminationType: 'GRACEFUL' | 'FORCEFUL';
  gracefulTerminationTimeout?: number;
  [k: string]: unknown;
}

export async function terminate(env: LcmEnv, instanceId: string, request: TerminateRequest) {
  return runOperation(env.store, instanceId, 'TERMINATE', request, terminable, async (run, instance) => {
    const st = internalOf(instance);
    await callHook(env, 'terminate_start', instanceId, run.op.id, request);
    if (st.stack) {
      env.progress.step('', `delete stack ${st.stack.name}`, 'start');
      await env.cloud.deleteStack(st.stack);
      await env.cloud.waitStack(st.stack, 'DELETE_COMPLETE', env.options.timeoutMs);
      env.progress.step('', `delete stack ${st.stack.name}`, 'done');
      run.changes.stack = { ...st.stack, changeType: 'REMOVED' };
    }
    for (const img of st.images) await env.cloud.deleteImage(img);
    run.changes.images = st.images;
    await callHook(env, 'terminate_end', instanceId, run.op.id, request);
    return env.store.updateInstance(instanceId, (r) => {
      const { instantiatedVnfInfo: _drop, ...rest } = r;
      return {
        ...rest,
        instantiationState: 'NOT_INSTANTIATED',
        vimConnectionInfo: [],
        internal: { ...internalOf(r), stack: undefined, images: [], identities: [], request: undefined },
      };
    });
  });
}
