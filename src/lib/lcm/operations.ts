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
 *
 * Images a VDU ships in the package are uploaded only by instantiate and entire heal (which
 * re-creates the stack), recorded per VDU at once and reused by everything else: a scale or a VNFC
 * heal sends the same image ids, so Heat never rebuilds the servers that stay.
 *
 * Each body can run again on the same occurrence (`vnflcm op retry`): finished cloud steps are
 * found done and skipped (the stack exists, the scale level is reached), the hooks run again with
 * the stored request and the drivers skip what is already in place. `rollback` undoes a failed
 * instantiate (stack, images, the VIM it registered) or the members a failed scale-out added.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import type { z } from 'zod';
import {
  healVnfRequestSchema,
  type HealVnfRequest,
  instantiateVnfRequestShape,
  type InstantiateVnfRequest,
  scaleVnfRequestSchema,
  type ScaleVnfRequest,
  terminateVnfRequestSchema,
  type TerminateVnfRequest,
} from '../params/schema.js';
import { REQUEST_SCHEMA_VERSION, type OpOccRecord, type VnfInstanceRecord } from '../store/index.js';
import type { StackRef } from './cloud-ops.js';
import { callHook, internalOf, refreshVnfInfo, stackName, terminable, type InternalState, type LcmEnv } from './common.js';
import { aspectVdus, buildStackSpec, levelScale, vduCount, type CpBinding, type ResolvedInputs } from './heat-template.js';
import { checkResumable, resumeOperation, runOperation, type RunningOp } from './operation.js';
import type { VnfcRef } from './hooks.js';

/** The instantiate request as the schema parsed it. */
export type InstantiateRequest = InstantiateVnfRequest;

const STACK_TIMEOUT_MINS = 30;

/**
 * Images, flavors and networks of the stack parameters. `upload`: instantiate and entire heal upload
 * the images the package ships (each recorded on the instance as soon as it exists); `reuse`: scale
 * and VNFC heal take the recorded ids and never upload.
 */
async function resolveInputs(env: LcmEnv, request: InstantiateRequest, scaleLevels: Record<string, number>, instanceId: string, mode: 'upload' | 'reuse'): Promise<ResolvedInputs> {
  const images: Record<string, string> = {};
  const flavors: Record<string, string | undefined> = {};
  const rec = await env.store.getInstance(instanceId);
  const known = rec ? recordedImages(env, internalOf(rec)) : {};
  for (const vdu of Object.values(env.flavour.vdus)) {
    const img = vdu.swImage;
    if (img?.file) {
      const have = known[vdu.id];
      if (have) {
        images[vdu.id] = have;
        if (mode === 'upload') env.progress.step('', `upload image ${img.name}`, 'skipped', `${have} already uploaded`);
      } else if (mode === 'reuse') {
        throw new CliError(`VNF instance ${instanceId} has no uploaded image recorded for VDU ${vdu.id}; heal the whole instance to upload it again`);
      } else {
        env.progress.step('', `upload image ${img.name}`, 'start');
        const id = await env.cloud.uploadImage(`${img.name}-${instanceId.slice(0, 8)}`, join(env.pkg.root, img.file), img);
        await env.store.updateInstance(instanceId, (r) => {
          const st = internalOf(r);
          return { ...r, internal: { ...st, images: [...st.images, id], imageByVdu: { ...st.imageByVdu, [vdu.id]: id } } };
        });
        images[vdu.id] = id;
        env.progress.step('', `upload image ${img.name}`, 'done', id);
      }
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

/**
 * The uploaded image of each VDU that ships one. Instances instantiated before images were recorded
 * per VDU have only the list, in the order the VDUs were uploaded: map it back by that order.
 */
function recordedImages(env: LcmEnv, st: InternalState): Record<string, string> {
  if (Object.keys(st.imageByVdu).length > 0) return st.imageByVdu;
  const shipping = Object.values(env.flavour.vdus).filter((v) => v.swImage?.file);
  if (st.images.length !== shipping.length) return {};
  return Object.fromEntries(shipping.map((v, i) => [v.id, st.images[i] as string]));
}

/** Create (or, on a retry after a failure, reuse) the stack and wait for it. `created` is false when it was there. */
async function createStack(env: LcmEnv, instanceId: string, request: InstantiateRequest, scaleLevels: Record<string, number>) {
  const name = stackName(instanceId);
  const existing = await env.cloud.findStack(name);
  if (existing && existing.status === 'CREATE_COMPLETE') {
    env.progress.step('', `create stack ${name}`, 'skipped', `exists, ${existing.status}`);
    await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), stack: { id: existing.id, name } } }));
    return { stack: { id: existing.id, name }, created: false };
  }
  if (existing) {
    env.progress.info(`stack ${name} is ${existing.status}; deleting it before creating it again`);
    await env.cloud.deleteStack(existing);
    await env.cloud.waitStack(existing, 'DELETE_COMPLETE', env.options.timeoutMs);
  }
  const inputs = await resolveInputs(env, request, scaleLevels, instanceId, 'upload');
  const spec = await buildStackSpec(env.pkg, env.flavour, inputs);
  env.progress.step('', `create stack ${name}`, 'start');
  const stack = await env.cloud.createStack(name, spec, STACK_TIMEOUT_MINS);
  await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), stack } }));
  await env.cloud.waitStack(stack, 'CREATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${name}: ${s}`));
  env.progress.step('', `create stack ${name}`, 'done', stack.id);
  return { stack, created: true };
}

