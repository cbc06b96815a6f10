/**
 * Resolving a FAILED_TEMP occurrence (Tacker's v1 model): `op retry` runs its operation's body
 * again with the stored request (finished steps are found done and skipped), `op rollback` undoes a
 * failed instantiate or scale-out, `op fail` gives it up (FAILED) and frees the instance.
 */
import type { z } from 'zod';
import { CliError } from '../errors.js';
import { healVnfRequestSchema, instantiateVnfRequestShape, scaleVnfRequestSchema, terminateVnfRequestSchema } from '../params/schema.js';
import type { OpOccRecord, Store } from '../store/index.js';
import { OperationLockBusy, ownerToken, type HeldLock } from '../store/oplock.js';
import { healBody } from './heal.js';
import { instantiateBody, rollbackInstantiate } from './instantiate.js';
import type { LcmEnv } from './lcm-env.js';
import { checkResumable, clearActive, conflict, opNotFound, reconcileOp, resumeOperation } from './op-occurrence.js';
import { rollbackScaleOut, scaleBody } from './scale.js';
import { terminateBody } from './terminate.js';

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
  if (op.operation === 'SCALE') return rollbackScaleOut(env, op, storedParams(op, scaleVnfRequestSchema));
  return rollbackInstantiate(env, op);
}

/**
 * `vnflcm op fail`: a FAILED_TEMP occurrence becomes FAILED (terminal) and the instance is free again
 * (e.g. for terminate). Taken under the instance's operation lock so that it cannot race a retry.
 */
export async function failOperation(store: Store, opId: string): Promise<OpOccRecord> {
  const first = await store.getOp(opId);
  if (!first) throw opNotFound();
  let held: HeldLock;
  try {
    held = await store.opLock().acquire(first.vnfInstanceId, { ...ownerToken(), opId });
  } catch (err) {
    if (err instanceof OperationLockBusy) throw conflict.fail(first.operationState === 'FAILED_TEMP' ? 'PROCESSING' : first.operationState);
    throw err;
  }
  try {
    await reconcileOp(store, first, held);
    const op = await store.updateOp(opId, (cur) => {
      if (cur.operationState !== 'FAILED_TEMP') throw conflict.fail(cur.operationState);
      const now = new Date().toISOString();
      return { ...cur, operationState: 'FAILED', stateEnteredTime: now, runningSteps: [] };
    });
    await clearActive(store, op);
    return op;
  } finally {
    await held.release();
  }
}
