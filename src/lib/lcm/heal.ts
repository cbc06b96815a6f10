/**
 * `heal`:
 *   VNFC:   heal_start → servers marked unhealthy → stack PATCH (ports and IPs survive) → heal_end
 *   entire: heal_start → stack (and uploaded images) deleted → stack re-created from the stored
 *           request at the current scale levels → new ids → heal_end
 * A retry skips the stack work its checkpoint says is done.
 */
import { CliError } from '../errors.js';
import type { HealVnfRequest } from '../params/schema.js';
import type { VnfInstanceRecord } from '../store/index.js';
import { callHook } from './hooks.js';
import { internalOf, refreshVnfInfo, type InternalState } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';
import { runOperation, type RunningOp } from './op-occurrence.js';
import { createStack, settleStack } from './stack.js';

export type HealRequest = HealVnfRequest;

export async function heal(env: LcmEnv, instanceId: string, request: HealRequest) {
  const rec = await env.store.getInstance(instanceId);
  if (rec) checkHeal(instanceId, internalOf(rec), request);
  return runOperation(env, instanceId, 'HEAL', request, 'INSTANTIATED', healBody(env, instanceId, request));
}

export function healBody(env: LcmEnv, instanceId: string, request: HealRequest) {
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
