/**
 * `instantiate|scale|heal --dry-run` of a Kubernetes cluster VNF: the per-node plan (plan.ts) the
 * driver would run, as data, without contacting any node. Nodes that do not exist yet are named
 * by role and position (their real names come from VNFC ids Heat has not made yet); existing nodes
 * by the names recorded in the instance.
 */
import { CliError, ExitCode } from '../../errors.js';
import type { Flavour } from '../../package/model.js';
import type { InstantiateVnfRequest } from '../../params/schema.js';
import type { Store } from '../../store/index.js';
import { loadScriptOverrides } from './install.js';
import { vduOf } from './nodes.js';
import { parseClusterParam } from './params.js';
import { planOperation, type NodePlanSpec, type PlanInput } from './plan.js';
import type { KubernetesMeta } from './run.js';
import { resolveRegistries } from './registries.js';

export async function dryRunPlan(
  o: { flavour: Flavour; request: InstantiateVnfRequest; packageRoot: string; store: Pick<Store, 'getInstance'> },
  count: (vduId: string) => number,
): Promise<NodePlanSpec[]> {
  const k8s = parseClusterParam(o.request);
  const input = await planInputOf(o);
  const masters = Array.from({ length: count(vduOf(o.flavour, k8s.master_node, 'master')) }, (_, i) => ({ name: `master-${i + 1}` }));
  const workers = Array.from({ length: count(vduOf(o.flavour, k8s.worker_node, 'worker')) }, (_, i) => ({ name: `worker-${i + 1}` }));
  return planOperation(
    'install',
    { masters, workers },
    new Set(),
    input,
  );
}

type PlanSource = { request: InstantiateVnfRequest; packageRoot: string; store: Pick<Store, 'getInstance'> };

async function planInputOf(o: PlanSource): Promise<PlanInput> {
  const k8s = parseClusterParam(o.request);
  const registries = await resolveRegistries(k8s.private_registry_connection_info, { store: o.store, packageRoot: o.packageRoot });
  const overrides = await loadScriptOverrides(o.packageRoot, k8s.script_path);
  return {
    runtime: k8s.container_runtime,
    registries: registries.map((r) => ({ server: r.server, secure: r.secure, ca: r.caFile !== undefined, auth: r.username !== undefined })),
    cniFile: overrides.cniLocalFile !== undefined,
  };
}

export type ChangeOp = { op: 'scale-out' | 'scale-in'; aspectId: string; steps: number } | { op: 'heal'; vnfcIds: readonly string[] };

/**
 * The plans of a scale or heal of an instantiated cluster. Scale-in removes nodes Heat chooses
 * (the oldest members) at run time: every current node of the aspect's role is listed with its
 * hosts-block step, and `removed` says how many go.
 */
export async function dryRunChangePlan(o: PlanSource & { flavour: Flavour; meta: KubernetesMeta | undefined }, change: ChangeOp): Promise<{ plans: NodePlanSpec[]; removed?: string }> {
  const nodes = o.meta?.nodes;
  if (!nodes?.length) throw new CliError('the instance records no Kubernetes nodes (was its instantiate_end completed?)', ExitCode.invalidInput);
  const k8s = parseClusterParam(o.request);
  const input = await planInputOf(o);
  const masters = nodes.filter((n) => n.role === 'master').map((n) => ({ name: n.name, vnfcId: n.vnfcId }));
  const workers = nodes.filter((n) => n.role === 'worker').map((n) => ({ name: n.name, vnfcId: n.vnfcId }));
  const mainFirst = masters.sort((a, b) => (a.vnfcId === o.meta?.mainMasterVnfcId ? -1 : b.vnfcId === o.meta?.mainMasterVnfcId ? 1 : 0));
  const ha = { ha: o.meta?.vip !== undefined };
  if (change.op === 'heal') {
    const changed = new Set(nodes.filter((n) => change.vnfcIds.includes(n.vnfcId)).map((n) => n.name));
    if (changed.size === 0) throw new CliError(`none of the VNFCs ${change.vnfcIds.join(', ')} is a node of the cluster`, ExitCode.invalidInput);
    return { plans: planOperation('heal', { masters: mainFirst, workers }, changed, input, ha) };
  }
  const masterVdu = vduOf(o.flavour, k8s.master_node, 'master');
  const deltas = o.flavour.aspectDeltas[change.aspectId] ?? {};
  const count = (role: 'master' | 'worker'): number =>
    Object.entries(deltas)
      .filter(([vdu]) => (vdu === masterVdu) === (role === 'master'))
      .reduce((sum, [, d]) => sum + d * change.steps, 0);
  if (change.op === 'scale-in') {
    const removed = `${count('master')} master(s), ${count('worker')} worker(s): the oldest members of aspect ${change.aspectId}`;
    return { plans: planOperation('scale-in', { masters: mainFirst, workers }, new Set(), input, ha), removed };
  }
  const newMasters = Array.from({ length: count('master') }, (_, i) => ({ name: `new-master-${i + 1}` }));
  const newWorkers = Array.from({ length: count('worker') }, (_, i) => ({ name: `new-worker-${i + 1}` }));
  const changed = new Set([...newMasters, ...newWorkers].map((n) => n.name));
  return { plans: planOperation('scale-out', { masters: [...mainFirst, ...newMasters], workers: [...workers, ...newWorkers] }, changed, input, ha) };
}
