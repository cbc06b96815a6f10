/**
 * Which VNFCs are masters and workers, what they are called and which master is the main one.
 *
 * - Role: the VDU of the node parameters' `nic_cp_name` (else the VDU that the `aspect_id`
 *   scales, as the flavour's VduScalingAspectDeltas say).
 * - Name (Kubernetes node name and hostname): `master-<8 hex>` / `worker-<8 hex>` from the VNFC
 *   id — stable across a VNFC heal (the id survives it), unique (a clash gets more digits), never
 *   derived from an address. Names once given are kept in the instance metadata.
 * - Main master (kubeadm init): the one recorded in the metadata while it exists, else the oldest
 *   master (createdAt, then id).
 */
import { createHash } from 'node:crypto';
import { CliError, ExitCode } from '../../errors.js';
import type { VnfcRef } from '../contract.js';
import type { Flavour } from '../../package/model.js';

export type Role = 'master' | 'worker';

export interface NodeParamRef {
  aspect_id?: string;
  ssh_cp_name: string;
  nic_cp_name: string;
}

/** The VDU whose VNFCs have the given role. */
export function vduOf(flavour: Flavour, node: NodeParamRef, role: Role): string {
  const byCp = flavour.cps[node.nic_cp_name]?.vdu ?? flavour.cps[node.ssh_cp_name]?.vdu;
  if (byCp) return byCp;
  if (node.aspect_id) {
    const vdus = Object.keys(flavour.aspectDeltas[node.aspect_id] ?? {});
    if (vdus.length === 1) return vdus[0] as string;
  }
  throw new CliError(
    `${role}_node: cannot tell which VDU holds the ${role} nodes: nic_cp_name "${node.nic_cp_name}" is not a CP of flavour ${flavour.id}` +
      (node.aspect_id ? ` and aspect "${node.aspect_id}" does not scale exactly one VDU` : ''),
    ExitCode.invalidInput,
  );
}

export function byAge(a: VnfcRef, b: VnfcRef): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Split the VNFCs into masters and workers (each oldest first); other VDUs are ignored. */
export function classify(vnfcs: readonly VnfcRef[], masterVdu: string, workerVdu: string): { masters: VnfcRef[]; workers: VnfcRef[] } {
  if (masterVdu === workerVdu) throw new CliError(`master_node and worker_node name CPs of the same VDU ${masterVdu}`, ExitCode.invalidInput);
  return {
    masters: vnfcs.filter((v) => v.vduId === masterVdu).sort(byAge),
    workers: vnfcs.filter((v) => v.vduId === workerVdu).sort(byAge),
  };
}

/** The hex/alnum material a name is made of: the VNFC id without separators, lower case. */
function nameMaterial(vnfcId: string): string {
  const s = vnfcId.toLowerCase().replace(/[^a-z0-9]/g, '');
  return s.length >= 8 ? s : createHash('sha256').update(vnfcId).digest('hex');
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Node names for the given VNFCs: the recorded name when there is one (and it is still unique
 * among them), else `<role>-<first 8 chars of the VNFC id>`, lengthened until unique.
 */
export function assignNames(nodes: readonly { vnfc: VnfcRef; role: Role }[], recorded: Readonly<Record<string, string>> = {}): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const n of nodes) {
    const r = recorded[n.vnfc.id];
    if (r && NAME_RE.test(r) && !used.has(r)) {
      names.set(n.vnfc.id, r);
      used.add(r);
    }
  }
  const recordedNames = new Set(Object.values(recorded));
  for (const n of nodes) {
    if (names.has(n.vnfc.id)) continue;
    const m = nameMaterial(n.vnfc.id);
    let name = '';
    for (let len = 8; len <= Math.min(m.length, 40); len += 4) {
      const candidate = `${n.role}-${m.slice(0, len)}`;
      // a name recorded for another VNFC (e.g. one that is gone) is not reused either
      if (!used.has(candidate) && !recordedNames.has(candidate)) {
        name = candidate;
        break;
      }
    }
    if (!name) name = `${n.role}-${createHash('sha256').update(n.vnfc.id).digest('hex').slice(0, 40)}`;
    names.set(n.vnfc.id, name);
    used.add(name);
  }
  return names;
}

/** The main master: the recorded one while it is still a master, else the oldest. */
export function chooseMainMaster(masters: readonly VnfcRef[], recordedId?: string): VnfcRef {
  if (masters.length === 0) throw new CliError('the VNF has no master node (no VNFC of the master VDU)', ExitCode.runtime);
  const rec = recordedId ? masters.find((m) => m.id === recordedId) : undefined;
  return rec ?? ([...masters].sort(byAge)[0] as VnfcRef);
}
