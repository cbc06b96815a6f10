/** The param file as the wizard shows it before writing: JSON with every password masked. */

const MASK = '********';

export function maskSecrets(v: unknown, key = ''): unknown {
  if (/password/i.test(key) && v !== undefined) return MASK;
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskSecrets(x, k)]));
  return v;
}

export function preview(body: unknown): string {
  return JSON.stringify(maskSecrets(body), null, 2);
}
