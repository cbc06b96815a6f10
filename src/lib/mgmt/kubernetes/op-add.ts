/**
 * scale_end (SCALE_OUT) and heal_end (single VNFCs): the new or replaced nodes get their whole
 * plan (join with fresh join data from a master; a replaced node first loses its stale node
 * object); the other nodes get the hosts block, and the masters haproxy/keepalived when masters
 * were added (plan.ts `scale-out` / `heal`).
 */
import type { HookContext } from '../contract.js';
import { executePlans, planInput } from './execute.js';
import { planOperation } from './plan.js';
import { proxyFor } from './op-install.js';
import { Run, firstLine, type DriverDeps } from './run.js';
import type { JoinInfo } from './install.js';

export async function addNodes(ctx: HookContext, deps: DriverDeps, addedIds: readonly string[], o: { heal: boolean; title: string }): Promise<void> {
  const run = await Run.open(ctx, deps, { registries: true });
  try {
    run.setTopology(await ctx.vnfcs());
    const added = new Set(addedIds);
    const fresh = run.all.filter((n) => added.has(n.vnfc.id));
    if (fresh.length === 0) {
      ctx.progress.info(`${o.title}: no new Kubernetes node (VNFCs ${addedIds.join(', ') || 'none'})`);
      return;
    }
    const endpointHost = (run.meta.controlPlaneEndpoint ?? run.main.ip).replace(/:\d+$/, '');
    run.proxy = proxyFor(run, endpointHost);
    await run.saveMeta();

    const control = await run.controlMaster(added);
    // the new nodes prepare (runtime, packages) while a master makes the join data
    const step = 'join data (token, CA hash, certificate key)';
    ctx.progress.step(control.node.name, step, 'start');
    const joinData: Promise<JoinInfo> = run.joinInfo(control.node, control.host).then(
      (j) => {
        ctx.progress.step(control.node.name, step, 'done', j.apiServer);
        return j;
      },
      (err: unknown) => {
        ctx.progress.step(control.node.name, step, 'failed', firstLine(err));
        throw err;
      },
    );
    joinData.catch(() => undefined);

    const specs = planOperation(o.heal ? 'heal' : 'scale-out', run, new Set(fresh.map((n) => n.name)), planInput(run), { ha: run.meta.vip !== undefined });
    await executePlans(run, specs, run.hostsLines(run.all), {
      joinData: () => joinData,
      // in a scale-out the new node's prepare is the critical path: not niced
      prepare: { endpoint: run.meta.controlPlaneEndpoint, background: false },
      haMasters: run.masters,
      ...(o.heal ? { control: control.host } : {}),
      heal: o.heal,
    });
    run.finish(o.title);
  } finally {
    await run.closeAll();
  }
}
