/**
 * The registry checks on the cluster's nodes: over SSH (the driver's pinned host keys), the
 * driver's registry-check.py in step mode reads exactly what the node's container runtime reads
 * (hosts.toml, its CA, the kubelet's credentials, /etc/hosts) and reports every check. Nodes run
 * in parallel up to `concurrency`; the spec on the command line holds no secret.
 */
import pLimit from 'p-limit';
import { errorMessage } from '../errors.js';
import { checkScript } from '../mgmt/kubernetes/node-ops.js';
import { checkSpecs, type RegistrySpec } from '../mgmt/kubernetes/registries.js';
import type { HostKeyStore, RemoteHost } from '../remote/index.js';
import type { CheckResult, CheckRow } from './rows.js';
import { caSha256, type NodeTarget } from './targets.js';

export interface NodeCheckOptions {
  runtime: 'containerd' | 'docker';
  image?: string;
  concurrency: number;
  acceptNewHostKey: boolean;
  hostKeys: HostKeyStore;
  /** SSH connect budget. */
  connectTimeoutMs: number;
}

/** The lines of registry-check.py's step mode. */
export function parseStepLines(node: string, stdout: string): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] !== 'step' || f.length < 7) continue;
    const result = f[4] === 'ok' || f[4] === 'FAIL' || f[4] === 'skip' ? (f[4] as CheckResult) : 'FAIL';
    rows.push({ node, registry: f[1] as string, via: f[2] as string, check: f[3] as string, result, detail: f[5] as string, hint: f.slice(6).join('\t') });
  }
  return rows;
}

function failRows(node: string, regs: readonly RegistrySpec[], check: string, detail: string, hint: string): CheckRow[] {
  return regs.map((r) => ({ node, registry: r.server, via: '-', check, result: 'FAIL' as const, detail, hint }));
}

export async function checkOnNodes(nodes: readonly NodeTarget[], regs: readonly RegistrySpec[], o: NodeCheckOptions): Promise<CheckRow[]> {
  const { connect } = await import('../remote/index.js');
  const script = await checkScript();
  const registries = await Promise.all(
    regs.map(async (r) => {
      const sha = await caSha256(r);
      // hosts_line and ca_sha256 only make the hints precise; nothing here is a secret
      return { ...checkSpecs([r])[0], ...(r.hostsLine ? { hosts_line: r.hostsLine } : {}), ...(sha ? { ca_sha256: sha } : {}) };
    }),
  );
  const secrets = regs.flatMap((r) => (r.password ? [r.password] : []));
  const limit = pLimit(Math.max(1, o.concurrency));
  const perNode = await Promise.all(
    nodes.map((n) =>
      limit(async (): Promise<CheckRow[]> => {
        let host: RemoteHost;
        try {
          host = await connect({
            host: n.address,
            username: n.username,
            password: n.password,
            hostKeyStore: o.hostKeys,
            hostKeyId: n.hostKeyId,
            acceptChangedHostKey: o.acceptNewHostKey,
            timeoutMs: o.connectTimeoutMs,
            secrets,
          });
        } catch (err) {
          return failRows(n.name, regs, 'ssh', `cannot reach ${n.name} at ${n.address}: ${errorMessage(err).split('\n')[0]}`, 'the checks need SSH to the node (ssh_cp_name address, node credentials)');
        }
        try {
          const spec = { node: n.name, runtime: o.runtime, steps: true, ...(o.image ? { image: o.image } : {}), registries };
          const r = await host.run(['python3', '-', JSON.stringify(spec)], { sudo: true, stdin: script, step: 'registry check', timeoutMs: 10 * 60_000, secrets });
          const rows = parseStepLines(n.name, r.stdout);
          if ((r.code === 0 || r.code === 1) && rows.length > 0) return rows;
          const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');
          return failRows(n.name, regs, 'run', `the check script failed on ${n.name} (exit ${r.code ?? r.signal}): ${tail}`, r.code === 127 ? 'the node needs python3' : '');
        } finally {
          await host.close();
        }
      }),
    ),
  );
  return perNode.flat();
}
