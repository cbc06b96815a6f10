/**
 * ETSI SOL013 attribute-based filters as `op list --filter` sends them to Tacker:
 * `(op,attr[/sub],value[,value...])` terms joined by `;` (all must hold).
 * Operators: eq neq in nin gt gte lt lte cont ncont.
 */
import { CliError } from '../errors.js';

type Pred = (obj: Record<string, unknown>) => boolean;

const OPS = new Set(['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'cont', 'ncont']);

export function parseFilter(text: string): Pred {
  const terms = text.split(';').map((t) => t.trim()).filter(Boolean);
  const preds = terms.map((term) => {
    const m = /^\((\w+),([^,()]+),(.*)\)$/.exec(term);
    if (!m || !OPS.has(m[1] as string)) {
      throw new CliError(`Invalid filter '${term}': expected (op,attribute,value) with op one of ${[...OPS].join(', ')}`);
    }
    const [, op, attr, rawValues] = m as unknown as [string, string, string, string];
    const values = rawValues.split(',');
    const path = attr.split('/');
    return (obj: Record<string, unknown>) => {
      let v: unknown = obj;
      for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      const s = v === undefined || v === null ? '' : String(v);
      const first = values[0] ?? '';
      switch (op) {
        case 'eq': return s === first;
        case 'neq': return s !== first;
        case 'in': return values.includes(s);
        case 'nin': return !values.includes(s);
        case 'gt': return s > first;
        case 'gte': return s >= first;
        case 'lt': return s < first;
        case 'lte': return s <= first;
        case 'cont': return values.some((x) => s.includes(x));
        default: return !values.some((x) => s.includes(x));
      }
    };
  });
  return (obj) => preds.every((p) => p(obj));
}
