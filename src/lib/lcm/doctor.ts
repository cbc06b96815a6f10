/**
 * `vnflcm doctor`: is the store consistent with the clouds it points at? Checks every instance's
 * recorded stack against Heat, every `vnf-<uuid>` stack of those clouds against the store, the
 * VNFCs of each instance and its Kubernetes node list for duplicates (one server, address or node
 * name recorded twice), and the occurrences for ones left running or FAILED_TEMP. Returns findings, each with a hint; it changes
 * nothing except what every command does (reconciling occurrences whose process is gone).
 */
import { errorMessage } from '../errors.js';
import type { AuthFlagValues } from '../openstack/auth-options.js';
import type { Store, VnfInstanceRecord } from '../store/index.js';
import { internalOf } from './instance-state.js';
import { reconcileOps, resolveHint } from './op-occurrence.js';
import { instanceCloudFlags, openSelectedCloud } from './vim.js';

export interface Finding {
  check: 'stack' | 'orphan stack' | 'duplicate node' | 'occurrence' | 'cloud';
  subject: string;
  problem: string;
  hint: string;
}

const STACK_NAME = /^vnf-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export async function doctor(store: Store, flags: AuthFlagValues, opts: { cloud?: boolean } = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const instances = await store.listInstances();
  const byId = new Map(instances.map((r) => [r.id, r]));

  for (const op of await reconcileOps(store)) {
    if (op.operationState === 'STARTING' || op.operationState === 'PROCESSING' || op.operationState === 'ROLLING_BACK') {
      const who = op.owner ? `pid ${op.owner.pid} on ${op.owner.host}` : 'an unknown process';
      findings.push({
        check: 'occurrence',
        subject: op.id,
        problem: `${op.operation} of ${op.vnfInstanceId} is ${op.operationState} (run by ${who}, which this machine cannot see end)`,
        hint: `if that process is gone, 'vnflcm op list' on ${op.owner?.host ?? 'its host'} records it FAILED_TEMP`,
      });
    } else if (op.operationState === 'FAILED_TEMP' && byId.get(op.vnfInstanceId)?.activeOpId === op.id) {
      findings.push({
        check: 'occurrence',
        subject: op.id,
        problem: `${op.operation} of ${op.vnfInstanceId} is FAILED_TEMP: ${op.error?.title ?? op.error?.detail ?? 'failed'}`,
        hint: resolveHint(op.id, op.operation, op.operationParams),
      });
    }
  }

  for (const rec of instances) findings.push(...duplicateNodes(rec));

  if (opts.cloud !== false) findings.push(...(await cloudChecks(store, instances, flags)));
  return findings;
}

/** The same key twice in `items`: one finding per repeat, naming both. */
function repeats<T>(rec: VnfInstanceRecord, items: T[], label: (t: T) => string, key: (t: T) => string | undefined, what: string, hint: string): Finding[] {
  const first = new Map<string, string>();
  const out: Finding[] = [];
  for (const t of items) {
    const k = key(t);
    if (!k) continue;
    const other = first.get(k);
    if (other === undefined) {
      first.set(k, label(t));
      continue;
    }
    out.push({ check: 'duplicate node', subject: rec.id, problem: `${label(t)} and ${other} have the same ${what} ${k}`, hint });
  }
  return out;
}

/**
 * One VNFC recorded twice (same id, server or address), and one Kubernetes node recorded twice in
 * the cluster metadata (same node name, VNFC or address) — what a retried join could leave.
 */
