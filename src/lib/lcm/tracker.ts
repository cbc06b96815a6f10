/**
 * Where an operation is: a progress sink that forwards to the operator's sink and remembers which
 * steps run now and which failed, so that a failure, an interrupt (Ctrl-C, SIGTERM) or a killed
 * process can be reported as "at step X on node Y". After an interrupt is requested it refuses to
 * start new steps: the drivers report a step's start before running it, so throwing there stops
 * them between steps without any driver knowing about signals.
 */
import { CliError } from '../errors.js';
import type { OpStepRef } from '../store/index.js';
import type { ProgressSink } from './hooks.js';

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
