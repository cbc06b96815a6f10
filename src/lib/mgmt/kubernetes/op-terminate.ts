/**
 * terminate_end and heal_start (entire VNF): the cluster's VIM is deregistered; nothing happens
 * inside the cluster (its VMs are about to go).
 */
import type { HookContext } from '../contract.js';
import { parseClusterParam } from './params.js';
import type { KubernetesMeta } from './run.js';
import { deregisterVim } from './vim.js';

/** terminate_end and heal_start (entire): deregister the cluster's VIM; nothing happens inside the cluster. */
export async function forgetCluster(ctx: HookContext, title: string): Promise<void> {
  const meta = { ...(((ctx.instance.metadata ?? {}) as { kubernetes?: KubernetesMeta }).kubernetes ?? {}) };
  let vimName = meta.vimName;
  if (!vimName) {
    try {
      vimName = parseClusterParam(ctx.request).vim_name;
    } catch {
      /* the default name below */
    }
  }
  vimName ??= `kubernetes_vim_${ctx.instance.id}`;
  const said = await deregisterVim(ctx, vimName);
  ctx.progress.step('', 'deregister Kubernetes VIM', 'done', said);
  delete meta.vimId;
  delete meta.apiServer;
  await ctx.setMetadata({ kubernetes: meta });
  ctx.progress.info(`${title}: ${said}`);
}
