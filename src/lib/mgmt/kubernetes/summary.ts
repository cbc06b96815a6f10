/** The per-node summary printed at the end of every operation of the Kubernetes driver. */
import Table from 'cli-table3';

export interface NodeRow {
  node: string;
  role: string;
  address: string;
  registries: string;
  result: string;
  ok: boolean;
}

/** Rows in a stable order (masters, then workers, by name), as a plain (colourless) table. */
export function summaryTable(rows: readonly NodeRow[]): string {
  const sorted = [...rows].sort((a, b) => (a.role === b.role ? (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) : a.role < b.role ? -1 : 1));
  const t = new Table({
    head: ['node', 'role', 'address', 'registries configured', 'result'],
    style: { head: [], border: [], compact: true },
    wordWrap: true,
  });
  for (const r of sorted) t.push([r.node, r.role, r.address, r.registries, r.result]);
  return t.toString();
}