function duplicateNodes(rec: VnfInstanceRecord): Finding[] {
  const vnfcs = ((rec.instantiatedVnfInfo?.vnfcResourceInfo ?? []) as Array<{
    id?: string;
    computeResource?: { resourceId?: string };
    vnfcCpInfo?: Array<{ cpProtocolInfo?: Array<{ ipOverEthernet?: { ipAddresses?: Array<{ addresses?: string[] }> } }> }>;
  }>).map((v) => ({
    id: v.id ?? '',
    server: v.computeResource?.resourceId,
    ips: (v.vnfcCpInfo ?? []).flatMap((cp) => (cp.cpProtocolInfo ?? []).flatMap((p) => (p.ipOverEthernet?.ipAddresses ?? []).flatMap((a) => a.addresses ?? []))),
  }));
  const heal = `'vnflcm heal ${rec.id}' re-creates the instance from its stored request`;
  const vnfc = (v: (typeof vnfcs)[number]) => `VNFC ${v.id}`;
  const addrs = vnfcs.flatMap((v) => [...new Set(v.ips)].map((ip) => ({ ...v, ip })));
  const k8s = rec.metadata?.kubernetes as { nodes?: Array<{ name?: string; vnfcId?: string; ip?: string }> } | undefined;
  const nodes = Array.isArray(k8s?.nodes) ? k8s.nodes : [];
  const node = (n: (typeof nodes)[number]) => `Kubernetes node ${n.name ?? '?'}${n.vnfcId ? ` (VNFC ${n.vnfcId})` : ''}`;
  const rejoin = `'vnflcm heal ${rec.id}' with the VNFC ids concerned re-joins those nodes`;
  return [
    ...repeats(rec, vnfcs, vnfc, (v) => v.id || undefined, 'id', heal),
    ...repeats(rec, vnfcs, vnfc, (v) => v.server, 'server', heal),
    ...repeats(rec, addrs, vnfc, (v) => v.ip, 'address', heal),
    ...repeats(rec, nodes, node, (n) => n.name, 'node name', rejoin),
    ...repeats(rec, nodes, node, (n) => n.vnfcId, 'VNFC', rejoin),
    ...repeats(rec, nodes, node, (n) => n.ip, 'address', rejoin),
  ];
}

async function cloudChecks(store: Store, instances: VnfInstanceRecord[], flags: AuthFlagValues): Promise<Finding[]> {
  const findings: Finding[] = [];
  // One visit per cloud: the instances' recorded clouds, and the operator's own (for orphan stacks).
  const groups = new Map<string, { vimRef: string | undefined; flags: AuthFlagValues; instances: VnfInstanceRecord[] }>();
  const add = (vimRef: string | undefined, f: AuthFlagValues, rec?: VnfInstanceRecord) => {
    const key = JSON.stringify([vimRef ?? null, f['os-cloud'] ?? process.env.OS_CLOUD ?? null, f['os-auth-url'] ?? null]);
    const g = groups.get(key) ?? { vimRef, flags: f, instances: [] };
    if (rec) g.instances.push(rec);
    groups.set(key, g);
  };
  for (const rec of instances) {
    const st = internalOf(rec);
    if (!st.stack && !st.cloud) continue;
    const c = instanceCloudFlags(rec, flags);
    add(c.vimRef, c.flags, rec);
  }
  if (flags['os-cloud'] || process.env.OS_CLOUD || flags['os-auth-url'] || process.env.OS_AUTH_URL) add(undefined, flags);
  const ids = new Set(instances.map((r) => r.id));
  for (const g of groups.values()) {
    let cloud;
    try {
      cloud = (await openSelectedCloud(store, g.vimRef, g.flags)).cloud;
    } catch (err) {
      findings.push({
        check: 'cloud',
        subject: g.vimRef ?? String(g.flags['os-cloud'] ?? process.env.OS_CLOUD ?? 'default cloud'),
        problem: `cannot check: ${errorMessage(err)}`,
        hint: 'fix the credentials or pass --os-cloud',
      });
      continue;
    }
    const stacks = await cloud.heat.listStacks();
    const live = new Map(stacks.map((s) => [s.stack_name, s]));
    for (const rec of g.instances) {
      const st = internalOf(rec);
      if (!st.stack) continue;
      const s = live.get(st.stack.name);
      if (!s || s.id !== st.stack.id) {
        findings.push({
          check: 'stack',
          subject: rec.id,
          problem: `records stack ${st.stack.name} (${st.stack.id}), which is ${s ? `replaced by ${s.id}` : 'not in Heat'}`,
          hint: rec.instantiationState === 'INSTANTIATED' ? `'vnflcm heal ${rec.id}' re-creates it; 'vnflcm terminate ${rec.id}' forgets it` : `'vnflcm terminate ${rec.id}' forgets it`,
        });
      }
    }
    for (const s of stacks) {
      const m = STACK_NAME.exec(s.stack_name);
      if (!m?.[1] || ids.has(m[1])) continue;
      findings.push({
        check: 'orphan stack',
        subject: s.stack_name,
        problem: `stack ${s.id} (${s.stack_status}) has no VNF instance in this store`,
        hint: `if no other store owns it: 'openstack stack delete ${s.id}'`,
      });
    }
  }
  return findings;
}
