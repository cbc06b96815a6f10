/**
 * `scale`: scale_start (SCALE_IN knows the members to go) →
 * desired_capacity PATCH of the stack (stack.ts `updateScale`) → scale_end; the checks Tacker makes
 * before it accepts one; and the rollback of a failed scale-out (the members it added removed).
 * The levels before and after are checkpointed first, so a retry or a rollback knows where it was.
 */
import { CliError } from '../errors.js';
import type { VnfcRef } from '../mgmt/contract.js';
import type { ScaleVnfRequest } from '../params/schema.js';
import type { OpOccRecord, VnfInstanceRecord } from '../store/index.js';
import { aspectVdus, vduCount } from './heat-template.js';
import { callHook } from './hooks.js';
import { internalOf, refreshVnfInfo } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';
import { resumeOperation, runOperation, type RunningOp } from './op-occurrence.js';
import { updateScale } from './stack.js';

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

export function scaleBody(env: LcmEnv, instanceId: string, request: ScaleRequest) {
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

async function currentVnfcsOf(env: LcmEnv, instanceId: string): Promise<VnfcRef[]> {
  return (await refreshVnfInfo(env, instanceId)).vnfcs;
}

/**
 * Remove the members a failed scale-out added and return to the levels before it. Heat's
 * AutoScalingGroup removes failed members first, so the added members are marked unhealthy before
 * the desired capacity goes back down (otherwise it would remove the oldest ones).
 */
export function rollbackScaleOut(env: LcmEnv, op: OpOccRecord, request: ScaleRequest) {
  const instanceId = op.vnfInstanceId;
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
