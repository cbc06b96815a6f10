/**
 * The entry points of the operation commands (`runInstantiate`, `runHeal`, `runScale`,
 * `runTerminate`, `runRetry`, `runRollback`) and what they share: load and validate inputs and resolve the cloud (auth and the
 * service catalog) before the real client's "... has been accepted." line, so that such errors
 * record nothing; run the operation synchronously, reporting through the `Say` the command gives
 * (result lines, notes, the progress sink, the interrupt the CLI arms), and end with one result
 * line (or the error, the commands that resolve the failed occurrence, and a non-zero exit code).
 * An interrupted operation (Ctrl-C / SIGTERM between steps, recorded FAILED_TEMP) ends with
 * `LeaveNow`: the CLI prints it and exits at once with 130 / 143. Nothing here writes to the terminal.
 */
import { CliError, LeaveNow } from '../errors.js';
import type { AuthFlagValues } from '../openstack/auth-options.js';
import type { Store, VnfInstanceRecord } from '../store/index.js';
import type { CloudOps } from './cloud-ops.js';
import type { ProgressSink } from '../mgmt/contract.js';
import { BUILT_IN_DRIVERS } from '../mgmt/drivers.js';
import { checkHooks } from './hooks.js';
import { getInstance, wrongState } from './instances.js';
import { internalOf, terminable } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';
import { blockingReason, OperationFailed, OperationInterrupted, resolveHint } from './op-occurrence.js';
import type { Interrupt } from './tracker.js';

export interface OpFlags extends AuthFlagValues {
  timeout: number;
  'accept-new-host-key': boolean;
  concurrency: number;
  quiet: boolean;
}

/** How an operation reports to whoever runs it (the CLI gives a terminal one). */
export interface Say {
  /** A result line for the operator (stdout): "… has been accepted.", "… completed". */
  (line: string): void;
  /** A note or warning (stderr). */
  warn(line: string): void;
  /** Where steps are reported. */
  progress: ProgressSink;
  /** The interrupt Ctrl-C / SIGTERM request from now on (armed right after the "accepted" line). */
  interrupt(): Interrupt;
}

export async function lcmEnv(store: Store, rec: VnfInstanceRecord, cloud: CloudOps, flavourId: string, flags: OpFlags, say: Say): Promise<LcmEnv> {
  const { loadPackage } = await import('./packages.js');
  const { model } = await loadPackage(store, rec.vnfdId);
  const flavour = model.flavours[flavourId];
  if (!flavour) throw new CliError(`Flavour ${flavourId} is not defined in VNF package ${rec.vnfdId} (flavours: ${Object.keys(model.flavours).join(', ')})`, 3);
  checkHooks(flavour, BUILT_IN_DRIVERS);
  return {
    store,
    cloud,
    pkg: model,
    flavour,
    drivers: BUILT_IN_DRIVERS,
    progress: say.progress,
    options: { timeoutMs: flags.timeout * 1000, acceptNewHostKey: flags['accept-new-host-key'], concurrency: flags.concurrency },
  };
}

/**
 * Called right after the "accepted" line: from then on Ctrl-C / SIGTERM ask the operation to stop
 * between steps (it is recorded FAILED_TEMP). Before it, the default applies (nothing is recorded yet).
 */
function armSignals(env: LcmEnv, say: Say): void {
  env.interrupt = say.interrupt();
}

/** Refuse before any cloud call when an operation runs on the instance or one is left FAILED_TEMP. */
async function checkFree(store: Store, rec: VnfInstanceRecord, action: string): Promise<void> {
  const blocked = await blockingReason(store, rec, action);
  if (blocked) throw blocked;
}

function finish(say: Say, what: string, id: string, opId: string, t0: number): void {
  say(`${what} of VNF Instance ${id} completed in ${Math.round((Date.now() - t0) / 1000)} s (operation ${opId}).`);
}

function failed(what: string, id: string, err: unknown): never {
  if (err instanceof OperationInterrupted) {
    // Running steps may still hold sockets open: leave now (the occurrence is recorded).
    throw new LeaveNow(`${what} of VNF Instance ${id} ${err.message} (operation ${err.opId} is FAILED_TEMP).\n${resolveHint(err.opId, opOf(what))}`, err.exitCode);
  }
  if (err instanceof OperationFailed) {
    throw new CliError(
      `${what} of VNF Instance ${id} failed (operation ${err.opId} is FAILED_TEMP): ${err.message}\nSee 'vnflcm op show ${err.opId}'. ${resolveHint(err.opId, opOf(what))}`,
      err.exitCode,
    );
  }
  throw err;
}

