/**
 * The instance's Heat stack as the operations change it: the stack inputs resolved (images uploaded
 * by instantiate and entire heal, recorded per VDU and reused by everything else, so a scale or a
 * VNFC heal sends the same image ids and Heat never rebuilds the servers that stay), the stack
 * created (or found done by a retry), its parameters PATCHed for new scale levels, and deleted.
 */
import { join } from 'node:path';
import { CliError } from '../errors.js';
import type { InstantiateVnfRequest } from '../params/schema.js';
import type { StackRef } from './cloud-ops.js';
import { buildStackSpec, type CpBinding, type ResolvedInputs } from './heat-template.js';
import { internalOf, stackName, type InternalState } from './instance-state.js';
import type { LcmEnv } from './lcm-env.js';

const STACK_TIMEOUT_MINS = 30;

/**
 * Images, flavors and networks of the stack parameters. `upload`: instantiate and entire heal upload
 * the images the package ships (each recorded on the instance as soon as it exists); `reuse`: scale
 * and VNFC heal take the recorded ids and never upload.
 */
async function resolveInputs(env: LcmEnv, request: InstantiateVnfRequest, scaleLevels: Record<string, number>, instanceId: string, mode: 'upload' | 'reuse'): Promise<ResolvedInputs> {
  const images: Record<string, string> = {};
  const flavors: Record<string, string | undefined> = {};
  const rec = await env.store.getInstance(instanceId);
  const known = rec ? recordedImages(env, internalOf(rec)) : {};
  for (const vdu of Object.values(env.flavour.vdus)) {
    const img = vdu.swImage;
    if (img?.file) {
      const have = known[vdu.id];
      if (have) {
        images[vdu.id] = have;
        if (mode === 'upload') env.progress.step('', `upload image ${img.name}`, 'skipped', `${have} already uploaded`);
      } else if (mode === 'reuse') {
        throw new CliError(`VNF instance ${instanceId} has no uploaded image recorded for VDU ${vdu.id}; heal the whole instance to upload it again`);
      } else {
        env.progress.step('', `upload image ${img.name}`, 'start');
        const id = await env.cloud.uploadImage(`${img.name}-${instanceId.slice(0, 8)}`, join(env.pkg.root, img.file), img);
        await env.store.updateInstance(instanceId, (r) => {
          const st = internalOf(r);
          return { ...r, internal: { ...st, images: [...st.images, id], imageByVdu: { ...st.imageByVdu, [vdu.id]: id } } };
        });
        images[vdu.id] = id;
        env.progress.step('', `upload image ${img.name}`, 'done', id);
      }
    } else if (img) {
      images[vdu.id] = await env.cloud.resolveImage(img.name);
    }
    flavors[vdu.id] = vdu.compute.flavorName ? await env.cloud.resolveFlavor(vdu.compute.flavorName) : undefined;
  }
  const cps: Record<string, CpBinding> = {};
  for (const vl of request.extVirtualLinks ?? []) {
    const network = await env.cloud.resolveNetwork(vl.resourceId);
    for (const cp of vl.extCps) {
      const fixedIps: CpBinding['fixedIps'] = [];
      let macAddress: string | undefined;
      for (const conf of cp.cpConfig ?? []) {
        for (const pd of conf.cpProtocolData ?? []) {
          const ioe = pd.ipOverEthernet as { macAddress?: string; ipAddresses?: Array<{ fixedAddresses?: string[]; subnetId?: string }> } | undefined;
          if (ioe?.macAddress) macAddress = ioe.macAddress;
          for (const a of ioe?.ipAddresses ?? []) {
            if (a.fixedAddresses?.length) for (const ip of a.fixedAddresses) fixedIps.push({ ip_address: ip, ...(a.subnetId ? { subnet: a.subnetId } : {}) });
            else if (a.subnetId) fixedIps.push({ subnet: a.subnetId });
          }
        }
      }
      cps[cp.cpdId] = { network, fixedIps, ...(macAddress ? { macAddress } : {}) };
    }
  }
  return { images, flavors, cps, scaleLevels };
}

