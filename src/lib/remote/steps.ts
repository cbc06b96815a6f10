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
}

export type StepStatus = 'done' | 'skipped' | 'failed';

export interface StepReport {
  name: string;
  status: StepStatus;
  ms: number;
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
  const reports: StepReport[] = [];
  const target = opts.target ?? targetOf(host);
  const total = steps.length;
  for (const [i, step] of steps.entries()) {
    const index = i + 1;
    opts.onStepStart?.(step.name, index, total);
    opts.log?.event(`step ${index}/${total} "${step.name}": checking`);
    const t0 = Date.now();
    let phase: 'check' | 'apply' | 're-check' = 'check';
    try {
      const status = await stepContext.run(step.name, async (): Promise<StepStatus> => {
        if (await step.check(host)) return 'skipped';
        phase = 'apply';
        opts.log?.event(`step ${index}/${total} "${step.name}": applying`);
        await step.apply(host);
        phase = 're-check';
        if (!(await step.check(host))) {
          throw new RemoteError(`Step "${step.name}" on ${target}: its check still fails after it was applied.`, { target, step: step.name });
        }
        return 'done';
      });
      const report: StepReport = { name: step.name, status, ms: Date.now() - t0 };
      reports.push(report);
      opts.log?.event(`step ${index}/${total} "${step.name}": ${status === 'skipped' ? 'skipped (already done)' : 'done'} in ${report.ms} ms`);
      opts.onStep?.(report, index, total);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const text = err instanceof RemoteError ? message : `Step "${step.name}" on ${target} failed during ${phase}: ${message}`;
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

function targetOf(host: unknown): string {
  if (typeof host === 'object' && host !== null && 'target' in host && typeof (host as { target: unknown }).target === 'string') {
    return (host as { target: string }).target;
  }
  return 'the host';
}