function opOf(what: string): 'INSTANTIATE' | 'HEAL' | 'SCALE' | 'TERMINATE' | undefined {
  const m: Record<string, 'INSTANTIATE' | 'HEAL' | 'SCALE' | 'TERMINATE'> = { Instantiate: 'INSTANTIATE', Heal: 'HEAL', Scale: 'SCALE', Terminate: 'TERMINATE' };
  return m[what];
}

export async function runInstantiate(store: Store, id: string, paramFile: string, flags: OpFlags, say: Say): Promise<VnfInstanceRecord> {
  const { loadParamFile } = await import('../params/load.js');
  const { validateInstantiateRequest, invalidParamFileTitle } = await import('../params/validate.js');
  const { InputError } = await import('../errors.js');
  const body = await loadParamFile(paramFile);
  const rec = await getInstance(store, id);
  await checkFree(store, rec, 'instantiate');
  if (rec.instantiationState !== 'NOT_INSTANTIATED') throw wrongState(id, 'instantiation_state', rec.instantiationState, 'instantiate');
  const { loadPackage } = await import('./packages.js');
  const { model } = await loadPackage(store, rec.vnfdId);
  const v = validateInstantiateRequest(body, model);
  if (v.problems.length || !v.request) throw new InputError(invalidParamFileTitle(paramFile, v.problems.length), v.problems);
  for (const n of v.notes) say.warn(`note: ${n}`);
  const request = v.request;
  const { openCloudOps } = await import('./vim.js');
  const { ops, selection } = await openCloudOps(store, request.vimConnectionInfo?.[0]?.vimId ?? undefined, flags);
  const env = await lcmEnv(store, rec, ops, request.flavourId, flags, say);
  await store.updateInstance(id, (r) => ({ ...r, internal: { ...internalOf(r), cloud: selection } }));
  say(`Instantiate request for VNF Instance ${id} has been accepted.`);
  armSignals(env, say);
  const t0 = Date.now();
  const { instantiate } = await import('./instantiate.js');
  try {
    const { result, op } = await instantiate(env, id, request);
    finish(say, 'Instantiate', id, op.id, t0);
    return result;
  } catch (err) {
    failed('Instantiate', id, err);
  }
}

async function instantiatedEnv(store: Store, id: string, flags: OpFlags, action: string, say: Say): Promise<LcmEnv> {
  const rec = await getInstance(store, id);
  await checkFree(store, rec, action);
  const allowed = action === 'terminate' ? terminable(rec) : rec.instantiationState === 'INSTANTIATED';
  if (!allowed) throw wrongState(id, 'instantiation_state', rec.instantiationState, action);
  const st = internalOf(rec);
  const flavourId = st.request?.flavourId ?? '';
  const { openInstanceCloud } = await import('./vim.js');
  const cloud = await openInstanceCloud(store, rec, flags);
  return lcmEnv(store, rec, cloud, flavourId, flags, say);
}

export async function runHeal(store: Store, id: string, body: Record<string, unknown>, flags: OpFlags, say: Say): Promise<void> {
  const { healVnfRequestSchema } = await import('../params/schema.js');
  const request = healVnfRequestSchema.parse(body);
  const env = await instantiatedEnv(store, id, flags, 'heal', say);
  const { checkHeal } = await import('./heal.js');
  checkHeal(id, internalOf(await getInstance(store, id)), request);
  say(`Heal request for VNF Instance ${id} has been accepted.`);
  armSignals(env, say);
  const t0 = Date.now();
  const { heal } = await import('./heal.js');
  try {
    const { op } = await heal(env, id, request);
    finish(say, 'Heal', id, op.id, t0);
  } catch (err) {
    failed('Heal', id, err);
  }
}

export async function runScale(store: Store, id: string, body: Record<string, unknown>, flags: OpFlags, say: Say): Promise<void> {
  const { scaleVnfRequestSchema } = await import('../params/schema.js');
  const request = scaleVnfRequestSchema.parse(body);
  const env = await instantiatedEnv(store, id, flags, 'scale', say);
  const { checkScale } = await import('./scale.js');
  checkScale(env, internalOf(await getInstance(store, id)).scaleLevels, request);
  say(`Scale request for VNF Instance ${id} has been accepted.`);
  armSignals(env, say);
  const t0 = Date.now();
  const { scale } = await import('./scale.js');
  try {
    const { op } = await scale(env, id, request);
    finish(say, 'Scale', id, op.id, t0);
  } catch (err) {
    failed('Scale', id, err);
  }
}

