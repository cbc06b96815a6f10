/**
 * Python 3.11's `csv.writer(stream, quoting=..., lineterminator='\n', escapechar='\\')` as cliff's CSV lister
 * uses it: `"` doubled inside quoted fields, `\` always escaped as `\\`, `QUOTE_MINIMAL` quotes fields containing
 * the delimiter, a quote or a newline, `QUOTE_NONE` escapes those with `\` instead, `QUOTE_NONNUMERIC` quotes every
 * field that is not a number (so `None` becomes `""`), and a row made of one empty field is written `""`.
 */
import { CliError } from '../errors.js';
import { pyStr } from './python.js';
import type { CsvQuote } from './types.js';

function isNumeric(value: unknown): boolean {
  // PyNumber_Check: int, float and bool
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}

/** One field as `join_append` writes it; `null`/`undefined` are the empty field. */
function field(value: unknown, quoting: CsvQuote): { text: string; empty: boolean } {
  let quoted = quoting === 'all' || (quoting === 'nonnumeric' && !isNumeric(value));
  const raw = value === null || value === undefined ? '' : pyStr(value);
  let text = '';
  for (const ch of raw) {
    if (ch === ',' || ch === '\\' || ch === '"' || ch === '\n') {
      if (quoting === 'none' || ch === '\\') text += '\\';
      else if (ch === '"') text += '"';
      if (quoting !== 'none' && ch !== '\\') quoted = true;
    }
    text += ch;
  }
  return { text: quoted ? `"${text}"` : text, empty: raw === '' };
}

export function csvRow(values: unknown[], quoting: CsvQuote): string {
  const fields = values.map((v) => field(v, quoting));
  if (fields.length === 1 && fields[0]?.empty && fields[0].text === '') {
    if (quoting === 'none') throw new CliError('single empty field record must be quoted');
    return '""\n';
  }
  return fields.map((f) => f.text).join(',') + '\n';
}
