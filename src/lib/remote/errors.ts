/** Errors of the remote layer (connection, host key changed, a command failed, a step timed out); each names the target and step. */
import { CliError, ExitCode } from '../errors.js';

/** Any failure of the remote-execution layer (SSH connect, host key, a remote step). Exit code 5. */
export class RemoteError extends CliError {
  /** `user@host:port` (or just the host when the user is not known). */
  readonly target: string;
  /** The step that failed, when there is one. */
  readonly step: string | undefined;
  constructor(message: string, opts: { target: string; step?: string; cause?: unknown }) {
    super(message, ExitCode.remote, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RemoteError';
    this.target = opts.target;
    this.step = opts.step;
  }
}

/** The host presented a key different from the one recorded for this host-key id. */
export class HostKeyChangedError extends RemoteError {
  readonly hostKeyId: string;
  readonly recorded: string;
  readonly presented: string;
  constructor(opts: { target: string; hostKeyId: string; recorded: string; presented: string }) {
    super(
      [
        `Host key of ${opts.target} (host-key id "${opts.hostKeyId}") has CHANGED; refusing to connect (no password or key was sent).`,
        `  recorded:  ${opts.recorded}`,
        `  presented: ${opts.presented}`,
        'This is expected only if the server was re-created (heal, rebuild, a new VM at the same address);',
        'otherwise someone may be intercepting the connection.',
        'If the change is expected, re-run with --accept-new-host-key to record the new key.',
      ].join('\n'),
      { target: opts.target },
    );
    this.name = 'HostKeyChangedError';
    this.hostKeyId = opts.hostKeyId;
    this.recorded = opts.recorded;
    this.presented = opts.presented;
  }
}

/** A remote command ended with a non-zero exit code (or a signal). */
export class RemoteCommandError extends RemoteError {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
  constructor(opts: {
    target: string;
    step: string;
    code: number | null;
    signal: string | null;
    stderrTail: string;
    logPath?: string;
  }) {
    const how = opts.code !== null ? `exit code ${opts.code}` : `signal ${opts.signal ?? 'unknown'}`;
    const lines = [`Step "${opts.step}" failed on ${opts.target} with ${how}.`];
    if (opts.stderrTail) lines.push('Last lines of stderr:', ...opts.stderrTail.split('\n').map((l) => `  ${l}`));
    else lines.push('(no stderr output)');
    if (opts.logPath) lines.push(`Full output: ${opts.logPath}`);
    super(lines.join('\n'), { target: opts.target, step: opts.step });
    this.name = 'RemoteCommandError';
    this.code = opts.code;
    this.signal = opts.signal;
    this.stderrTail = opts.stderrTail;
  }
}

/** A remote command did not finish within its time limit; it was killed. */
export class RemoteTimeoutError extends RemoteError {
  readonly timeoutMs: number;
  constructor(opts: { target: string; step: string; timeoutMs: number; logPath?: string }) {
    super(
      `Step "${opts.step}" on ${opts.target} timed out after ${formatMs(opts.timeoutMs)} and was killed.` +
        (opts.logPath ? `\nOutput so far: ${opts.logPath}` : ''),
      { target: opts.target, step: opts.step },
    );
    this.name = 'RemoteTimeoutError';
    this.timeoutMs = opts.timeoutMs;
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  return `${Math.round(s / 60)} min`;
}
