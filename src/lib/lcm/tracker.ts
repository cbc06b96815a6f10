/**
 * Where an operation is: a progress sink that forwards to the operator's sink and remembers which
 * steps run now and which failed, so that a failure, an interrupt (Ctrl-C, SIGTERM) or a killed
 * process can be reported as "at step X on node Y". After an interrupt is requested it refuses to
 * start new steps: the drivers report a step's start before running it, so throwing there stops
 * them between steps without any driver knowing about signals. `untilInterrupted` bounds the wait
 * for running steps after an interrupt; `coalesce` writes the running steps to the occurrence.
 */
import { CliError } from '../errors.js';
import type { OpStepRef } from '../store/index.js';
import type { ProgressSink } from '../mgmt/contract.js';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** A request to stop, made by the command glue when a signal arrives. */
export class Interrupt {
  signal: InterruptSignal | undefined;
  readonly requested: Promise<InterruptSignal>;
  private resolveRequested!: (s: InterruptSignal) => void;

  constructor() {
    this.requested = new Promise((resolve) => (this.resolveRequested = resolve));
  }

  request(signal: InterruptSignal): void {
    if (this.signal) return;
    this.signal = signal;
    this.resolveRequested(signal);
  }
}

/** Thrown at a step's start once an interrupt was requested. */
export class InterruptedError extends CliError {
  readonly signal: InterruptSignal;
  constructor(signal: InterruptSignal) {
    super(`interrupted by ${signal}`, exitCodeOfSignal(signal));
    this.signal = signal;
  }
}

export function exitCodeOfSignal(signal: InterruptSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

export class StepTracker implements ProgressSink {
  private readonly running = new Map<string, OpStepRef>();
  failed: OpStepRef | undefined;
  /** The last step that started (kept when it ends: "interrupted after step X"). */
  last: OpStepRef | undefined;

  constructor(
    private readonly inner: ProgressSink,
    private readonly onChange: (running: OpStepRef[]) => void,
    private readonly interrupt?: Interrupt,
  ) {}

  step(node: string, name: string, status: 'start' | 'done' | 'skipped' | 'failed', detail?: string): void {
    const key = `${node}\u0000${name}`;
    const ref = { node, name, at: new Date().toISOString() };
    if (status === 'start') {
      if (this.interrupt?.signal) throw new InterruptedError(this.interrupt.signal);
      this.running.set(key, ref);
      this.last = ref;
    } else {
      this.running.delete(key);
      if (status === 'failed') this.failed ??= ref;
    }
    this.inner.step(node, name, status, detail);
    this.onChange(this.runningSteps());
  }

  info(line: string): void {
    this.inner.info(line);
  }

  runningSteps(): OpStepRef[] {
    return [...this.running.values()];
  }

  /** The step to name in an error: the one that failed, else one still running, else the last started. */
  where(): OpStepRef | undefined {
    return this.failed ?? this.runningSteps()[0] ?? this.last;
  }
}

export function describeStep(s: OpStepRef | undefined): string {
  if (!s) return 'before the first step';
  return `step '${s.name}'${s.node ? ` on node ${s.node}` : ''}`;
}

/** How long an interrupted operation waits for its running steps to end before it is recorded and left. */
export const INTERRUPT_GRACE_MS = 15_000;

/**
 * Run the body; when an interrupt is requested, give the running steps a bounded time to end (the
 * tracker refuses new ones), then report the interrupt even if they are still running.
 */
export async function untilInterrupted<T>(
  work: Promise<T>,
  env: { interrupt?: Interrupt; progress: ProgressSink; interruptGraceMs?: number },
): Promise<T> {
  const interrupt = env.interrupt;
  if (!interrupt) return work;
  type Outcome = { ok: true; value: T } | { ok: false; err: unknown } | { interrupted: InterruptSignal };
  const settled: Promise<Outcome> = work.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  const first = await Promise.race([settled, interrupt.requested.then((s) => ({ interrupted: s }) as Outcome)]);
  let outcome = first;
  if ('interrupted' in first) {
    env.progress.info(`${first.interrupted}: no new steps; waiting up to ${INTERRUPT_GRACE_MS / 1000} s for the running ones (Ctrl-C again to leave now)`);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve(first), env.interruptGraceMs ?? INTERRUPT_GRACE_MS);
    });
    outcome = await Promise.race([settled, grace]);
    clearTimeout(timer);
    if ('ok' in outcome && !outcome.ok && !(outcome.err instanceof InterruptedError)) {
      // A step that was cut short by the interrupt fails on its own; report the interrupt.
      outcome = first;
    }
  }
  if ('interrupted' in outcome) throw new InterruptedError(outcome.interrupted);
  if (outcome.ok) return outcome.value;
  throw outcome.err;
}

/** Serialize writes of the latest value: at most one in flight, the newest one written last. */
export function coalesce(write: (v: OpStepRef[]) => Promise<void>): ((v: OpStepRef[]) => void) & { flush(): Promise<void> } {
  let pending: OpStepRef[] | undefined;
  let inFlight: Promise<void> | undefined;
  const pump = (): Promise<void> => {
    if (inFlight || pending === undefined) return inFlight ?? Promise.resolve();
    const v = pending;
    pending = undefined;
    inFlight = write(v)
      .catch(() => undefined)
      .then(() => {
        inFlight = undefined;
        return pump();
      });
    return inFlight;
  };
  const fn = (v: OpStepRef[]) => {
    pending = v;
    void pump();
  };
  return Object.assign(fn, {
    flush: async () => {
      while (inFlight || pending !== undefined) await pump();
    },
  });
}
