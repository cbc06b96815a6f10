/**
 * What the operation commands share: load and validate inputs before any cloud call, open the
 * cloud, print the real client's "... has been accepted." line, run the operation synchronously
 * with progress on stderr, and end with one result line (or the error and a non-zero exit code).
 */
import { CliError } from '../errors.js';
import type { AuthFlagValues } from '../openstack/flags.js';
import type { Store, VnfInstanceRecord } from '../store/index.js';
import type { CloudOps } from './cloud-ops.js';
import { checkHooks } from './hooks.js';
import { getInstance, wrongState } from './instances.js';
import { internalOf, terminable, type LcmEnv } from './common.js';
import { OperationFailed } from './operation.js';
import { stderrProgress } from './progress.js';
import '../mgmt/index.js';

export interface OpFlags extends AuthFlagValues {
  timeout: number;
  'accept-new-host-key': boolean;
  concurrency: number;
  quiet: boolean;
}

export type Say = (line: string) => void;

export async function lcmEnv(store: Store, rec: VnfInstanceRecord, cloud: CloudOps, flavourId: string, flags: OpFlags): Promise<LcmEnv> {
  const { loadPackage } = await import('./packages.js');
  const { model } = await loadPackage(store, rec.vnfdId);
  const flavour = model.flavours[flavourId];
  if (!flavour) throw new CliError(`Flavour ${flavourId} is not defined in VNF package ${rec.vnfdId} (flavours: ${Object.keys(model.flavours).join(', ')})`, 3);
  checkHooks(flavour);
  return {
    store,
    cloud,
    pkg: model,
    flavour,
    progress: stderrProgress({ quiet: flags.quiet }),
    options: { timeoutMs: flags.timeout * 1000, acceptNewHostKey: flags['accept-new-host-key'], concurrency: flags.concurrency },
  };
}

function finish(say: Say, what: string, id: string, opId: string, t0: number): void {
  say(`${what} of VNF Instance ${id} completed in ${Math.round((Date.now() - t0) / 1000)} s (operation ${opId}).`);
}

function failed(what: string, id: string, err: unknown): never {
  if (err instanceof OperationFailed) {
    throw new CliError(`${what} of VNF Instance ${id} failed (operation ${err.opId} is FAILED_TEMP): ${err.message}\nSee 'vnflcm op show ${err.opId}'.`, err.exitCode);
  }
  throw err;
}

export async function runInstantiate(store: Store, id: string, paramFile: string, flags: OpFlags, say: Say): Promise<VnfInstanceRecord> {
  const { loadParamFile } = await import('../params/load.js');
  const { validateInstantiateRequest, invalidParamFileTitle } = await import('../params/validate.js');
  const { InputError } = await import('../errors.js');
  const body = await loadParamFile(paramFile);
  const rec = await getInstance(store, id);
  if (rec.instantiationState !== 'NOT_INSTANTIATED') throw wrongState(id, 'instantiation_state', rec.instantiationState, 'instantiate');
  const { loadPackage } = await import('./packages.js');
  const { model } = await loadPackage(store, rec.vnfdId);
  const v = validateInstantiateRequest(body, model);
  if (v.problems.length || !v.request) throw new InputError(invalidParamFileTitle(paramFile, v.problems.length), v.problems);
  for (const n of v.notes) process.stderr.write(`note: ${n}\n`);
  const request = v.request;
  const { openCloudOps } = await import('./vim.js');
  const { ops, selection } = await openCloudOps(store, request.vimConnectionInfo?.[0]?.vimId ?? undefined, flags);
  const env = await lcmEnv(store, rec, ops, request.flavourId, flags);
  await store.updateInstance(id, (r) => ({ ...r, internal: { ...internalOf(r), cloud: selection } }));
  say(`Instantiate request for VNF Instance ${id} has been accepted.`);
  const t0 = Date.now();
  const { instantiate } = await import('./operations.js');
  try {
    const { result, op } = await instantiate(env, id, request as Parameters<typeof instantiate>[2]);
    finish(say, 'Instantiate', id, op.id, t0);
    return result;
  } catch (err) {
    failed('Instantiate', id, err);
  }
}

async function instantiatedEnv(store: Store, id: string, flags: OpFlags, action: string): Promise<LcmEnv> {
  const rec = await getInstance(store, id);
  const allowed = action === 'terminate' ? terminable(rec) : rec.instantiationState === 'INSTANTIATED';
  if (!allowed) throw wrongState(id, 'instantiation_state', rec.instantiationState, action);
  const st = internalOf(rec);
  const flavourId = (st.request?.flavourId as string | undefined) ?? '';
  const { openInstanceCloud } = await import('./vim.js');
  const cloud = await openInstanceCloud(store, rec, flags);
  return lcmEnv(store, rec, cloud, flavourId, flags);
}

export async function runHeal(store: Store, id: string, body: Record<string, unknown>, flags: OpFlags, say: Say): Promise<void> {
  const env = await instantiatedEnv(store, id, flags, 'heal');
  say(`Heal request for VNF Instance ${id} has been accepted.`);
  const t0 = Date.now();
  const { heal } = await import('./operations.js');
  try {
    const { op } = await heal(env, id, body);
    finish(say, 'Heal', id, op.id, t0);
  } catch (err) {
    failed('Heal', id, err);
  }
}

export async function runScale(store: Store, id: string, body: Record<string, unknown>, flags: OpFlags, say: Say): Promise<void> {
  const env = await instantiatedEnv(store, id, flags, 'scale');
  say(`Scale request for VNF Instance ${id} has been accepted.`);
  const t0 = Date.now();
  const { scale } = await import('./operations.js');
  try {
    const { op } = await scale(env, id, body as unknown as Parameters<typeof scale>[2]);
    finish(say, 'Scale', id, op.id, t0);
  } catch (err) {
    failed('Scale', id, err);
  }
}

export async function runTerminate(store: Store, id: string, body: Record<string, unknown>, flags: OpFlags, say: Say): Promise<void> {
  const env = await instantiatedEnv(store, id, flags, 'terminate');
  say(`Terminate request for VNF Instance '${id}' has been accepted.`);
  const t0 = Date.now();
  const { terminate } = await import('./operations.js');
  try {
    const { op } = await terminate(env, id, body as unknown as Parameters<typeof terminate>[2]);
    finish(say, 'Terminate', id, op.id, t0);
  } catch (err) {
    failed('Terminate', id, err);
  }
}
