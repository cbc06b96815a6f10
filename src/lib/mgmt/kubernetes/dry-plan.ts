/**
 * `instantiate --dry-run` of a Kubernetes cluster VNF: the per-node plan (plan.ts) the driver
 * would run, as data, without contacting any node. Nodes are named by role and position (their
 * real names come from VNFC ids that do not exist yet).
 */
import type { Flavour } from '../../package/model.js';
import type { Store } from '../../store/index.js';
import { loadScriptOverrides } from './install.js';
import { vduOf } from './nodes.js';
import { parseClusterParam } from './params.js';
import { planOperation, type NodePlanSpec } from './plan.js';
import { resolveRegistries } from './registries.js';

export async function dryRunPlan(
  o: { flavour: Flavour; request: Record<string, unknown>; packageRoot: string; store: Pick<Store, 'getInstance'> },
  count: (vduId: string) => number,
): Promise<NodePlanSpec[]> {
  const k8s = parseClusterParam(o.request);
  const masters = Array.from({ length: count(vduOf(o.flavour, k8s.master_node, 'master')) }, (_, i) => ({ name: `master-${i + 1}` }));
  const workers = Array.from({ length: count(vduOf(o.flavour, k8s.worker_node, 'worker')) }, (_, i) => ({ name: `worker-${i + 1}` }));
  const registries = await resolveRegistries(k8s.private_registry_connection_info, { store: o.store, packageRoot: o.packageRoot });
  const overrides = await loadScriptOverrides(o.packageRoot, k8s.script_path);
  return planOperation(
    'install',
    { masters, workers },
    new Set(),
    {
      runtime: k8s.container_runtime,
      registries: registries.map((r) => ({ server: r.server, secure: r.secure, ca: r.caFile !== undefined, auth: r.username !== undefined })),
      cniFile: overrides.cniLocalFile !== undefined,
    },
  );
}