/**
 * The uploaded image of each VDU that ships one. Instances instantiated before images were recorded
 * per VDU have only the list, in the order the VDUs were uploaded: map it back by that order.
 */
function recordedImages(env: LcmEnv, st: InternalState): Record<string, string> {
  if (Object.keys(st.imageByVdu).length > 0) return st.imageByVdu;
  const shipping = Object.values(env.flavour.vdus).filter((v) => v.swImage?.file);
  if (st.images.length !== shipping.length) return {};
  return Object.fromEntries(shipping.map((v, i) => [v.id, st.images[i] as string]));
}

/** Create (or, on a retry after a failure, reuse) the stack and wait for it. `created` is false when it was there. */
export async function createStack(env: LcmEnv, instanceId: string, request: InstantiateVnfRequest, scaleLevels: Record<string, number>) {
  const name = stackName(instanceId);
  const existing = await env.cloud.findStack(name);
  if (existing && existing.status === 'CREATE_COMPLETE') {
    env.progress.step('', `create stack ${name}`, 'skipped', `exists, ${existing.status}`);
    await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), stack: { id: existing.id, name } } }));
    return { stack: { id: existing.id, name }, created: false };
  }
  if (existing) {
    env.progress.info(`stack ${name} is ${existing.status}; deleting it before creating it again`);
    await env.cloud.deleteStack(existing);
    await env.cloud.waitStack(existing, 'DELETE_COMPLETE', env.options.timeoutMs);
  }
  const inputs = await resolveInputs(env, request, scaleLevels, instanceId, 'upload');
  const spec = await buildStackSpec(env.pkg, env.flavour, inputs);
  env.progress.step('', `create stack ${name}`, 'start');
  const stack = await env.cloud.createStack(name, spec, STACK_TIMEOUT_MINS);
  await env.store.updateInstance(instanceId, (r) => ({ ...r, internal: { ...internalOf(r), stack } }));
  await env.cloud.waitStack(stack, 'CREATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${name}: ${s}`));
  env.progress.step('', `create stack ${name}`, 'done', stack.id);
  return { stack, created: true };
}

/**
 * A retry after a kill can find the killed run's stack update still running; updating it again
 * now makes Heat cancel that one and fail ("Stack UPDATE cancelled"). Wait for it to end first,
 * whatever its outcome (the update that follows starts from either).
 */
export async function settleStack(env: LcmEnv, stack: StackRef): Promise<void> {
  const live = await env.cloud.findStack(stack.name);
  if (!live?.status.endsWith('_IN_PROGRESS')) return;
  env.progress.info(`stack ${stack.name} is ${live.status} (left by an interrupted run): waiting for it to end`);
  await env.cloud.waitStack(stack, live.status.replace('_IN_PROGRESS', '_COMPLETE'), env.options.timeoutMs).catch(() => undefined);
}

/** PATCH the stack's parameters for new scale levels (recorded images: nothing is uploaded, no server image changes). */
export async function updateScale(env: LcmEnv, stack: StackRef, request: InstantiateVnfRequest, instanceId: string, levels: Record<string, number>, what: string) {
  const inputs = await resolveInputs(env, request, levels, instanceId, 'reuse');
  const spec = await buildStackSpec(env.pkg, env.flavour, inputs);
  env.progress.step('', `update stack ${stack.name} (${what})`, 'start');
  await settleStack(env, stack);
  await env.cloud.updateStack(stack, { parameters: spec.parameters });
  await env.cloud.waitStack(stack, 'UPDATE_COMPLETE', env.options.timeoutMs, (s) => env.progress.info(`stack ${stack.name}: ${s}`));
  env.progress.step('', `update stack ${stack.name} (${what})`, 'done');
}

export async function removeStack(env: LcmEnv, stack: StackRef): Promise<void> {
  env.progress.step('', `delete stack ${stack.name}`, 'start');
  await env.cloud.deleteStack(stack);
  await env.cloud.waitStack(stack, 'DELETE_COMPLETE', env.options.timeoutMs);
  env.progress.step('', `delete stack ${stack.name}`, 'done');
}
