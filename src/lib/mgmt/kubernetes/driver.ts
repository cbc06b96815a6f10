/**
 * Built-in management driver `mgmt-drivers-kubernetes`: a kubeadm Kubernetes cluster on the VNF's
 * VMs whose nodes pull from private registries (Tacker's `kubernetes_mgmt.py` +
 * `install_k8s_cluster.sh`, without their flaws: shell text built from parameters, files with two
 * writers, no re-run).
 *
 *   instantiate_end   install the cluster (op-install.ts), register it as a VIM
 *   scale_start       SCALE_IN: drain + delete the workers Heat will remove (masters: etcd too),
 *                     their lines leave every node's hosts block. SCALE_OUT: refuse adding masters
 *                     to a cluster without a virtual IP.
 *   scale_end         SCALE_OUT: join the new nodes in parallel, registries, hosts everywhere
 *   heal_start        entire: deregister the VIM. VNFCs: take the nodes out of the cluster
 *                     (refused for the only master: heal the entire VNF instead)
 *   heal_end          entire: install the new cluster. VNFCs: the new VMs join again
 *   terminate_end     deregister the VIM
 *
 * Differences from Tacker: parallel workers, progress per node and a summary table; names from
 * the VNFC id (not the last octet) and a persisted main master; one managed /etc/hosts block;
 * containerd (default) with certs.d hosts.toml and kubelet credentials, or docker; registry
 * passwords never on a command line, no default credentials, and a pull check per node against
 * each registry; NO_PROXY with CIDRs (no enumeration); pinned versions.
 */
import { CliError, ExitCode } from '../../errors.js';
import type { HookContext, MgmtDriver } from '../contract.js';
import { addNodes } from './op-add.js';
import { installCluster } from './op-install.js';
import { removeNodes } from './op-remove.js';
import { forgetCluster } from './op-terminate.js';
import type { DriverDeps, KubernetesMeta } from './run.js';
import { vduOf } from './nodes.js';
import { parseClusterParam } from './params.js';

export type { DriverDeps } from './run.js';

function scaleOf(ctx: HookContext): NonNullable<HookContext['scale']> {
  if (!ctx.scale) throw new CliError(`${ctx.hook}: the scale details are missing`, ExitCode.runtime);
  return ctx.scale;
}

/** Adding masters needs the virtual IP (complex flavour); a single-master cluster cannot grow its control plane. */
function refuseMasterScaleWithoutVip(ctx: HookContext): void {
  const s = scaleOf(ctx);
  const k8s = parseClusterParam(ctx.request);
  const masterVdu = vduOf(ctx.flavour, k8s.master_node, 'master');
  const scalesMasters = k8s.master_node.aspect_id === s.aspectId || Object.keys(ctx.flavour.aspectDeltas[s.aspectId] ?? {}).includes(masterVdu);
  const meta = ((ctx.instance.metadata ?? {}) as { kubernetes?: KubernetesMeta }).kubernetes;
  if (scalesMasters && !meta?.vip) {
    throw new CliError(
      `Aspect ${s.aspectId} scales the master nodes, but this cluster has a single API endpoint (${meta?.controlPlaneEndpoint ?? 'the first master'}), no virtual IP: ` +
        'its control plane cannot grow or shrink. Scale the worker aspect, or use a flavour with a VIP (complex).',
      ExitCode.usage,
    );
  }
}

export function createKubernetesDriver(deps: DriverDeps = {}): MgmtDriver {
  return {
    instantiate_end: (ctx) => installCluster(ctx, deps, 'instantiate'),
    scale_start: async (ctx) => {
      const s = scaleOf(ctx);
      refuseMasterScaleWithoutVip(ctx);
      if (s.type !== 'SCALE_IN') return;
      await removeNodes(
        ctx,
        deps,
        s.removed.map((v) => v.id),
        { heal: false, title: `scale in ${s.aspectId} by ${s.steps}` },
      );
    },
    scale_end: async (ctx) => {
      const s = scaleOf(ctx);
      if (s.type !== 'SCALE_OUT') return;
      await addNodes(
        ctx,
        deps,
        s.added.map((v) => v.id),
        { heal: false, title: `scale out ${s.aspectId} by ${s.steps}` },
      );
    },
    heal_start: async (ctx) => {
      if (!ctx.heal || ctx.heal.entire || ctx.heal.vnfcIds.length === 0) {
        await forgetCluster(ctx, 'heal (entire VNF)');
        return;
      }
      await removeNodes(ctx, deps, ctx.heal.vnfcIds, { heal: true, title: 'heal: take the nodes out of the cluster' });
    },
    heal_end: async (ctx) => {
      if (!ctx.heal || ctx.heal.entire || ctx.heal.vnfcIds.length === 0) {
        await installCluster(ctx, deps, 'heal (entire VNF)');
        return;
      }
      await addNodes(ctx, deps, ctx.heal.vnfcIds, { heal: true, title: 'heal: nodes joined again' });
    },
    terminate_end: (ctx) => forgetCluster(ctx, 'terminate'),
  };
}

export const kubernetesDriver: MgmtDriver = createKubernetesDriver();
