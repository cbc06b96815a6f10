/**
 * Data for shell completion: the ids of the store (instances, VNFDs, operations, an instance's
 * aspects and VNFCs). Read failures give no candidates: completion must never print an error into
 * the user's prompt. (The command table comes from oclif: src/cli/completion.ts.)
 */

/** Which kind of id an argument or flag completes to. */
export type IdSource = 'instances' | 'vnfds' | 'ops' | 'aspects' | 'vnfcs';

export async function resolveIds(source: IdSource, instance?: string): Promise<string[]> {
  try {
    const { Store } = await import('../store/index.js');
    const store = await Store.open();
    switch (source) {
      case 'instances':
        return (await store.listInstances()).map((i) => i.id);
      case 'vnfds':
        return (await store.listPackages()).map((p) => p.vnfdId);
      case 'ops':
        return (await store.listOps()).map((o) => o.id);
      case 'vnfcs': {
        const rec = instance ? await store.getInstance(instance) : undefined;
        const vnfcs = rec?.instantiatedVnfInfo?.vnfcResourceInfo;
        return Array.isArray(vnfcs) ? vnfcs.map((v: { id?: unknown }) => String(v.id ?? '')).filter((s) => s !== '') : [];
      }
      case 'aspects': {
        const rec = instance ? await store.getInstance(instance) : undefined;
        if (!rec) return [];
        const { loadPackage } = await import('../lcm/packages.js');
        const { model } = await loadPackage(store, rec.vnfdId);
        const flavourId = rec.instantiatedVnfInfo?.flavourId;
        const flavours = typeof flavourId === 'string' && model.flavours[flavourId] ? [model.flavours[flavourId]] : Object.values(model.flavours);
        return [...new Set(flavours.flatMap((f) => Object.keys(f.scalingAspects)))].sort();
      }
    }
  } catch {
    return [];
  }
}
