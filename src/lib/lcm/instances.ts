/** VNF instance records: create, find, delete — the parts of the LCM API that need no cloud. */
import { randomUUID } from 'node:crypto';
import { CliError } from '../errors.js';
import type { Store, VnfInstanceRecord } from '../store/index.js';

export interface CreateInstanceInput {
  vnfdId: string;
  name?: string;
  description?: string;
}

/** Tacker's message for an unknown VNFD (its own spacing kept). */
export function vnfdNotFound(vnfdId: string): CliError {
  return new CliError(`Can not find requested to NFVO,                         vnf package info: vnfdId=[${vnfdId}]`);
}

export function instanceNotFound(id: string): CliError {
  return new CliError(`Can not find requested vnf instance: ${id}`);
}

/** Tacker's 409 wording for an operation refused in the instance's current state. */
export function wrongState(id: string, attr: string, state: string, action: string): CliError {
  return new CliError(`Vnf instance ${id} in ${attr} ${state}. Cannot ${action} while the vnf instance is in this state.`);
}

export async function createInstance(store: Store, input: CreateInstanceInput): Promise<VnfInstanceRecord> {
  const pkg = await store.getPackage(input.vnfdId);
  if (!pkg) throw vnfdNotFound(input.vnfdId);
  const id = randomUUID();
  const rec: VnfInstanceRecord = {
    id,
    // `--name ""` is omitted from the request by the real client, so the default applies.
    vnfInstanceName: input.name ? input.name : `vnf-${id}`,
    vnfInstanceDescription: input.description ? input.description : null,
    vnfdId: pkg.vnfdId,
    vnfPkgId: pkg.id,
    vnfProvider: pkg.vnfProvider,
    vnfProductName: pkg.vnfProductName,
    vnfSoftwareVersion: pkg.vnfSoftwareVersion,
    vnfdVersion: pkg.vnfdVersion,
    instantiationState: 'NOT_INSTANTIATED',
    vimConnectionInfo: [],
    createdAt: new Date().toISOString(),
    activeOpId: null,
  };
  await store.createInstance(rec);
  return rec;
}

export async function getInstance(store: Store, id: string): Promise<VnfInstanceRecord> {
  const rec = await store.getInstance(id);
  if (!rec) throw instanceNotFound(id);
  return rec;
}

/** Delete one instance record; refused while INSTANTIATED or while an operation runs on it. */
export async function deleteInstance(store: Store, id: string): Promise<void> {
  await store.withLock(`instance-${id}`, async () => {
    const rec = await store.getInstance(id);
    if (!rec) throw instanceNotFound(id);
    const { blockingReason } = await import('./op-occurrence.js');
    const blocked = await blockingReason(store, rec, 'delete');
    if (blocked) throw blocked;
    if (rec.instantiationState !== 'NOT_INSTANTIATED') {
      throw wrongState(id, 'instantiation_state', rec.instantiationState, 'delete');
    }
    const stack = (rec.internal as { stack?: { name: string } } | undefined)?.stack;
    if (stack) {
      throw new CliError(
        `Vnf instance ${id} still has stack ${stack.name} from a failed instantiate. Run 'vnflcm terminate ${id}' to delete it first.`,
      );
    }
    await store.deleteInstance(id);
  });
}