export async function instantiate(env: LcmEnv, instanceId: string, request: InstantiateRequest) {
  return runOperation(env, instanceId, 'INSTANTIATE', request, 'NOT_INSTANTIATED', instantiateBody(env, instanceId, request));
}

function instantiateBody(env: LcmEnv, instanceId: string, request: InstantiateRequest) {
  return async (run: RunningOp, instance: VnfInstanceRecord) => {
    const scaleLevels = levelScale(env.flavour, request.instantiationLevelId);
    await env.store.updateInstance(instanceId, (r) => ({
      ...r,
      internal: { ...internalOf(r), request, requestSchemaVersion: REQUEST_SCHEMA_VERSION, scaleLevels, vimId: env.cloud.vimId } satisfies InternalState,
      vimConnectionInfo: vimConnectionInfo(request, env.cloud.vimId),
    }));
    await callHook(env, 'instantiate_start', instanceId, run.op.id, request);
    const { stack, created } = await createStack(env, instanceId, request, scaleLevels);
    run.changes.stack = stack;
    // A retry keeps the VNFC ids the first run gave (host keys are pinned per VNFC).
    const { vnfcs } = await refreshVnfInfo(env, instanceId, { fresh: created || internalOf(instance).identities.length === 0 });
    run.changes.affectedVnfcs = vnfcs.map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'ADDED', computeResource: { resourceId: v.serverId } }));
    await callHook(env, 'instantiate_end', instanceId, run.op.id, request);
    const { record } = await refreshVnfInfo(env, instanceId, { state: 'INSTANTIATED' });
    return record;
  };
}

function vimConnectionInfo(request: InstantiateRequest, vimId: string | null): VnfInstanceRecord['vimConnectionInfo'] {
  const given = request.vimConnectionInfo ?? [];
  if (given.length > 0) {
    return given.map((v) => ({ id: v.id, vimId: v.vimId ?? vimId, vimType: v.vimType, interfaceInfo: {}, accessInfo: {} }));
  }
  return [{ id: 'default', vimId, vimType: 'openstack', interfaceInfo: {}, accessInfo: {} }];
}

export type HealRequest = HealVnfRequest;

export async function heal(env: LcmEnv, instanceId: string, request: HealRequest) {
  const rec = await env.store.getInstance(instanceId);
  if (rec) checkHeal(instanceId, internalOf(rec), request);
  return runOperation(env, instanceId, 'HEAL', request, 'INSTANTIATED', healBody(env, instanceId, request));
}

