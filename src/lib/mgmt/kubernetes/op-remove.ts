/**
 * scale_start (SCALE_IN) and heal_start (single VNFCs): take nodes out of the cluster, as steps
 * run on a master that stays (drain + delete for workers; etcd member removal + delete for
 * masters, one at a time), then the remaining nodes' plans (plan.ts `scale-in`): their hosts
 * block without the removed nodes, haproxy/keepalived of the masters when a master left.
 * Scale-in drains strictly (a failed drain stops the operation before Heat removes anything);
 * heal drains best-effort (the node is usually broken) and keeps the hosts lines (the VNFC comes
 * back under the same name).
 */
import { CliError, ExitCode } from '../../errors.js';
import type { HookContext } from '../contract.js';
import type { RemoteHost } from '../../remote/index.js';
import { runPlans, type Step } from '../../remote/steps.js';
import { executePlans, planInput, progressOf } from './execute.js';
import { kubectl, kubectlChecked, nodeExists } from './node-ops.js';
import { planOperation } from './plan.js';
import { Run, type ClusterNode, type DriverDeps } from './run.js';

export async function removeNodes(ctx: HookContext, deps: DriverDeps, goneIds: readonly string[], o: { heal: boolean; title: string }): Promise<void> {
  // registries are not needed here (their hosts lines come from the parameters), so a registry VNF
  // that is gone by now does not stop a scale-in
  const run = await Run.open(ctx, deps, { registries: false });
  try {
    run.setTopology(await ctx.vnfcs());
    const goneSet = new Set(goneIds);
    const gone = run.all.filter((n) => goneSet.has(n.vnfc.id));
    if (gone.length === 0) {
      ctx.progress.info(`${o.title}: no Kubernetes node among VNFCs ${goneIds.join(', ') || '(none)'}`);
      return;
    }
    const goneMasters = gone.filter((n) => n.role === 'master');
    if (goneMasters.length > 0 && goneMasters.length >= run.masters.length) {
      throw new CliError(
        run.masters.length === 1
          ? `${goneMasters[0]?.name} is the only master node: healing or removing it would destroy the cluster. ` +
              'Heal the entire VNF instead (heal without --vnfc / vnfcInstanceId): the cluster is rebuilt on new VMs.'
          : `Every master node (${goneMasters.map((m) => m.name).join(', ')}) would be removed at once; at least one must stay. ` +
              'Heal them one at a time, or heal the entire VNF.',
        ExitCode.usage,
      );
    }
    const control = await run.controlMaster(goneSet);
    const results = await runPlans(
      gone.map((n) => ({ node: n.name, steps: removalSteps(control, n, o.heal, (l) => ctx.progress.info(l)), host: async () => control.host })),
      { concurrency: run.concurrency, ...progressOf(ctx.progress) },
    );
    for (const res of results) {
      const n = run.byName(res.node);
      const row = run.row(n);
      row.registries = '-';
      const done = res.reports.filter((r) => r.status === 'done').map((r) => r.detail ?? r.name);
      row.result = res.reports.length > 0 && res.reports.every((r) => r.status === 'skipped') ? 'not in the cluster' : done.join(', ');
      if (res.error !== undefined) run.fail(n, res.error);
    }

    const remaining = run.all.filter((n) => !goneSet.has(n.vnfc.id));
    const changed = new Set(gone.map((n) => n.name));
    let specs = planOperation('scale-in', run, changed, planInput(run), { ha: run.meta.vip !== undefined });
    // a heal keeps every hosts line (the node comes back): only haproxy/keepalived may change
    if (o.heal) specs = specs.filter((s) => s.work === 'refresh-ha');
    if (specs.length > 0) {
      await executePlans(run, specs, run.hostsLines(o.heal ? run.all : remaining), { joinData: () => Promise.reject(new Error('no joins here')), haMasters: run.masters.filter((m) => !changed.has(m.name)) });
    }
    if (!o.heal && run.failures.length === 0) await run.saveMeta({}, remaining);
    run.finish(o.title);
  } finally {
    await run.closeAll();
  }
}

/** The steps that take one node out of the cluster, run on the control master. */
function removalSteps(control: { node: ClusterNode; host: RemoteHost }, n: ClusterNode, heal: boolean, info: (line: string) => void): Step<RemoteHost>[] {
  const gone = async (h: RemoteHost): Promise<boolean> => !(await nodeExists(h, n.name));
  const deleteNode: Step<RemoteHost> = {
    name: 'delete-node',
    check: gone,
    apply: async (h) => {
      await kubectlChecked(h, ['delete', 'node', n.name], { step: `delete node ${n.name}` });
    },
    detail: () => 'deleted',
  };
  if (n.role === 'master') {
    let said = '';
    return [
      {
        name: 'etcd-member',
        check: async () => (await etcdMemberOf(control, n.name)) === undefined,
        apply: async () => {
          said = await removeEtcdMember(control, n.name);
        },
        exclusive: 'etcd',
        detail: () => said || undefined,
      },
      deleteNode,
    ];
  }
  const drainTimeout = heal ? 120 : 300;
  const args = ['drain', n.name, '--ignore-daemonsets', '--delete-emptydir-data', `--timeout=${drainTimeout}s`, ...(heal ? ['--force'] : [])];
  let drained = 'drained';
  let done = false;
  return [
    {
      name: 'drain',
      check: async (h) => done || (await gone(h)),
      apply: async (h) => {
        const step = `drain ${n.name}`;
        const timeoutMs = (drainTimeout + 60) * 1000;
        if (heal) {
          const r = await kubectl(h, args, { step, timeoutMs });
          if (r.code !== 0) {
            drained = 'drain incomplete';
            info(`${n.name}: drain did not finish (${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}); the node is deleted anyway`);
          }
        } else {
          await kubectlChecked(h, args, { step, timeoutMs });
        }
        done = true;
      },
      detail: () => drained,
    },
    deleteNode,
  ];
}

const ETCDCTL = [
  'etcdctl',
  '--endpoints=https://127.0.0.1:2379',
  '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
  '--cert=/etc/kubernetes/pki/etcd/server.crt',
  '--key=/etc/kubernetes/pki/etcd/server.key',
];

/** The etcd member id named like the node, through the etcd static pod of the control master (kubeadm names it etcd-<node>). */
async function etcdMemberOf(control: { node: ClusterNode; host: RemoteHost }, name: string): Promise<string | undefined> {
  const pod = `etcd-${control.node.name}`;
  const list = await kubectlChecked(control.host, ['-n', 'kube-system', 'exec', pod, '--', ...ETCDCTL, 'member', 'list'], { step: 'etcd member list' });
  return etcdMemberId(list.stdout, name);
}

/** `etcdctl member remove` of the member named like the node. */
export async function removeEtcdMember(control: { node: ClusterNode; host: RemoteHost }, name: string): Promise<string> {
  const id = await etcdMemberOf(control, name);
  if (!id) return `no etcd member named ${name} (already removed)`;
  const pod = `etcd-${control.node.name}`;
  await kubectlChecked(control.host, ['-n', 'kube-system', 'exec', pod, '--', ...ETCDCTL, 'member', 'remove', id], { step: `etcd member remove ${name}` });
  return `etcd member ${id} removed`;
}

/** Member lines of `member list` look like `8e9e05c52164694d, started, master-1, https://…:2380, https://…:2379, false`. */
export function etcdMemberId(memberList: string, name: string): string | undefined {
  for (const line of memberList.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length >= 3 && f[2] === name && /^[0-9a-f]+$/.test(f[0] as string)) return f[0];
  }
  return undefined;
}
