/** `create --I`: instantiate right after creating (the instance exists even if this fails). */
import type { Store } from '../store/index.js';
import type { OpFlags } from './run.js';

export async function instantiateFromCreate(store: Store, id: string, paramFile: string, flags: OpFlags): Promise<void> {
  const { runInstantiate } = await import('./run.js');
  let first = true;
  await runInstantiate(store, id, paramFile, flags, (line) => {
    if (first) {
      first = false;
      process.stdout.write(`VNF Instance ${id} is created and instantiation request has been accepted.\n`);
      return;
    }
    process.stderr.write(`${line}\n`);
  });
}
