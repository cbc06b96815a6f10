/**
 * The result of `vnflcm registry check`: one row per node × registry × check, the same shape
 * whether the checks ran on the cluster's nodes or from the operator's machine, so that the
 * formatting layer renders it as a table, JSON or CSV for scripts.
 */
import type { ListResult } from '../format/types.js';

export type CheckResult = 'ok' | 'FAIL' | 'skip';

/** The checks, in the order they run (a later one is 'skip' when an earlier one failed). */
export const CHECKS = ['config', 'dns', 'tcp', 'scheme', 'tls', 'login', 'manifest'] as const;

export interface CheckRow {
  /** Kubernetes node name, or OPERATOR for the checks made from this machine. */
  node: string;
  /** host[:port] as in image references. */
  registry: string;
  /** Whose configuration pulled: containerd, docker (on a node) or direct (from this machine). */
  via: string;
  check: string;
  result: CheckResult;
  detail: string;
  hint: string;
}

export const OPERATOR = 'operator';
export const COLUMNS = ['Node', 'Registry', 'Via', 'Check', 'Result', 'Detail', 'Hint'] as const;

export function toListResult(rows: readonly CheckRow[]): ListResult {
  return { type: 'list', columns: [...COLUMNS], rows: rows.map((r) => [r.node, r.registry, r.via, r.check, r.result, r.detail, r.hint]) };
}

/** Rows as a chain of checks: `fn` runs each check in turn; after a failed one the rest are 'skip'. */
export class CheckChain {
  readonly rows: CheckRow[] = [];
  private blockedBy: string | undefined;

  constructor(private readonly base: Pick<CheckRow, 'node' | 'registry' | 'via'>) {}

  /** Run one check: return the detail (and hint) for ok; throw CheckFailed for FAIL, CheckSkipped for skip. */
  async run(check: string, fn: () => Promise<string | { detail: string; hint?: string }>): Promise<void> {
    if (this.blockedBy) {
      this.push(check, 'skip', `after the failed ${this.blockedBy} check`, '');
      return;
    }
    try {
      const out = await fn();
      const o = typeof out === 'string' ? { detail: out } : out;
      this.push(check, 'ok', o.detail, o.hint ?? '');
    } catch (err) {
      if (err instanceof CheckSkipped) {
        this.push(check, 'skip', err.message, '');
        return;
      }
      const detail = err instanceof Error ? err.message : String(err);
      this.push(check, 'FAIL', detail, err instanceof CheckFailed ? err.hint : '');
      this.blockedBy = check;
    }
  }

  private push(check: string, result: CheckResult, detail: string, hint: string): void {
    this.rows.push({ ...this.base, check, result, detail, hint });
  }
}

/** A check failed; `hint` tells the operator what to do about it. */
export class CheckFailed extends Error {
  constructor(
    message: string,
    readonly hint = '',
  ) {
    super(message);
    this.name = 'CheckFailed';
  }
}

/** A check that does not apply (plain HTTP has no TLS, no image named). */
export class CheckSkipped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckSkipped';
  }
}
