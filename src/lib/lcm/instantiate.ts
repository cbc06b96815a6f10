/**
 * `instantiate`: instantiate_start → images/flavors/networks resolved →
 * stack `vnf-<id>` created → instantiatedVnfInfo from Heat → instantiate_end → INSTANTIATED; and its
 * rollback (`vnflcm op rollback` of a failed instantiate: the stack, the images it uploaded and the
 * VIM it registered go, the instance is NOT_INSTANTIATED again).
 *
 * The body can run again on the same occurrence (`vnflcm op retry`): a finished stack is found and
 * reused, the hooks run again with the stored request and the drivers skip what is in place.
 */
import { rm } from 'node:fs/promises';
import type { InstantiateVnfRequest } from '../params/schema.js';
import { REQUEST_SCHEMA_VERSION, type OpOccRecord, type VnfInstanceRecord } from '../store/index.js';
import { levelScale } from './heat-template.js';
import { callHook } from './hooks.js';
import { internalOf, notInstantiated, refreshVnfInfo, stackName, type InternalState } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';
import { resumeOperation, runOperation, type RunningOp } from './op-occurrence.js';
import { createStack, removeStack } from './stack.js';

/** The instantiate request as the schema parsed it. */
export type InstantiateRequest = InstantiateVnfRequest;

export async function instantiate(env: LcmEnv, instanceId: string, request: InstantiateRequest) {
  return runOperation(env, instanceId, 'INSTANTIATE', request, 'NOT_INSTANTIATED', instantiateBody(env, instanceId, request));
}

export function instantiateBody(env: LcmEnv, instanceId: string, request: InstantiateRequest) {
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

/** Undo a failed instantiate (its FAILED_TEMP occurrence `op`). */
export function rollbackInstantiate(env: LcmEnv, op: OpOccRecord) {
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