function healBody(env: LcmEnv, instanceId: string, request: HealRequest) {
  const ids = request.vnfcInstanceId ?? [];
  return async (run: RunningOp, instance: VnfInstanceRecord) => {
    const st = internalOf(instance);
    if (!st.stack || !st.request) throw new CliError(`VNF instance ${instanceId} has no stack recorded; terminate and instantiate it again`);
    const entire = ids.length === 0;
    const targets = checkHeal(instanceId, st, request);
    const cloudDone = run.resumed && run.op.checkpoint?.healStack === 'done';
    if (!cloudDone) await callHook(env, 'heal_start', instanceId, run.op.id, request, { heal: { entire, vnfcIds: ids } });
    if (cloudDone) {
      env.progress.step('', `heal stack ${st.stack.name}`, 'skipped', 'done by the failed run');
    } else if (entire) {
      if (run.op.checkpoint?.oldStackDeleted) {
        env.progress.step('', `delete stack ${st.stack.name}`, 'skipped', 'deleted by the failed run');
      } else {
        const live = await env.cloud.findStack(st.stack.name);
        if (live && live.id === st.stack.id) {
          env.progress.step('', `delete stack ${st.stack.name}`, 'start');
          await env.cloud.deleteStack(st.stack);
          await env.cloud.waitStack(st.stack, 'DELETE_COMPLETE', env.options.timeoutMs);
          env.progress.step('', `delete stack ${st.stack.name}`, 'done');
        }
        for (const img of st.images) await env.cloud.deleteImage(img).catch(() => undefined);
        await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), images: [], imageByVdu: {} } }));
        await run.checkpoint({ oldStackDeleted: true });
      }
      const { stack } = await createStack(env, instanceId, st.request, st.scaleLevels);
      run.changes.stack = stack;
      await refreshVnfInfo(env, instanceId, { fresh: true });
      await run.checkpoint({ healStack: 'done' });
    } else {
      const before = new Map(targets.map((t) => [t.id, t]));
      for (const t of targets) {
        env.progress.step('', `mark ${t.vduId} ${t.id} unhealthy`, 'start');
        await env.cloud.markUnhealthy({ id: t.stackId, name: t.stackName ?? '' }, t.resourceName, request.cause || 'Healing');
      }
      await settleStack(env, st.stack);
      await env.cloud.updateStack(st.stack, {});
      await env.cloud.waitStack(st.stack, 'UPDATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${st.stack?.name}: ${s}`));
      const { vnfcs } = await refreshVnfInfo(env, instanceId);
      run.changes.affectedVnfcs = vnfcs
        .filter((v) => before.has(v.id))
        .map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'MODIFIED', computeResource: { resourceId: v.serverId } }));
      await run.checkpoint({ healStack: 'done' });
    }
    await callHook(env, 'heal_end', instanceId, run.op.id, request, { heal: { entire, vnfcIds: ids } });
    return (await refreshVnfInfo(env, instanceId)).record;
  };
}

export type ScaleRequest = ScaleVnfRequest;

/** The members SCALE_IN removes: the oldest of the aspect's VDUs (Heat's AutoScalingGroup order). */
export function membersToRemove(vnfcs: VnfcRef[], vduIds: string[], count: number): VnfcRef[] {
  return vnfcs
    .filter((v) => vduIds.includes(v.vduId))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : (a.memberName ?? '').localeCompare(b.memberName ?? '')))
    .slice(0, count);
}

/**
 * The checks Tacker makes before it accepts a scale (aspect, BaseHOT, levels within limits): a
 * request that fails them is refused without recording an occurrence.
 */
export function checkScale(env: Pick<LcmEnv, 'flavour'>, levels: Record<string, number>, request: Pick<ScaleRequest, 'aspectId' | 'numberOfSteps'> & { type: string }) {
  const aspect = env.flavour.scalingAspects[request.aspectId];
  if (!aspect) {
    throw new CliError(
      `Aspect ${request.aspectId} is not a scaling aspect of flavour ${env.flavour.id} (aspects: ${Object.keys(env.flavour.scalingAspects).join(', ') || 'none'})`,
    );
  }
  if (!env.flavour.baseHot) throw new CliError(`Flavour ${env.flavour.id} has no BaseHOT; scaling needs an OS::Heat::AutoScalingGroup`);
  const steps = request.numberOfSteps ?? 1;
  const cur = levels[aspect.id] ?? 0;
  const next = request.type === 'SCALE_OUT' ? cur + steps : cur - steps;
  if (next > aspect.maxScaleLevel) {
    throw new CliError(
      `Cannot scale out aspect ${aspect.id} by ${steps} step(s): scale level ${cur} + ${steps} exceeds max_scale_level ${aspect.maxScaleLevel}`,
    );
  }
  if (next < 0) {
    throw new CliError(`Cannot scale in aspect ${aspect.id} by ${steps} step(s): the scale level is ${cur}`);
  }
  return { aspect, steps, cur, next };
}

/** Tacker's check of a heal request's VNFC ids, before anything is recorded. */
export function checkHeal(instanceId: string, st: InternalState, request: HealRequest) {
  return (request.vnfcInstanceId ?? []).map((id) => {
    const ident = st.identities.find((i) => i.id === id);
    if (!ident) {
      throw new CliError(
        `Heal Vnf failed for vnf ${instanceId}, vnfcInstanceId ${id} is not a vnfcResourceInfo id of this instance ` +
          `(known: ${st.identities.map((i) => i.id).join(', ') || 'none'})`,
      );
    }
    return ident;
  });
}

