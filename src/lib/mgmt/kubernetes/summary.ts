/** The per-node summary printed at the end of every operation of the Kubernetes driver. */
import { renderTable } from '../../format/table.js';

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
  // the one table renderer (cliff's, as `list` prints), without width limits: it goes to the progress lines
  return renderTable(
    {
      fieldNames: ['node', 'role', 'address', 'registries configured', 'result'],
      rows: sorted.map((r) => [r.node, r.role, r.address, r.registries, r.result]),
      align: ['l', 'l', 'l', 'l', 'l'],
      printEmpty: true,
    },
    { maxWidth: 0, fitWidth: false, minWidth: 8 },
  );
}
