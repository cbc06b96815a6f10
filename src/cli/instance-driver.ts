/**
 * Which management driver an instance's VNF uses, so that heal/scale --additional-param-file is
 * checked against that driver's keys. Undefined when the instance or its package is not known
 * (the operation then reports that itself) or the flavour names no known driver.
 */
import type { Driver } from '../lib/params/validate.js';
import type { Store } from '../lib/store/index.js';

export async function instanceDriver(store: Store, instanceId: string): Promise<Driver | undefined> {
  const rec = await store.getInstance(instanceId);
  if (!rec || !(await store.getPackage(rec.vnfdId))) return undefined;
  const { loadPackage } = await import('../lib/lcm/packages.js');
  const { flavourDriver } = await import('../lib/params/validate.js');
  const { model } = await loadPackage(store, rec.vnfdId);
  const flavourId = rec.instantiatedVnfInfo?.flavourId;
  const flavours = typeof flavourId === 'string' && model.flavours[flavourId] ? [model.flavours[flavourId]] : Object.values(model.flavours);
  const drivers = new Set(flavours.map(flavourDriver));
  return drivers.size === 1 ? [...drivers][0] : undefined;
}
