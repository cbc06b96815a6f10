/**
 * Data for shell completion: the command table as src/cli/completion.ts needs it, and the ids of
 * the store (instances, VNFDs, operations, an instance's aspects and VNFCs). Read failures give no
 * candidates: completion must never print an error into the user's prompt.
 */
import type { Command } from '@oclif/core';
import type { CompletionCommand, IdSource } from '../../cli/completion.js';

export function completionTable(commands: readonly Command.Loadable[]): CompletionCommand[] {
  return commands
    .filter((c) => !c.hidden)
    .map((c) => ({
      id: c.id.replace(/:/g, ' '),
      flags: Object.entries(c.flags)
        .filter(([, f]) => !f.hidden)
        .map(([name, f]) => ({
          name,
          ...(f.char ? { char: f.char } : {}),
          takesValue: f.type === 'option',
          ...(f.type === 'option' && f.options ? { options: f.options } : {}),
          repeatable: f.type === 'option' && f.multiple === true,
          greedy: f.type === 'option' && f.multiple === true && f.multipleNonGreedy !== true,
        })),
      args: Object.entries(c.args).map(([name, a]) => (a.options ? { name, options: a.options.map(String) } : { name })),
      variadic: c.strict === false,
    }));
}

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
