/**
 * `terminate`: terminate_start → stack and uploaded images deleted →
 * terminate_end → NOT_INSTANTIATED. Also cleans up the stack a failed instantiate left behind.
 */
import type { TerminateVnfRequest } from '../params/schema.js';
import type { VnfInstanceRecord } from '../store/index.js';
import { callHook } from './hooks.js';
import { internalOf, notInstantiated, terminable } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';
import { runOperation, type RunningOp } from './op-occurrence.js';
import { removeStack } from './stack.js';

export type TerminateRequest = TerminateVnfRequest;

export async function terminate(env: LcmEnv, instanceId: string, request: TerminateRequest) {
  return runOperation(env, instanceId, 'TERMINATE', request, terminable, terminateBody(env, instanceId, request));
}

export function terminateBody(env: LcmEnv, instanceId: string, request: TerminateRequest) {
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