export async function runTerminate(store: Store, id: string, body: Record<string, unknown>, flags: OpFlags, say: Say): Promise<void> {
  const { terminateVnfRequestSchema } = await import('../params/schema.js');
  const request = terminateVnfRequestSchema.parse(body);
  const env = await instantiatedEnv(store, id, flags, 'terminate', say);
  say(`Terminate request for VNF Instance '${id}' has been accepted.`);
  armSignals(env, say);
  const t0 = Date.now();
  const { terminate } = await import('./terminate.js');
  try {
    const { op } = await terminate(env, id, request);
    finish(say, 'Terminate', id, op.id, t0);
  } catch (err) {
    failed('Terminate', id, err);
  }
}

// ---- op retry / rollback / fail ------------------------------------------------------------------

/** The occurrence, reconciled (a dead owner's PROCESSING becomes FAILED_TEMP first). */
async function occurrence(store: Store, opId: string) {
  const { reconcileOp, opNotFound } = await import('./op-occurrence.js');
  const op = await store.getOp(opId);
  if (!op) throw opNotFound();
  return reconcileOp(store, op);
}

async function occurrenceEnv(
  store: Store,
  op: { vnfInstanceId: string; operation: string; operationParams: Record<string, unknown> },
  flags: OpFlags,
  say: Say,
): Promise<LcmEnv> {
  const rec = await getInstance(store, op.vnfInstanceId);
  const st = internalOf(rec);
  const flavourId = (op.operation === 'INSTANTIATE' ? (op.operationParams.flavourId as string | undefined) : undefined) ?? st.request?.flavourId ?? '';
  const { openInstanceCloud } = await import('./vim.js');
  const cloud = await openInstanceCloud(store, rec, flags);
  return lcmEnv(store, rec, cloud, flavourId, flags, say);
}

export async function runRetry(store: Store, opId: string, flags: OpFlags, say: Say): Promise<void> {
  const { checkResumable } = await import('./op-occurrence.js');
  const op = await occurrence(store, opId);
  checkResumable(op, 'retry');
  const env = await occurrenceEnv(store, op, flags, say);
  say(`Retry request for LCM operation ${opId} has been accepted`);
  armSignals(env, say);
  const t0 = Date.now();
  const { retryOperation } = await import('./op-resolve.js');
  try {
    await retryOperation(env, op);
    say(`Retry of operation ${opId} (${op.operation} of VNF Instance ${op.vnfInstanceId}) completed in ${Math.round((Date.now() - t0) / 1000)} s.`);
  } catch (err) {
    resumeFailed('Retry', op, err);
  }
}

export async function runRollback(store: Store, opId: string, flags: OpFlags, say: Say): Promise<void> {
  const { checkResumable } = await import('./op-occurrence.js');
  const op = await occurrence(store, opId);
  checkResumable(op, 'rollback');
  const env = await occurrenceEnv(store, op, flags, say);
  say(`Rollback request for LCM operation ${opId} has been accepted`);
  armSignals(env, say);
  const t0 = Date.now();
  const { rollbackOperation } = await import('./op-resolve.js');
  try {
    await rollbackOperation(env, op);
    say(`Rollback of operation ${opId} (${op.operation} of VNF Instance ${op.vnfInstanceId}) completed in ${Math.round((Date.now() - t0) / 1000)} s: ROLLED_BACK.`);
  } catch (err) {
    resumeFailed('Rollback', op, err);
  }
}

function resumeFailed(what: string, op: { id: string; operation: string; vnfInstanceId: string }, err: unknown): never {
  if (err instanceof OperationInterrupted) {
    throw new LeaveNow(`${what} of operation ${op.id} ${err.message} (it is FAILED_TEMP).\n${resolveHint(op.id, opOf2(op.operation))}`, err.exitCode);
  }
  if (err instanceof OperationFailed) {
    throw new CliError(
      `${what} of operation ${op.id} (${op.operation} of VNF Instance ${op.vnfInstanceId}) failed (it is FAILED_TEMP): ${err.message}\nSee 'vnflcm op show ${op.id}'. ${resolveHint(op.id, opOf2(op.operation))}`,
      err.exitCode,
    );
  }
  throw err;
}

function opOf2(op: string): 'INSTANTIATE' | 'HEAL' | 'SCALE' | 'TERMINATE' | undefined {
  return op === 'INSTANTIATE' || op === 'HEAL' || op === 'SCALE' || op === 'TERMINATE' ? op : undefined;
}
