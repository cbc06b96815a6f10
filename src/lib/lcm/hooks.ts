/**
 * Calling the management drivers at the hook points: the VNFD's `interfaces.Vnflcm.<hook>.implementation`
 * names an artifact; vnflcm maps it to a driver of the driver table (the built-in ones,
 * src/lib/mgmt/drivers.ts) and calls it at the hook points of each operation (the same points as
 * Tacker). A hook that names no known driver is an error before any cloud call; a flavour without
 * hooks simply has nothing to run. What a driver is given is the contract in src/lib/mgmt/contract.ts.
 */
import { CliError } from '../errors.js';
import type { DriverTable, HookContext, MgmtDriver } from '../mgmt/contract.js';
import { BUILT_IN_DRIVERS } from '../mgmt/drivers.js';
import type { Flavour, LcmHookName } from '../package/model.js';
import type { InstantiateVnfRequest } from '../params/schema.js';
import type { VnfInstanceRecord } from '../store/index.js';
import { currentVnfcs, internalOf, stackPorts } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';

function unknownDriver(hook: string, artifact: string, drivers: DriverTable): CliError {
  return new CliError(
    `The VNFD names '${artifact}' for Vnflcm.${hook}, which is not a management driver built into vnflcm ` +
      `(known: ${Object.keys(drivers).sort().join(', ') || 'none'}).`,
  );
}

/** The driver for a hook of a flavour, or undefined when the flavour declares no such hook. */
export async function driverFor(flavour: Flavour, hook: LcmHookName, drivers: DriverTable = BUILT_IN_DRIVERS): Promise<MgmtDriver | undefined> {
  const artifact = flavour.lcmHooks[hook];
  if (!artifact) return undefined;
  const load = Object.hasOwn(drivers, artifact) ? drivers[artifact] : undefined;
  if (!load) throw unknownDriver(hook, artifact, drivers);
  return load();
}

/** Check before any cloud call that every hook of the flavour has a driver. */
export function checkHooks(flavour: Flavour, drivers: DriverTable = BUILT_IN_DRIVERS): void {
  for (const [hook, artifact] of Object.entries(flavour.lcmHooks)) {
    if (artifact && !Object.hasOwn(drivers, artifact)) throw unknownDriver(hook, artifact, drivers);
  }
}

export async function runHook(ctx: HookContext, drivers: DriverTable = BUILT_IN_DRIVERS): Promise<void> {
  const driver = await driverFor(ctx.flavour, ctx.hook, drivers);
  const fn = driver?.[ctx.hook];
  if (!fn) return;
  ctx.progress.info(`${ctx.hook}: ${ctx.flavour.lcmHooks[ctx.hook]}`);
  await fn(ctx);
}

/** Build the hook context of an instance at one hook of an operation and run the flavour's driver. */
export async function callHook(
  env: LcmEnv,
  hook: LcmHookName,
  instanceId: string,
  opId: string,
  operationParams: Record<string, unknown>,
  extra: Pick<HookContext, 'scale' | 'heal'> = {},
): Promise<void> {
  if (!env.flavour.lcmHooks[hook]) return;
  const rec = await env.store.getInstance(instanceId);
  if (!rec) throw new Error(`instance ${instanceId} vanished`);
  const ctx: HookContext = {
    hook,
    store: env.store,
    pkg: env.pkg,
    flavour: env.flavour,
    instance: rec,
    request: storedRequest(rec),
    operationParams,
    vnfcs: () => currentVnfcs(env, instanceId),
    stackPorts: () => stackPorts(env, instanceId),
    ...extra,
    logFile: env.store.opLogFile(opId),
    opId,
    progress: env.progress,
    setMetadata: async (patch) => {
      await env.store.updateInstance(instanceId, (r) => ({ ...r, metadata: { ...(r.metadata ?? {}), ...patch } }));
    },
    options: { acceptNewHostKey: env.options.acceptNewHostKey, concurrency: env.options.concurrency },
  };
  await runHook(ctx, env.drivers);
}

/** The stored instantiate request of an instance, for its hooks. */
function storedRequest(rec: VnfInstanceRecord): InstantiateVnfRequest {
  const i = rec.internal;
  const request = internalOf(rec).request;
  if (request) return request;
  const why = i?.requestProblems?.length ? `: the stored request is not valid any more (${i.requestProblems.join('; ')})` : '';
  throw new CliError(`VNF instance ${rec.id} has no stored instantiate request${why}; terminate it and instantiate it again.`);
}
