/**
 * The Kubernetes driver's operations as data: for every node an ordered list of named steps.
 * This module only decides WHICH steps a node gets (pure, unit-tested, printed by --dry-run);
 * node-steps.ts gives each step its check and apply, and `runPlans` (remote/steps.ts) runs them.
 *
 *   install   (instantiate, heal of the entire VNF)  every node gets everything: init on the main
 *             master, joins elsewhere.
 *   scale-out the new nodes get everything (join); the existing nodes get the hosts block (and the
 *             masters haproxy/keepalived when masters were added).
 *   heal      the replaced nodes get everything (join, after removing the stale node object); the
 *             other nodes get the hosts block (usually unchanged: then skipped), the masters
 *             haproxy/keepalived when a master was replaced.
 *   scale-in  the remaining nodes get the hosts block (and masters haproxy/keepalived when a
 *             master left); draining and deleting the removed nodes is cluster-side (remove.ts).
 *
 * A file step writes one node file rendered whole (render.ts); only containerd-config and
 * docker-daemon mark the runtime for the one restart (runtime-restart) — containerd and docker
 * read certs.d and kubelet's credentials without a restart.
 */
import type { Role } from './nodes.js';

export type StepKind =
  | 'stale-node'
  | 'hosts-block'
  | 'runtime-packages'
  | 'cni-manifest'
  | 'containerd-config'
  | 'registry-hosts'
  | 'registry-ca'
  | 'kubelet-credentials'
  | 'docker-daemon'
  | 'runtime-restart'
  | 'docker-login'
  | 'kubeadm-init'
  | 'kubeadm-join'
  | 'ha-config'
  | 'registry-check';

/** One planned step: `name` is what the operator sees (`registry-hosts/10.0.0.5:5000`). */
export interface PlannedStep {
  kind: StepKind;
  name: string;
  /** The registry a per-registry step is about. */
  server?: string;
}

/** What a node has to go through in this operation. */
export type NodeWork = 'init' | 'join' | 'rejoin' | 'refresh' | 'refresh-ha';

export interface PlanNodeInput {
  name: string;
  role: Role;
  work: NodeWork;
}

/** The registry facts the plan depends on (no secrets). */
export interface PlanRegistry {
  server: string;
  secure: boolean;
  ca: boolean;
  auth: boolean;
}

export interface PlanInput {
  runtime: 'containerd' | 'docker';
  registries: readonly PlanRegistry[];
  /** The package brings its own CNI manifest (uploaded to the main master before init). */
  cniFile: boolean;
}

export interface NodePlanSpec {
  node: string;
  role: Role;
  work: NodeWork;
  steps: PlannedStep[];
}

const s = (kind: StepKind, server?: string): PlannedStep => ({ kind, name: server ? `${kind}/${server}` : kind, ...(server ? { server } : {}) });

/** The steps of one node, in order. */
export function planNode(n: PlanNodeInput, input: PlanInput): PlannedStep[] {
  if (n.work === 'refresh') return [s('hosts-block')];
  if (n.work === 'refresh-ha') return [s('hosts-block'), s('ha-config')];
  const docker = input.runtime === 'docker';
  const steps: PlannedStep[] = [];
  if (n.work === 'rejoin') steps.push(s('stale-node'));
  steps.push(s('hosts-block'), s('runtime-packages'));
  if (n.work === 'init' && input.cniFile) steps.push(s('cni-manifest'));
  steps.push(s('containerd-config'));
  for (const r of input.registries) steps.push(s('registry-hosts', r.server));
  for (const r of input.registries) if (r.ca) steps.push(s('registry-ca', r.server));
  steps.push(s('kubelet-credentials'));
  if (docker) steps.push(s('docker-daemon'));
  steps.push(s('runtime-restart'));
  if (docker) for (const r of input.registries) if (r.auth) steps.push(s('docker-login', r.server));
  steps.push(s(n.work === 'init' ? 'kubeadm-init' : 'kubeadm-join'));
  for (const r of input.registries) steps.push(s('registry-check', r.server));
  return steps;
}

export interface ClusterShape {
  /** Main master first. */
  masters: readonly { name: string }[];
  workers: readonly { name: string }[];
}

/** Every node's plan for an operation. `changed` = the nodes added (scale-out), replaced (heal) or removed (scale-in). */
export function planOperation(
  op: 'install' | 'scale-out' | 'heal' | 'scale-in',
  shape: ClusterShape,
  changed: ReadonlySet<string>,
  input: PlanInput,
  o: { ha?: boolean } = {},
): NodePlanSpec[] {
  const nodes = [...shape.masters.map((m) => ({ ...m, role: 'master' as const })), ...shape.workers.map((w) => ({ ...w, role: 'worker' as const }))];
  const mastersChanged = shape.masters.some((m) => changed.has(m.name));
  const work = (n: { name: string; role: Role }, i: number): NodeWork | undefined => {
    switch (op) {
      case 'install':
        return i === 0 ? 'init' : 'join';
      case 'scale-out':
      case 'heal':
        if (changed.has(n.name)) return op === 'heal' ? 'rejoin' : 'join';
        return n.role === 'master' && mastersChanged && o.ha ? 'refresh-ha' : 'refresh';
      case 'scale-in':
        if (changed.has(n.name)) return undefined;
        return n.role === 'master' && mastersChanged && o.ha ? 'refresh-ha' : 'refresh';
    }
  };
  const out: NodePlanSpec[] = [];
  nodes.forEach((n, i) => {
    const w = work(n, i);
    if (w) out.push({ node: n.name, role: n.role, work: w, steps: planNode({ ...n, work: w }, input) });
  });
  return out;
}
