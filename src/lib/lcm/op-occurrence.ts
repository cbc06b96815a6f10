/**
 * LCM operation occurrences: every instantiate/heal/scale/terminate is recorded
 * STARTING -> PROCESSING -> COMPLETED | FAILED_TEMP, and a FAILED_TEMP one is resolved by the
 * operator: retry (-> PROCESSING again), rollback (-> ROLLING_BACK -> ROLLED_BACK) or fail (-> FAILED),
 * Tacker's v1 model. While an occurrence of an instance is FAILED_TEMP, no other operation starts on
 * that instance (Tacker: the VNF is in status ERROR).
 *
 * An operation holds the instance's operation lock (store/oplock.ts) for its whole run and records
 * its owner token; `reconcileOps` turns an occurrence left STARTING/PROCESSING/ROLLING_BACK by a
 * process that is gone into FAILED_TEMP saying so. Every command that reads occurrences calls it.
 * `runOperation` / `resumeOperation` run an operation's body inside that bookkeeping; the bodies are
 * in instantiate.ts, heal.ts, scale.ts and terminate.ts, `op retry|rollback|fail` in op-resolve.ts.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CliError, errorMessage } from '../errors.js';
import { describeHolder, ownerToken, OperationLockBusy, sameOwner, type HeldLock, type LockOwner } from '../store/oplock.js';
import type { LcmOperation, OperationState, OpOccRecord, OpStepRef, Store, VnfInstanceRecord } from '../store/index.js';
import { wrongState } from './instances.js';
import type { LcmEnv } from './lcm-env.js';
import { coalesce, describeStep, exitCodeOfSignal, InterruptedError, StepTracker, untilInterrupted, type InterruptSignal } from './tracker.js';

const TASK_STATE: Record<LcmOperation, string> = {
  INSTANTIATE: 'INSTANTIATING',
  HEAL: 'HEALING',
  SCALE: 'SCALING',
  TERMINATE: 'TERMINATING',
  MODIFY_INFO: 'MODIFYING',
  CHANGE_EXT_CONN: 'CHANGING',
};

export const ACTION: Record<LcmOperation, string> = {
  INSTANTIATE: 'instantiate',
  HEAL: 'heal',
  SCALE: 'scale',
  TERMINATE: 'terminate',
  MODIFY_INFO: 'modify',
  CHANGE_EXT_CONN: 'change_ext_conn',
};

const RUNNING: ReadonlySet<OperationState> = new Set(['STARTING', 'PROCESSING', 'ROLLING_BACK']);

export interface RunningOp {
  op: OpOccRecord;
  /** Record resource changes (merged into the occurrence when it ends). */
  changes: Record<string, unknown>;
  /** true when this run continues a FAILED_TEMP occurrence (`op retry`). */
  resumed: boolean;
  /** Save what a retry or rollback needs (merged into the occurrence's checkpoint now). */
  checkpoint(patch: Record<string, unknown>): Promise<void>;
}

export class OperationFailed extends CliError {
  readonly opId: string;
  readonly where: OpStepRef | undefined;
  constructor(opId: string, detail: string, exitCode: number, where?: OpStepRef) {
    super(detail, exitCode);
    this.opId = opId;
    this.where = where;
  }
}

/** The operation stopped on Ctrl-C / SIGTERM and is recorded FAILED_TEMP; the process should exit now. */
export class OperationInterrupted extends CliError {
  readonly opId: string;
  readonly signal: InterruptSignal;
  constructor(opId: string, signal: InterruptSignal, detail: string) {
    super(detail, exitCodeOfSignal(signal));
    this.opId = opId;
    this.signal = signal;
  }
}

/** Tacker's 409 texts for the operations on occurrences. */
export const conflict = {
  retry: (state: string) => new CliError(`Cannot proceed with operation_state ${state}`),
  rollbackState: () => new CliError('OperationState IS NOT FAILED_TEMP'),
  rollbackOperation: () => new CliError('OPERATION IS NOT INSTANTIATE/SCALE'),
  rollbackScaleIn: () => new CliError('SCALE_IN CAN NOT ROLLBACK'),
  fail: (state: string) => new CliError(`Transitions to FAIL from state ${state} is not allowed`),
};

export function opNotFound(): CliError {
  return new CliError('table vnf_lcm_op_occs not Found');
}

/** The commands that resolve a FAILED_TEMP occurrence (printed after a failure or an interrupt). */
export function resolveHint(opId: string, operation?: LcmOperation, params?: Record<string, unknown>): string {
  const rollback = operation === 'INSTANTIATE' || (operation === 'SCALE' && params?.type === 'SCALE_OUT');
  return `Continue with 'vnflcm op retry ${opId}'${rollback ? `, undo with 'vnflcm op rollback ${opId}'` : ''}, or give up with 'vnflcm op fail ${opId}'.`;
}

