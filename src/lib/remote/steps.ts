/**
 * Named, idempotent provisioning steps (check, then apply) and their runners: `runSteps` for one
 * host in order, `runPlans` for many nodes in parallel with per-node plans.
 */
import { stepContext } from './context.js';
import { RemoteError } from './errors.js';
import type { RemoteHost } from './host.js';
import type { OperationLog } from './log.js';

/**
 * An idempotent provisioning step. `check` answers "is the desired state already there?";
 * `apply` makes it so. `runSteps` skips a step whose check passes and re-checks after apply.
 */
export interface Step<H = RemoteHost> {
  name: string;
  /** true = already done. */
  check(host: H): Promise<boolean>;
  apply(host: H): Promise<void>;
  /**
   * Something the apply needs from elsewhere (another node's result): awaited after a failed
   * check, before the apply; under `runPlans` the node gives up its concurrency slot meanwhile.
   */
  waitFor?: () => Promise<unknown>;
  /** Steps with the same key never apply at the same time across the nodes of `runPlans` (e.g. control-plane joins). */
  exclusive?: string;
  /** A short result for the report (e.g. "restarted containerd"), asked after the step passed. */
  detail?: () => string | undefined;
}

export type StepStatus = 'done' | 'skipped' | 'failed';

export interface StepReport {
  name: string;
  status: StepStatus;
  ms: number;
  detail?: string;
  /** Why it failed (redacted message). */
  error?: string;
}

export interface RunStepsOptions {
  log?: OperationLog;
  /** A step is starting (for the terminal: "[3/12] Install Docker ..."). */
  onStepStart?: (name: string, index: number, total: number) => void;
  /** A step finished: done, skipped or failed. */
  onStep?: (report: StepReport, index: number, total: number) => void;
  /** Label for messages, e.g. `ubuntu@10.0.0.5:22` (default: the host's `target` when it has one). */
  target?: string;
}

/** Thrown by `runSteps` when a step fails; carries the reports of every step that ran. */
export class StepFailedError extends RemoteError {
  readonly reports: StepReport[];
  constructor(message: string, opts: { target: string; step: string; reports: StepReport[]; cause?: unknown }) {
    super(message, { target: opts.target, step: opts.step, cause: opts.cause });
    this.name = 'StepFailedError';
    this.reports = opts.reports;
  }
}

/**
 * Run steps in order: check -> (skip | apply -> check again). Stops at the first failure and throws
 * a `StepFailedError` (exit code 5) naming the step; its message is the underlying error's when
 * that is already a `RemoteError` (it names host, step, exit code and stderr tail).
 */
export async function runSteps<H>(host: H, steps: readonly Step<H>[], opts: RunStepsOptions = {}): Promise<StepReport[]> {
  return runStepList(host, steps, opts, undefined);
}

/** How `runPlans` lets a node wait without its slot and serialises exclusive steps. */
interface Gate {
  release(): void;
  acquire(): Promise<void>;
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

async function runStepList<H>(host: H, steps: readonly Step<H>[], opts: RunStepsOptions, gate: Gate | undefined): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const target = opts.target ?? targetOf(host);
  const total = steps.length;
  for (const [i, step] of steps.entries()) {
    const index = i + 1;
    opts.onStepStart?.(step.name, index, total);
    opts.log?.event(`step ${index}/${total} "${step.name}": checking`);
    const t0 = Date.now();
    let phase: 'check' | 'wait' | 'apply' | 're-check' = 'check';
    try {
      const status = await stepContext.run(step.name, async (): Promise<StepStatus> => {
        if (await step.check(host)) return 'skipped';
        if (step.waitFor) {
          phase = 'wait';
          gate?.release();
          try {
            await step.waitFor();
          } finally {
            await gate?.acquire();
          }
        }
        phase = 'apply';
        opts.log?.event(`step ${index}/${total} "${step.name}": applying`);
        const applyAndCheck = async (): Promise<void> => {
          await step.apply(host);
          phase = 're-check';
          if (!(await step.check(host))) {
            throw new RemoteError(`Step "${step.name}" on ${target}: its check still fails after it was applied.`, { target, step: step.name });
          }
        };
        await (step.exclusive && gate ? gate.exclusive(step.exclusive, applyAndCheck) : applyAndCheck());
        return 'done';
      });
      const detail = step.detail?.();
      const report: StepReport = { name: step.name, status, ms: Date.now() - t0, ...(detail ? { detail } : {}) };
      reports.push(report);
      opts.log?.event(`step ${index}/${total} "${step.name}": ${status === 'skipped' ? 'skipped (already done)' : 'done'} in ${report.ms} ms`);
      opts.onStep?.(report, index, total);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // ssh2 fails requests in flight on a dead connection with "No response from server": say why it died
      const lost = connectionLostOf(host);
      const why = lost && !message.includes(lost) ? ` (the connection is gone: ${lost})` : '';
      const text = err instanceof RemoteError ? message : `Step "${step.name}" on ${target} failed during ${phase}: ${message}${why}`;
      const redacted = opts.log ? opts.log.secrets.apply(text) : text;
      const report: StepReport = { name: step.name, status: 'failed', ms: Date.now() - t0, error: redacted };
      reports.push(report);
      opts.log?.event(`step ${index}/${total} "${step.name}": FAILED during ${phase} after ${report.ms} ms: ${text}`);
      opts.onStep?.(report, index, total);
      throw new StepFailedError(redacted, { target, step: step.name, reports, cause: err });
    }
  }
  return reports;
}