export async function scale(env: LcmEnv, instanceId: string, request: ScaleRequest) {
  const rec = await env.store.getInstance(instanceId);
  if (rec) checkScale(env, internalOf(rec).scaleLevels, request);
  return runOperation(env, instanceId, 'SCALE', request, 'INSTANTIATED', scaleBody(env, instanceId, request));
}

/** What a scale records before it changes the stack, so that a retry or a rollback knows where it was. */
interface ScaleCheckpoint {
  fromLevels: Record<string, number>;
  levels: Record<string, number>;
  /** vnfcResourceInfo ids before the scale. */
  before: string[];
}

function scaleBody(env: LcmEnv, instanceId: string, request: ScaleRequest) {
  return async (run: RunningOp, instance: VnfInstanceRecord) => {
    const st = internalOf(instance);
    if (!st.stack || !st.request) throw new CliError(`VNF instance ${instanceId} has no stack recorded`);
    const saved = run.op.checkpoint?.scale as ScaleCheckpoint | undefined;
    const fromLevels = saved?.fromLevels ?? st.scaleLevels;
    const { aspect, steps, cur, next } = checkScale(env, fromLevels, request);
    const levels = saved?.levels ?? { ...fromLevels, [aspect.id]: next };
    const vdus = aspectVdus(env.flavour, aspect.id);
    const current = await currentVnfcsOf(env, instanceId);
    const beforeIds = new Set(saved?.before ?? current.map((v) => v.id));
    if (!saved) await run.checkpoint({ scale: { fromLevels, levels, before: [...beforeIds] } satisfies ScaleCheckpoint });
    const stackDone = sameLevels(st.scaleLevels, levels) && !sameLevels(fromLevels, levels);
    if (stackDone) {
      env.progress.step('', `update stack ${st.stack.name} (${aspect.id} level ${cur} → ${next})`, 'skipped', 'done by the failed run');
    } else {
      if (request.type === 'SCALE_IN') {
        const drop = vdus.reduce((n, v) => n + (vduCount(env.flavour, v, fromLevels) - vduCount(env.flavour, v, levels)), 0);
        const removed = membersToRemove(current, vdus, drop);
        await callHook(env, 'scale_start', instanceId, run.op.id, request, {
          scale: { type: request.type, aspectId: aspect.id, steps, removed, added: [] },
        });
      } else {
        await callHook(env, 'scale_start', instanceId, run.op.id, request, {
          scale: { type: request.type, aspectId: aspect.id, steps, removed: [], added: [] },
        });
      }
      await updateScale(env, st.stack, st.request, instanceId, levels, `${aspect.id} level ${cur} → ${next}`);
    }
    const { vnfcs } = await refreshVnfInfo(env, instanceId, { scaleLevels: levels });
    const afterIds = new Set(vnfcs.map((v) => v.id));
    const added = vnfcs.filter((v) => !beforeIds.has(v.id));
    const gone = [...beforeIds].filter((id) => !afterIds.has(id));
    run.changes.affectedVnfcs = [
      ...added.map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'ADDED', computeResource: { resourceId: v.serverId } })),
      ...gone.map((id) => ({ id, changeType: 'REMOVED' })),
    ];
    const goneRefs = current.filter((v) => !afterIds.has(v.id));
    await callHook(env, 'scale_end', instanceId, run.op.id, request, {
      scale: { type: request.type, aspectId: aspect.id, steps, removed: goneRefs, added },
    });
    return (await refreshVnfInfo(env, instanceId)).record;
  };
}

