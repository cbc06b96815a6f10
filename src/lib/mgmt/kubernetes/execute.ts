/**
 * Runs an operation's node plans (plan.ts) with the one step runner (`runPlans`): gives every
 * node's steps their environment (node-steps.ts: the data, and the install-script and kubectl
 * callbacks of this operation), reports each step as progress, and fills the summary rows.
 */
import { readFile } from 'node:fs/promises';
import type { RemoteHost } from '../../remote/index.js';
import type { HookContext } from '../contract.js';
import { runPlans, type NodeResult, type RunPlansOptions, type StepReport } from '../../remote/steps.js';
import type { JoinInfo } from './install.js';
import { checkRegistries, kubectlChecked, nodeExists } from './node-ops.js';
import { nodeSteps, type NodeEnv } from './node-steps.js';
import type { NodePlanSpec, PlanInput } from './plan.js';
import { DEFAULT_SANDBOX_IMAGE } from './render.js';
import type { ClusterNode, Run } from './run.js';

export interface ExecuteOptions {
  /** The join data for kubeadm-join steps (awaited only by nodes that still have to join). */
  joinData: () => Promise<JoinInfo>;
  /** kubeadm-init on the main master; returns the script's status. */
  init?: (n: ClusterNode, host: RemoteHost) => Promise<string>;
  /** CONTROL_PLANE_ENDPOINT for prepare; prepare runs niced (it is not the critical path). */
  prepare?: { endpoint?: string; background: boolean };
  /** The master list haproxy/keepalived get (ha-config steps; default: every master). */
  haMasters?: readonly ClusterNode[];
  /** Where stale node objects are looked up and deleted (heal). */
  control?: RemoteHost;
  heal?: boolean;
  /** Every finished step of every node (the orchestrator follows the main master's init). */
  onReport?: (node: string, report: StepReport) => void;
}

/** What the plan needs to know about the registries (no secrets). */
export function planInput(run: Run): PlanInput {
  return {
    runtime: run.params.runtime,
    registries: run.registries.map((r) => ({ server: r.server, secure: r.secure, ca: r.caFile !== undefined, auth: r.username !== undefined })),
    cniFile: run.params.overrides.cniLocalFile !== undefined,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

function env(run: Run, n: ClusterNode, hostsBlock: readonly string[], o: ExecuteOptions): NodeEnv<RemoteHost> {
  const status = (out: Record<string, string>): string => out.status ?? '';
  const cni = run.params.overrides.cniLocalFile;
  const control = o.control;
  return {
    node: n.name,
    instanceId: run.ctx.instance.id,
    hostsBlock,
    runtime: run.params.runtime,
    sandboxImage: run.params.overrides.values.SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE,
    registries: run.registries,
    ca: (file) => run.ca(file),
    ...(cni ? { cniManifest: () => readFile(cni) } : {}),
    prepare: async (host) => status(await run.install(n, host, 'prepare', { endpoint: o.prepare?.endpoint, background: o.prepare?.background ?? false })),
    init: async (host) => {
      if (!o.init) throw new Error('kubeadm-init outside an install');
      return o.init(n, host);
    },
    join: async (host, ji) => status(await run.install(n, host, n.role === 'master' ? 'join-control-plane' : 'join-worker', { join: ji })),
    haConfig: async (host) => status(await run.install(n, host, 'ha-config', { masters: o.haMasters ?? run.masters })),
    joinData: o.joinData,
    master: n.role === 'master',
    ...(control
      ? {
          staleNode: {
            exists: () => nodeExists(control, n.name),
            remove: async () => {
              await kubectlChecked(control, ['delete', 'node', n.name], { step: `delete node ${n.name}` });
            },
          },
        }
      : {}),
    checkRegistry: async (host, reg) => {
      await checkRegistries(host, {
        node: n.name,
        runtime: run.params.runtime,
        registries: [{ server: reg.server, secure: reg.secure, auth: reg.username !== undefined, ca: reg.caFile !== undefined }],
      });
    },
    sleep,
  };
}

/** Every step start and end as a progress line (`runPlans` callbacks). */
export function progressOf(progress: HookContext['progress'], onReport?: (node: string, r: StepReport) => void): Pick<RunPlansOptions, 'onStepStart' | 'onStep'> {
  return {
    onStepStart: (node, step) => progress.step(node, step, 'start'),
    onStep: (node, r) => {
      progress.step(node, r.name, r.status, r.status === 'failed' ? (r.error ?? '').split('\n')[0] : r.detail);
      onReport?.(node, r);
    },
  };
}

/** Run the plans; every node's row says what happened. Node failures are recorded on `run`, not thrown. */
export async function executePlans(run: Run, specs: readonly NodePlanSpec[], hostsBlock: readonly string[], o: ExecuteOptions): Promise<NodeResult[]> {
  const results = await runPlans(
    specs.map((spec) => {
      const n = run.byName(spec.node);
      return { node: n.name, steps: nodeSteps(spec.steps, env(run, n, hostsBlock, o)), host: () => run.connect(n) };
    }),
    {
      concurrency: run.concurrency,
      ...progressOf(run.ctx.progress, o.onReport),
    },
  );
  for (const res of results) {
    const spec = specs.find((s) => s.node === res.node) as NodePlanSpec;
    const n = run.byName(res.node);
    const row = run.row(n);
    row.registries = registriesCell(run, spec, res.reports);
    row.result = resultOf(spec, res.reports, o.heal === true);
    if (res.error !== undefined) run.fail(n, res.error);
  }
  return results;
}

function resultOf(spec: NodePlanSpec, reports: readonly StepReport[], heal: boolean): string {
  const by = (kind: string): StepReport | undefined => reports.find((r) => r.name === kind);
  if (spec.work === 'refresh' || spec.work === 'refresh-ha') {
    const hb = by('hosts-block');
    return hb?.status === 'done' ? 'hosts block updated' : hb?.status === 'skipped' ? 'unchanged' : '';
  }
  if (spec.work === 'init') {
    const i = by('kubeadm-init');
    return i?.status === 'skipped' ? 'control plane (was installed)' : i?.status === 'done' ? 'control plane initialised' : '';
  }
  const j = by('kubeadm-join');
  if (j?.status === 'skipped') return 'joined (was joined)';
  if (j?.status === 'done') return heal ? 'healed, joined' : 'joined';
  return '';
}

/** Summary cell: one line per registry with its check's outcome. */
function registriesCell(run: Run, spec: NodePlanSpec, reports: readonly StepReport[]): string {
  if (spec.work === 'refresh' || spec.work === 'refresh-ha') return '(unchanged)';
  if (run.registries.length === 0) return '-';
  return run.registries
    .map((r) => {
      const check = reports.find((x) => x.name === `registry-check/${r.server}`);
      const state = !check ? 'not configured' : check.status === 'failed' ? 'FAILED' : 'ok';
      return `${r.server} ${r.secure ? 'https' : 'http'}${r.caFile ? '+CA' : ''}${r.username ? '+auth' : ''} ${state}`;
    })
    .join('\n');
}

