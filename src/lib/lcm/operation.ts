/**
 * LCM operation occurrences: every instantiate/heal/scale/terminate is recorded
 * STARTING -> PROCESSING -> COMPLETED | FAILED_TEMP, with start/end times, the request, the error
 * detail and the resource changes, readable with `vnflcm op list|show`.
 * Only one operation may run on an instance at a time.
 */
import { randomUUID } from 'node:crypto';
import { CliError, errorMessage } from '../errors.js';
import type { LcmOperation, OpOccRecord, Store, VnfInstanceRecord } from '../store/index.js';
import { wrongState } from './instances.js';

const TASK_STATE: Record<LcmOperation, string> = {
  INSTANTIATE: 'INSTANTIATING',
  HEAL: 'HEALING',
  SCALE: 'SCALING',
  TERMINATE: 'TERMINATING',
  MODIFY_INFO: 'MODIFYING',
  CHANGE_EXT_CONN: 'CHANGING',
};

const ACTION: Record<LcmOperation, string> = {
  INSTANTIATE: 'instantiate',
  HEAL: 'heal',
  SCALE: 'scale',
  TERMINATE: 'terminate',
  MODIFY_INFO: 'modify',
  CHANGE_EXT_CONN: 'change_ext_conn',
};

export interface RunningOp {
  op: OpOccRecord;
  /** Record resource changes (merged into the occurrence when it ends). */
  changes: Record<string, unknown>;
}

export class OperationFailed extends CliError {
  readonly opId: string;
  constructor(opId: string, detail: string, exitCode: number) {
    super(detail, exitCode);
    this.opId = opId;
  }
}

/**
 * Start an operation on an instance: checks its state (`required`) and that nothing else runs on it,
 * records the occurrence, runs `body`, and records the outcome. Errors become FAILED_TEMP with the
 * error text as detail and are re-thrown as OperationFailed (exit code of the original error).
 */
export async function runOperation<T>(
  store: Store,
  instanceId: string,
  operation: LcmOperation,
  params: Record<string, unknown>,
  required: VnfInstanceRecord['instantiationState'] | ((rec: VnfInstanceRecord) => boolean),
  body: (run: RunningOp, instance: VnfInstanceRecord) => Promise<T>,
): Promise<{ result: T; op: OpOccRecord }> {
  const now = new Date().toISOString();
  const id = randomUUID();
  const op: OpOccRecord = {
    id,
    operationState: 'STARTING',
    stateEnteredTime: now,
    startTime: now,
    vnfInstanceId: instanceId,
    grantId: null,
    operation,
    isAutomaticInvocation: false,
    operationParams: params,
    isCancelPending: false,
    cancelMode: null,
    error: null,
    logFile: store.opLogFile(id),
  };
  const instance = await store.updateInstance(instanceId, async (rec) => {
    if (rec.activeOpId) {
      const other = await store.getOp(rec.activeOpId);
      if (other && (other.operationState === 'STARTING' || other.operationState === 'PROCESSING') && isAlive(other)) {
        throw wrongState(instanceId, 'task_state', TASK_STATE[other.operation], ACTION[operation]);
      }
    }
    if (typeof required === 'function' ? !required(rec) : rec.instantiationState !== required) {
      throw wrongState(instanceId, 'instantiation_state', rec.instantiationState, ACTION[operation]);
    }
    await store.putOp({ ...op, pid: process.pid });
    return { ...rec, activeOpId: op.id };
  });
  const run: RunningOp = { op, changes: {} };
  await setState(store, op, 'PROCESSING');
  try {
    const result = await body(run, instance);
    op.resourceChanges = run.changes;
    op.endTime = new Date().toISOString();
    await setState(store, op, 'COMPLETED');
    return { result, op };
  } catch (err) {
    const detail = errorMessage(err);
    op.error = { title: `${ACTION[operation]} failed`, status: 500, detail };
    op.resourceChanges = run.changes;
    op.endTime = new Date().toISOString();
    await setState(store, op, 'FAILED_TEMP');
    const code = err instanceof CliError ? err.exitCode : 1;
    throw new OperationFailed(op.id, detail, code);
  } finally {
    await store.updateInstance(instanceId, (rec) => (rec.activeOpId === op.id ? { ...rec, activeOpId: null } : rec)).catch(() => undefined);
  }
}

async function setState(store: Store, op: OpOccRecord, state: OpOccRecord['operationState']): Promise<void> {
  op.operationState = state;
  op.stateEnteredTime = new Date().toISOString();
  op.pid = state === 'PROCESSING' || state === 'STARTING' ? process.pid : undefined;
  await store.putOp(op);
}

/** An occurrence left in PROCESSING by a process that died (Ctrl-C, crash) does not block forever. */
function isAlive(op: OpOccRecord): boolean {
  const pid = op.pid;
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