function sameLevels(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/**
 * A retry after a kill can find the killed run's stack update still running; updating it again
 * now makes Heat cancel that one and fail ("Stack UPDATE cancelled"). Wait for it to end first,
 * whatever its outcome (the update that follows starts from either).
 */
async function settleStack(env: LcmEnv, stack: StackRef): Promise<void> {
  const live = await env.cloud.findStack(stack.name);
  if (!live?.status.endsWith('_IN_PROGRESS')) return;
  env.progress.info(`stack ${stack.name} is ${live.status} (left by an interrupted run): waiting for it to end`);
  await env.cloud.waitStack(stack, live.status.replace('_IN_PROGRESS', '_COMPLETE'), env.options.timeoutMs).catch(() => undefined);
}

/** PATCH the stack's parameters for new scale levels (recorded images: nothing is uploaded, no server image changes). */
async function updateScale(env: LcmEnv, stack: StackRef, request: InstantiateRequest, instanceId: string, levels: Record<string, number>, what: string) {
  const inputs = await resolveInputs(env, request, levels, instanceId, 'reuse');
  const spec = await buildStackSpec(env.pkg, env.flavour, inputs);
  env.progress.step('', `update stack ${stack.name} (${what})`, 'start');
  await settleStack(env, stack);
  await env.cloud.updateStack(stack, { parameters: spec.parameters });
  await env.cloud.waitStack(stack, 'UPDATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${stack.name}: ${s}`));
  env.progress.step('', `update stack ${stack.name} (${what})`, 'done');
}

async function currentVnfcsOf(env: LcmEnv, instanceId: string): Promise<VnfcRef[]> {
  return (await refreshVnfInfo(env, instanceId)).vnfcs;
}

export type TerminateRequest = TerminateVnfRequest;

export async function terminate(env: LcmEnv, instanceId: string, request: TerminateRequest) {
  return runOperation(env, instanceId, 'TERMINATE', request, terminable, terminateBody(env, instanceId, request));
}

function terminateBody(env: LcmEnv, instanceId: string, request: TerminateRequest) {
  return async (run: RunningOp, instance: VnfInstanceRecord) => {
    const st = internalOf(instance);
    await callHook(env, 'terminate_start', instanceId, run.op.id, request);
    if (st.stack) {
      await removeStack(env, st.stack);
      run.changes.stack = { ...st.stack, changeType: 'REMOVED' };
    }
    for (const img of st.images) await env.cloud.deleteImage(img);
    run.changes.images = st.images;
    await callHook(env, 'terminate_end', instanceId, run.op.id, request);
    return notInstantiated(env, instanceId);
  };
}

async function removeStack(env: LcmEnv, stack: StackRef): Promise<void> {
  env.progress.step('', `delete stack ${stack.name}`, 'start');
  await env.cloud.deleteStack(stack);
  await env.cloud.waitStack(stack, 'DELETE_COMPLETE', env.options.timeoutMs);
  env.progress.step('', `delete stack ${stack.name}`, 'done');
}

function notInstantiated(env: LcmEnv, instanceId: string): Promise<VnfInstanceRecord> {
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

// ---- retry and rollback of a FAILED_TEMP occurrence ------------------------------------------------

/** `vnflcm op retry`: run the occurrence's operation again with its stored request, skipping what is done. */
export async function retryOperation(env: LcmEnv, op: OpOccRecord) {
  const id = op.vnfInstanceId;
  switch (op.operation) {
    case 'INSTANTIATE':
      return resumeOperation(env, op.id, 'retry', instantiateBody(env, id, storedParams(op, instantiateVnfRequestShape)));
    case 'HEAL':
      return resumeOperation(env, op.id, 'retry', healBody(env, id, storedParams(op, healVnfRequestSchema)));
    case 'SCALE':
      return resumeOperation(env, op.id, 'retry', scaleBody(env, id, storedParams(op, scaleVnfRequestSchema)));
    case 'TERMINATE':
      return resumeOperation(env, op.id, 'retry', terminateBody(env, id, storedParams(op, terminateVnfRequestSchema)));
    default:
      throw new CliError(`Operation type ${op.operation} is inavalid`);
  }
}

/** An occurrence's stored request, parsed by the schema of its operation (the store keeps JSON). */
function storedParams<S extends z.ZodType>(op: OpOccRecord, schema: S): z.output<S> {
  const r = schema.safeParse(op.operationParams);
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
    throw new CliError(`Operation ${op.id} has a stored ${op.operation} request this vnflcm cannot read (${what}); 'vnflcm op fail ${op.id}' gives it up.`);
  }
  return r.data;
}

/**
 * `vnflcm op rollback`: a failed instantiate loses its stack, the images it uploaded and the VIM it
 * registered, and the instance is NOT_INSTANTIATED again; a failed scale-out loses the members it
 * added (scale-in hooks first: drain and delete the nodes, then the hosts clean-up).
 */
export async function rollbackOperation(env: LcmEnv, op: OpOccRecord) {
  checkResumable(op, 'rollback');
  if (op.operation === 'SCALE') return rollbackScaleOut(env, op);
  const instanceId = op.vnfInstanceId;
  return resumeOperation(env, op.id, 'rollback', async (run, instance) => {
    const st = internalOf(instance);
    const name = stackName(instanceId);
    const stack = st.stack ?? (await env.cloud.findStack(name));
    if (stack) {
      await removeStack(env, stack);
      run.changes.stack = { id: stack.id, name: stack.name, changeType: 'REMOVED' };
    } else {
      env.progress.step('', `delete stack ${name}`, 'skipped', 'no stack');
    }
    for (const img of st.images) {
      env.progress.step('', `delete image ${img}`, 'start');
      await env.cloud.deleteImage(img);
      env.progress.step('', `delete image ${img}`, 'done');
    }
    run.changes.images = st.images;
    for (const vim of await env.store.listVims()) {
      if (vim.type === 'kubernetes' && vim.kubernetes?.vnfInstanceId === instanceId) {
        env.progress.step('', `delete VIM ${vim.name}`, 'start');
        await env.store.deleteVim(vim.name);
        await rm(vim.kubernetes.kubeconfigFile, { force: true });
        env.progress.step('', `delete VIM ${vim.name}`, 'done');
      }
    }
    return notInstantiated(env, instanceId);
  });
}

/**
 * Remove the members a failed scale-out added and return to the levels before it. Heat's
 * AutoScalingGroup removes failed members first, so the added members are marked unhealthy before
 * the desired capacity goes back down (otherwise it would remove the oldest ones).
 */
function rollbackScaleOut(env: LcmEnv, op: OpOccRecord) {
  const instanceId = op.vnfInstanceId;
  const request = storedParams(op, scaleVnfRequestSchema);
  return resumeOperation(env, op.id, 'rollback', async (run, instance) => {
    const st = internalOf(instance);
    const saved = run.op.checkpoint?.scale as ScaleCheckpoint | undefined;
    if (!st.stack || !st.request || !saved) {
      throw new CliError(`Operation ${op.id} recorded no scale level to return to (it failed before changing the stack); 'vnflcm op fail ${op.id}' gives it up.`);
    }
    const stack = st.stack;
    // A stack update the failed run left going must end before the stack can be changed again.
    const live = await env.cloud.findStack(stack.name);
    if (live?.status.endsWith('_IN_PROGRESS')) {
      env.progress.info(`stack ${stack.name} is ${live.status}; waiting for it`);
      await env.cloud.waitStack(stack, 'UPDATE_COMPLETE', env.options.timeoutMs).catch(() => undefined);
    }
    const before = new Set(saved.before);
    const vdus = aspectVdus(env.flavour, request.aspectId);
    const current = await currentVnfcsOf(env, instanceId);
    const added = current.filter((v) => !before.has(v.id) && vdus.includes(v.vduId));
    const scaleIn = { type: 'SCALE_IN' as const, aspectId: request.aspectId, steps: request.numberOfSteps ?? 1 };
    await callHook(env, 'scale_start', instanceId, run.op.id, { ...request, type: 'SCALE_IN' }, { scale: { ...scaleIn, removed: added, added: [] } });
    const inventory = await env.cloud.inventory(stack);
    for (const v of added) {
      const m = inventory.resources.find((r) => r.physicalId === v.stackId && r.stackId !== v.stackId);
      if (!m) continue;
      env.progress.step('', `mark ${v.vduId} ${v.id} for removal`, 'start');
      await env.cloud.markUnhealthy({ id: m.stackId, name: m.stackName }, m.name, `rollback of operation ${op.id}`);
      env.progress.step('', `mark ${v.vduId} ${v.id} for removal`, 'done');
    }
    if (!sameLevels(st.scaleLevels, saved.fromLevels) || added.length > 0) {
      await updateScale(env, stack, st.request, instanceId, saved.fromLevels, `${request.aspectId} back to level ${saved.fromLevels[request.aspectId] ?? 0}`);
    }
    const { vnfcs } = await refreshVnfInfo(env, instanceId, { scaleLevels: saved.fromLevels });
    const left = vnfcs.filter((v) => added.some((a) => a.id === v.id));
    if (left.length > 0) throw new CliError(`Heat kept members the scale-out added: ${left.map((v) => v.id).join(', ')}`);
    run.changes.affectedVnfcs = added.map((v) => ({ id: v.id, vduId: v.vduId, changeType: 'REMOVED', computeResource: { resourceId: v.serverId } }));
    await callHook(env, 'scale_end', instanceId, run.op.id, { ...request, type: 'SCALE_IN' }, { scale: { ...scaleIn, removed: added, added: [] } });
    return (await refreshVnfInfo(env, instanceId)).record;
  });
}
