/**
 * Writing VIM records: the one read-modify-write of a VIM, under the store's `vims` lock. Used by
 * `vnflcm vim register` (lcm/vim.ts) and by the Kubernetes driver registering its cluster.
 */
import type { Store, VimRecord } from './index.js';

/**
 * The one way a VIM record is written: under the store's `vims` lock, `build` sees the current
 * record of that name (or undefined), may refuse by throwing, and returns the record to store.
 */
export async function saveVim(store: Pick<Store, 'withLock' | 'getVim' | 'putVim'>, name: string, build: (existing: VimRecord | undefined) => VimRecord | Promise<VimRecord>): Promise<VimRecord> {
  return store.withLock('vims', async () => {
    const rec = await build(await store.getVim(name));
    await store.putVim(rec);
    return rec;
  });
}