/** One node's ordered steps for `runPlans`; `host` connects (once, inside the node's slot). */
export interface NodePlan<H> {
  node: string;
  steps: readonly Step<H>[];
  host: () => Promise<H>;
}

export interface NodeResult {
  node: string;
  reports: StepReport[];
  /** Why the node stopped (its first failed step, or the connection). */
  error?: unknown;
}

export interface RunPlansOptions {
  /** Nodes worked on at the same time (a node waiting in `waitFor` does not count). */
  concurrency: number;
  onStepStart?: (node: string, step: string, index: number, total: number) => void;
  onStep?: (node: string, report: StepReport, index: number, total: number) => void;
  log?: OperationLog;
}

/**
 * Run every node's plan: the nodes in parallel up to `concurrency`, each node's steps in order.
 * A node that fails stops; the others go on. Never throws: each node's result says how it ended.
 */
export async function runPlans<H>(plans: readonly NodePlan<H>[], opts: RunPlansOptions): Promise<NodeResult[]> {
  const sem = semaphore(Math.max(1, opts.concurrency));
  const locks = new Map<string, Promise<unknown>>();
  const exclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const p = (locks.get(key) ?? Promise.resolve()).then(fn);
    locks.set(
      key,
      p.catch(() => undefined),
    );
    return p;
  };
  return Promise.all(
    plans.map(async (plan): Promise<NodeResult> => {
      let held = false;
      const gate: Gate = {
        release: () => {
          if (held) sem.release();
          held = false;
        },
        acquire: async () => {
          await sem.acquire();
          held = true;
        },
        exclusive,
      };
      await gate.acquire();
      try {
        const host = await plan.host();
        const reports = await runStepList(host, plan.steps, {
          log: opts.log,
          onStepStart: (name, i, total) => opts.onStepStart?.(plan.node, name, i, total),
          onStep: (r, i, total) => opts.onStep?.(plan.node, r, i, total),
        }, gate);
        return { node: plan.node, reports };
      } catch (err) {
        return { node: plan.node, reports: err instanceof StepFailedError ? err.reports : [], error: err };
      } finally {
        gate.release();
      }
    }),
  );
}

/** A FIFO counting semaphore. */
function semaphore(n: number): { acquire(): Promise<void>; release(): void } {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    acquire: () => {
      if (free > 0) {
        free--;
        return Promise.resolve();
      }
      return new Promise<void>((res) => waiting.push(res));
    },
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

function targetOf(host: unknown): string {
  if (typeof host === 'object' && host !== null && 'target' in host && typeof (host as { target: unknown }).target === 'string') {
    return (host as { target: string }).target;
  }
  return 'the host';
}

/** Why the host's connection died, when it is an SSH connection that did (RemoteHost.connectionLost). */
function connectionLostOf(host: unknown): string | undefined {
  if (typeof host === 'object' && host !== null && 'connectionLost' in host) {
    const v = (host as { connectionLost: unknown }).connectionLost;
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}
