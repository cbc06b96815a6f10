/**
 * `vnflcm registry check ID|PARAM_FILE`: the registry doctor. With an instance id every node of the
 * Kubernetes VNF checks every registry with its own configuration; with a param file (before
 * instantiate) this machine checks them with the parameters. Returns rows; the command formats them.
 */
import { stat } from 'node:fs/promises';
import { CliError, ExitCode } from '../errors.js';
import { instanceNotFound } from '../lcm/instances.js';
import type { Store } from '../store/index.js';
import { checkFromHere, parseImage } from './local.js';
import { checkOnNodes } from './nodes.js';
import type { CheckRow } from './rows.js';
import { instanceTargets, paramFileRegistries } from './targets.js';

export { CHECKS, COLUMNS, OPERATOR, toListResult, type CheckRow } from './rows.js';

export interface RegistryCheckOptions {
  image?: string;
  vnfdId?: string;
  concurrency: number;
  acceptNewHostKey: boolean;
  /** Per network check (from this machine) and SSH connect budget (nodes). */
  timeoutMs: number;
}

export interface RegistryCheckReport {
  mode: 'nodes' | 'operator';
  rows: CheckRow[];
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function registryCheck(store: Store, target: string, o: RegistryCheckOptions): Promise<RegistryCheckReport> {
  if (o.image !== undefined && !parseImage(o.image)) {
    throw new CliError(`--image "${o.image}": expected an image name NAME[:TAG] or NAME@sha256:DIGEST without the registry, e.g. library/nginx:1.27`, ExitCode.usage);
  }
  if (await isFile(target)) {
    const regs = await paramFileRegistries(store, target, o.vnfdId);
    return { mode: 'operator', rows: await checkFromHere(regs, { ...(o.image ? { image: o.image } : {}), timeoutMs: o.timeoutMs }) };
  }
  const rec = await store.getInstance(target);
  if (!rec) {
    const err = instanceNotFound(target);
    throw new CliError(`${err.message} (and there is no file ${target} either)`, err.exitCode);
  }
  if (o.vnfdId) throw new CliError('--vnfd-id goes with a param file; an instance uses the package it was instantiated from.', ExitCode.usage);
  const t = await instanceTargets(store, rec);
  const rows = await checkOnNodes(t.nodes, t.registries, {
    runtime: t.runtime,
    ...(o.image ? { image: o.image } : {}),
    concurrency: o.concurrency,
    acceptNewHostKey: o.acceptNewHostKey,
    hostKeys: store.hostKeys(),
    connectTimeoutMs: o.timeoutMs,
  });
  return { mode: 'nodes', rows };
}

/** The error for a report with failed checks (exit 1), naming each failure; undefined when all passed. */
export function failureError(report: RegistryCheckReport): CliError | undefined {
  const failed = report.rows.filter((r) => r.result === 'FAIL');
  if (failed.length === 0) return undefined;
  const lines = failed.map((r) => `  - ${r.node} ${r.registry}${r.via !== 'direct' && r.via !== '-' ? ` (${r.via})` : ''} ${r.check}: ${r.detail}${r.hint ? ` (hint: ${r.hint})` : ''}`);
  const where = [...new Set(failed.map((r) => r.node))];
  return new CliError(`Registry check: ${failed.length} check${failed.length === 1 ? '' : 's'} failed on ${where.join(', ')}:\n${lines.join('\n')}`, ExitCode.runtime);
}