// ---- reconciliation ----------------------------------------------------------------------------

/**
 * Occurrences left running by a process that is gone become FAILED_TEMP. 'Gone' means: recorded on
 * this host and the instance's operation lock is free or held for another run. An occurrence owned
 * by another host is left alone (the lock is per machine): `vnflcm doctor` reports it.
 * Returns the occurrences as they are after reconciliation.
 */
export async function reconcileOps(store: Store, ops?: OpOccRecord[]): Promise<OpOccRecord[]> {
  const all = ops ?? (await store.listOps());
  if (!all.some((o) => RUNNING.has(o.operationState))) return all;
  return Promise.all(all.map((o) => (RUNNING.has(o.operationState) ? reconcileOp(store, o) : o)));
}

export async function reconcileOp(store: Store, op: OpOccRecord, heldByMe?: HeldLock): Promise<OpOccRecord> {
  if (!RUNNING.has(op.operationState)) return op;
  // A per-machine lock says nothing about another host's run; a shared (database) lock does.
  if (op.owner && op.owner.host !== hostname() && !store.opLock().shared) return op;
  if (!heldByMe) {
    const h = await store.opLock().holder(op.vnfInstanceId);
    if (h === 'unknown') return op;
    if (h && h.opId === op.id && (!op.owner || sameOwner(h, op.owner))) return op;
    if (!op.owner && op.pid && !h && pidAlive(op.pid)) return op; // a run by an older vnflcm, without the lock
  }
  return store.updateOp(op.id, (cur) => {
    if (!RUNNING.has(cur.operationState) || cur.stateEnteredTime !== op.stateEnteredTime) return cur;
    const who = cur.owner ? `pid ${cur.owner.pid} on ${cur.owner.host}, started ${cur.owner.startedAt}` : `pid ${cur.pid ?? '?'}`;
    const running = cur.runningSteps ?? [];
    const where = running[0];
    const lastAt = [cur.stateEnteredTime, ...running.map((s) => s.at)].sort().at(-1);
    const now = new Date().toISOString();
    return {
      ...cur,
      operationState: 'FAILED_TEMP',
      stateEnteredTime: now,
      endTime: now,
      error: {
        title: `${ACTION[cur.operation]} interrupted ${atStep(where)}`,
        status: 500,
        detail:
          `Interrupted: the vnflcm process running this operation (${who}) ended without recording an outcome, ` +
          `${where ? 'during ' : ''}${describeStep(where)} (last progress at ${lastAt}); found at ${now}.`,
      },
      failedStep: where ?? cur.failedStep,
      runningSteps: [],
    };
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the instance cannot start `action` now, or undefined: an operation running on it, or an
 * occurrence left FAILED_TEMP (Tacker: "Vnf <id> in status ERROR").
 */
export async function blockingReason(store: Store, rec: VnfInstanceRecord, action: string, heldByMe?: HeldLock): Promise<CliError | undefined> {
  if (!rec.activeOpId) return undefined;
  let op = await store.getOp(rec.activeOpId);
  if (!op) return undefined;
  op = await reconcileOp(store, op, heldByMe);
  if (RUNNING.has(op.operationState)) return withHolder(store, wrongState(rec.id, 'task_state', TASK_STATE[op.operation], action), rec.id);
  if (op.operationState === 'FAILED_TEMP') {
    return new CliError(
      `Vnf ${rec.id} in status ERROR. Cannot ${action} while the vnf is in this state.\n` +
        `Operation ${op.id} (${op.operation}) is FAILED_TEMP: ${resolveHint(op.id, op.operation, op.operationParams)}`,
    );
  }
  return undefined;
}

/** With shared state the holder may be a colleague elsewhere: the refusal says who (a second line). */
async function withHolder(store: Store, refused: CliError, instanceId: string, known?: LockOwner | 'unknown'): Promise<CliError> {
  if (!store.opLock().shared) return refused;
  const h = known ?? (await store.opLock().holder(instanceId));
  if (h && h !== 'unknown') refused.message += `\nHeld by ${describeHolder(h)}.`;
  return refused;
}

// ---- running ------------------------------------------------------------------------------------

async function takeLock(store: Store, instanceId: string, opId: string, action: string): Promise<HeldLock> {
  const owner: LockOwner = { ...ownerToken(), opId };
  try {
    return await store.opLock().acquire(instanceId, owner);
  } catch (err) {
    if (!(err instanceof OperationLockBusy)) throw err;
    const other = err.holder === 'unknown' ? undefined : await store.getOp(err.holder.opId);
    throw await withHolder(store, wrongState(instanceId, 'task_state', other ? TASK_STATE[other.operation] : 'PROCESSING', action), instanceId, err.holder);
  }
}

/**
 * Start an operation on an instance: takes the instance's operation lock, checks its state
 * (`required`) and that no occurrence blocks it, records the occurrence, runs `body`, and records
 * the outcome. Errors become FAILED_TEMP (the failed step in error.title) and are re-thrown as
 * OperationFailed (exit code of the original error); an interrupt as OperationInterrupted.
 */
export async function runOperation<T>(
  env: LcmEnv,
  instanceId: string,
  operation: LcmOperation,
  params: Record<string, unknown>,
  required: VnfInstanceRecord['instantiationState'] | ((rec: VnfInstanceRecord) => boolean),
  body: (run: RunningOp, instance: VnfInstanceRecord) => Promise<T>,
): Promise<{ result: T; op: OpOccRecord }> {
  const { store } = env;
  const now = new Date().toISOString();
  const id = randomUUID();
  const held = await takeLock(store, instanceId, id, ACTION[operation]);
  let instance: VnfInstanceRecord;
  let op: OpOccRecord;
  try {
    op = {
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
      owner: ownerToken(),
    };
    instance = await store.updateInstance(instanceId, async (rec) => {
      const blocked = await blockingReason(store, rec, ACTION[operation], held);
      if (blocked) throw blocked;
      const locked = store.lockedSecrets(rec); // shared state without the key: say so before any step runs
      if (locked) throw new CliError(locked);
      if (typeof required === 'function' ? !required(rec) : rec.instantiationState !== required) {
        throw wrongState(instanceId, 'instantiation_state', rec.instantiationState, ACTION[operation]);
      }
      await store.putOp(op);
      return { ...rec, activeOpId: op.id };
    });
  } catch (err) {
    await held.release();
    throw err;
  }
  return execute(env, op, instance, held, 'PROCESSING', 'COMPLETED', false, body);
}

/**
 * Continue (`retry`) or undo (`rollback`) a FAILED_TEMP occurrence: same lock and bookkeeping as
 * runOperation; the occurrence goes back to PROCESSING (ends COMPLETED) or to ROLLING_BACK (ends
 * ROLLED_BACK), and to FAILED_TEMP again on failure.
 */
export async function resumeOperation<T>(
  env: LcmEnv,
  opId: string,
  mode: 'retry' | 'rollback',
  body: (run: RunningOp, instance: VnfInstanceRecord) => Promise<T>,
): Promise<{ result: T; op: OpOccRecord }> {
  const { store } = env;
  const first = await store.getOp(opId);
  if (!first) throw opNotFound();
  const held = await takeLock(store, first.vnfInstanceId, opId, mode);
  let op: OpOccRecord;
  let instance: VnfInstanceRecord;
  try {
    const cur = await reconcileOp(store, first, held);
    checkResumable(cur, mode);
    const lockedIn = store.lockedSecrets(await store.getInstance(cur.vnfInstanceId));
    if (lockedIn) throw new CliError(lockedIn);
    await checkLatest(store, cur);
    instance = await store.updateInstance(cur.vnfInstanceId, (rec) => ({ ...rec, activeOpId: cur.id }));
    op = await store.updateOp(opId, (o) => {
      checkResumable(o, mode);
      return { ...o, owner: ownerToken(), error: null, endTime: undefined, runningSteps: [] };
    });
  } catch (err) {
    await held.release();
    throw err;
  }
  return mode === 'retry'
    ? execute(env, op, instance, held, 'PROCESSING', 'COMPLETED', true, body)
    : execute(env, op, instance, held, 'ROLLING_BACK', 'ROLLED_BACK', true, body);
}

/** Tacker's conflict rules for retry and rollback. */
export function checkResumable(op: OpOccRecord, mode: 'retry' | 'rollback'): void {
  if (mode === 'retry') {
    if (op.operationState !== 'FAILED_TEMP') throw conflict.retry(op.operationState);
    return;
  }
  if (op.operationState !== 'FAILED_TEMP') throw conflict.rollbackState();
  if (op.operation !== 'INSTANTIATE' && op.operation !== 'SCALE') throw conflict.rollbackOperation();
  if (op.operation === 'SCALE' && op.operationParams.type === 'SCALE_IN') throw conflict.rollbackScaleIn();
}

/** Only the instance's latest occurrence can be continued or undone: later operations built on what it left. */
async function checkLatest(store: Store, op: OpOccRecord): Promise<void> {
  const later = (await store.listOps()).filter((o) => o.vnfInstanceId === op.vnfInstanceId && o.startTime > op.startTime);
  if (later.length > 0) {
    throw new CliError(
      `Operation ${op.id} is not the latest operation of VNF instance ${op.vnfInstanceId} (operation ${later[0]?.id} came after it); ` +
        `only 'vnflcm op fail ${op.id}' applies to it.`,
    );
  }
}

/** "at step 'x' on node y", or "before the first step" (not "at before the first step"). */
const atStep = (where: OpStepRef | undefined): string => (where ? `at ${describeStep(where)}` : describeStep(where));

const SERVICE_NAMES: Record<string, string> = { orchestration: 'Heat', compute: 'Nova', identity: 'Keystone', network: 'Neutron', image: 'Glance' };

/**
 * The occurrence's error detail. An OpenStack API error's message is the service's own text and the
 * status (the client's wording, kept for what is printed); the record also names the service and
 * the request, so a FAILED_TEMP says which API failed. Duck-typed: the lcm core does not load the
 * HTTP client.
 */
function failureDetail(err: unknown): string {
  const e = err as { name?: unknown; service?: unknown; status?: unknown; method?: unknown; url?: unknown };
  if (err instanceof CliError && e.name === 'OpenStackHttpError' && typeof e.service === 'string' && typeof e.url === 'string') {
    let path = e.url;
    try {
      path = new URL(e.url).pathname;
    } catch {
      // not a URL: keep it as it is
    }
    return `${SERVICE_NAMES[e.service] ?? e.service} (${e.service}) answered HTTP ${String(e.status)} to ${String(e.method)} ${path}: ${err.message}`;
  }
  return errorMessage(err);
}

async function execute<T>(
  env: LcmEnv,
  start: OpOccRecord,
  instance: VnfInstanceRecord,
  held: HeldLock,
  runningState: OperationState,
  doneState: OperationState,
  resumed: boolean,
  body: (run: RunningOp, instance: VnfInstanceRecord) => Promise<T>,
): Promise<{ result: T; op: OpOccRecord }> {
  const { store } = env;
  const opId = start.id;
  const save = (patch: Partial<OpOccRecord>) => store.updateOp(opId, (cur) => ({ ...cur, ...patch }));
  const saveSteps = coalesce((running: OpStepRef[]) => save({ runningSteps: running }).then(() => undefined));
  const tracker = new StepTracker(env.progress, saveSteps, env.interrupt);
  const outer = env.progress;
  env.progress = tracker;
  const run: RunningOp = {
    op: start,
    changes: {},
    resumed,
    checkpoint: async (patch) => {
      await store.updateOp(opId, (cur) => ({ ...cur, checkpoint: { ...(cur.checkpoint ?? {}), ...patch } }));
    },
  };
  try {
    run.op = await save({ operationState: runningState, stateEnteredTime: new Date().toISOString(), pid: undefined });
    try {
      const result = await untilInterrupted(body(run, instance), env);
      await saveSteps.flush();
      const op = await save({
        operationState: doneState,
        stateEnteredTime: new Date().toISOString(),
        endTime: new Date().toISOString(),
        resourceChanges: { ...(run.op.resourceChanges ?? {}), ...run.changes },
        runningSteps: [],
        failedStep: undefined,
      });
      await clearActive(store, op);
      return { result, op };
    } catch (err) {
      await saveSteps.flush();
      const where = tracker.where();
      const at = atStep(where);
      const now = new Date().toISOString();
      if (err instanceof InterruptedError) {
        const detail = `Interrupted by ${err.signal} ${at}, at ${now}.`;
        await save({
          operationState: 'FAILED_TEMP',
          stateEnteredTime: now,
          endTime: now,
          error: { title: `${ACTION[start.operation]} interrupted ${at}`, status: 500, detail },
          resourceChanges: { ...(run.op.resourceChanges ?? {}), ...run.changes },
          runningSteps: [],
          failedStep: where,
        });
        throw new OperationInterrupted(opId, err.signal, `interrupted ${at}`);
      }
      const detail = failureDetail(err);
      await save({
        operationState: 'FAILED_TEMP',
        stateEnteredTime: now,
        endTime: now,
        error: { title: `${runningState === 'ROLLING_BACK' ? 'rollback' : ACTION[start.operation]} failed ${at}`, status: 500, detail },
        resourceChanges: { ...(run.op.resourceChanges ?? {}), ...run.changes },
        runningSteps: [],
        failedStep: where,
      });
      throw new OperationFailed(opId, errorMessage(err), err instanceof CliError ? err.exitCode : 1, where);
    }
  } finally {
    env.progress = outer;
    await held.release();
  }
}

/** Mark the occurrence ended for good (COMPLETED, ROLLED_BACK, FAILED): the instance is free again. */
export async function clearActive(store: Store, op: OpOccRecord): Promise<void> {
  await store.updateInstance(op.vnfInstanceId, (rec) => (rec.activeOpId === op.id ? { ...rec, activeOpId: null } : rec)).catch(() => undefined);
}
