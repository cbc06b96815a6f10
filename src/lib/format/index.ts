/**
 * The one output-formatting layer (cliff's formatters as the real `openstack vnflcm` uses them): commands return a
 * {@link CommandResult}; {@link render} turns it into stdout text for `-f table|json|yaml|value|shell|csv`,
 * applying `-c`, `--noindent`, `--max-width`/`--fit-width`, `--print-empty`, `--prefix`, `--quote` and
 * `--sort-column`. The real client's outputs these reproduce byte for byte are in test/unit/format-*.test.ts.
 *
 * One deliberate difference from the real client: `-f yaml` works for dict/list columns (rendered as nested YAML,
 * keys sorted as PyYAML sorts them) where the real client fails with `('cannot represent an object', ...)`.
 */
import { Chalk } from 'chalk';
import { CliError } from '../errors.js';
import { csvRow } from './csv.js';
import { compareCodePoints, pyJsonDumps, pyStr, pyStrRepr } from './python.js';
import { renderTable, type Align } from './table.js';
import type { CommandResult, FormatOptions, ListResult, ShowField, ShowResult } from './types.js';
import { safeDump } from './yaml.js';

export type {
  CommandResult,
  CsvQuote,
  FormatOptions,
  ListResult,
  OutputFormat,
  ShowField,
  ShowResult,
} from './types.js';
export { dictModelStr, pyJsonDumps, pyRepr, pyStr, pyStrRepr } from './python.js';
export { safeDump } from './yaml.js';
export { formatOptionsFromFlags } from './options.js';

const bold = new Chalk({ level: 1 }).bold;

/** Python `repr` of a list of strings: `['a', 'b']`. */
function pyList(items: string[]): string {
  return `[${items.map(pyStrRepr).join(', ')}]`;
}

/** Python `repr` of a tuple of strings: `('a', 'b')`, `('a',)`, `()`. */
function pyTuple(items: string[]): string {
  if (items.length === 1) return `(${pyStrRepr(items[0] ?? '')},)`;
  return `(${items.map(pyStrRepr).join(', ')})`;
}

function unrecognized(requested: string[], recognized: string): CliError {
  return new CliError(`No recognized column names in ${pyList(requested)}. Recognized columns are ${recognized}.`);
}

/** cliff's `_format_row`: text cells get `\r\n` → `\n` and lone `\r` → space. */
function normalizeCr(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\r/g, ' ');
}

/** What prettytable prints in a cell for a value (formatted columns: `json.dumps(v, indent=4)`). */
function tableCell(value: unknown, json = false): string {
  if (json && value !== undefined && value !== null) return normalizeCr(pyJsonDumps(value, 4));
  if (typeof value === 'string') return normalizeCr(value);
  return pyStr(value);
}

function styleHeader(opts: FormatOptions): ((label: string) => string) | undefined {
  return opts.color ? (label: string) => bold(label) : undefined;
}

function maxWidthOf(opts: FormatOptions): number {
  return opts.maxWidth !== undefined && Number.isFinite(opts.maxWidth) ? Math.trunc(opts.maxWidth) : 0;
}

function invalidFormat(format: string, choices: string[]): CliError {
  return new CliError(
    `argument -f/--format: invalid choice: ${pyStrRepr(format)} (choose from ${choices.map(pyStrRepr).join(', ')})`,
    2,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// show (cliff ShowOne)

/** The fields in the order cliff prints them: labels sorted by code point, then filtered by `-c`. */
export function selectShowFields(fields: ShowField[], columns: string[]): ShowField[] {
  const sorted = [...fields].sort((a, b) => compareCodePoints(a.label, b.label));
  if (columns.length === 0) return sorted;
  const selected = sorted.filter((f) => columns.includes(f.label));
  if (selected.length === 0) {
    throw unrecognized(columns, pyTuple(sorted.map((f) => f.label)));
  }
  return selected;
}

function renderShow(result: ShowResult, opts: FormatOptions): string {
  const fields = selectShowFields(result.fields, opts.columns);
  switch (opts.format) {
    case 'table': {
      const table = renderTable(
        {
          fieldNames: ['Field', 'Value'],
          rows: fields.map((f) => [normalizeCr(f.label), tableCell(f.value, f.json)]),
          align: ['l', 'l'],
          printEmpty: false,
          styleHeader: styleHeader(opts),
        },
        { maxWidth: maxWidthOf(opts), fitWidth: opts.fitWidth, terminalWidth: opts.terminalWidth, minWidth: 16 },
      );
      return table + '\n';
    }
    case 'json': {
      const obj = new Map<string, unknown>();
      for (const f of fields) obj.set(f.label, f.value === undefined ? '' : f.value);
      return pyJsonDumps(obj, opts.noindent ? undefined : 2) + '\n';
    }
    case 'yaml':
      return fields.map((f) => safeDump(new Map([[f.label, f.value]]))).join('');
    case 'value':
      return fields.map((f) => pyStr(f.value) + '\n').join('');
    case 'shell':
      return fields.map((f) => shellLine(f, opts.prefix)).join('');
    default:
      throw invalidFormat(opts.format, ['json', 'shell', 'table', 'value', 'yaml']);
  }
}

/** cliff's ShellFormatter: `<prefix><name>="<value>"`; `"` escaped only in text values and formatted columns. */
function shellLine(field: ShowField, prefix: string): string {
  const name = field.label.toLowerCase().replace(/ /g, '_').replace(/:/g, '_').replace(/-/g, '_');
  let value = pyStr(field.value);
  if (field.json || typeof field.value === 'string') value = value.replace(/"/g, '\\"');
  return `${prefix}${name}="${value}"\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// list (cliff Lister)

type SortClass = 'str' | 'num' | 'other';

function sortClass(value: unknown): SortClass {
  if (value === undefined || typeof value === 'string') return 'str';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return 'num';
  return 'other';
}

/** Python's `<` on the values it can order (str with str, numbers and bools with each other). */
function compareValues(a: unknown, b: unknown): number {
  if (sortClass(a) === 'str') return compareCodePoints(typeof a === 'string' ? a : '', typeof b === 'string' ? b : '');
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * cliff's Lister sort: for each `--sort-column` (last first) a stable sort on the key `(v is None, v)`; a column
 * whose values Python cannot order (text mixed with numbers, dicts, lists) is skipped, as cliff does on TypeError.
 */
export function sortRows(columns: string[], rows: unknown[][], sortColumns: string[], descending: boolean): unknown[][] {
  const indexes = sortColumns.filter((c) => columns.includes(c)).map((c) => columns.indexOf(c));
  let data = [...rows];
  for (const index of indexes.reverse()) {
    const present = data.map((row) => row[index]).filter((v) => v !== null);
    const classes = new Set(present.map(sortClass));
    if (present.length > 1 && (classes.size > 1 || classes.has('other'))) continue;
    const sign = descending ? -1 : 1;
    data = [...data].sort((ra, rb) => {
      const a = ra[index];
      const b = rb[index];
      if ((a === null) !== (b === null)) return (a === null ? 1 : -1) * sign;
      if (a === null) return 0;
      return compareValues(a, b) * sign;
    });
  }
  return data;
}

function renderList(result: ListResult, opts: FormatOptions): string {
  const sorted = opts.sortColumns.length
    ? sortRows(result.columns, result.rows, opts.sortColumns, opts.sortDescending)
    : result.rows;
  let indexes = result.columns.map((_, i) => i);
  if (opts.columns.length > 0) {
    indexes = indexes.filter((i) => opts.columns.includes(result.columns[i] ?? ''));
    if (indexes.length === 0) throw unrecognized(opts.columns, pyList(result.columns));
  }
  const columns = indexes.map((i) => result.columns[i] ?? '');
  const rows = sorted.map((row) => indexes.map((i) => row[i]));

  switch (opts.format) {
    case 'table': {
      const first = rows[0];
      const align: Align[] = columns.map((_, i) => {
        if (first === undefined) return 'c';
        const v = first[i];
        return typeof v === 'number' || typeof v === 'bigint' ? 'r' : 'l';
      });
      const table = renderTable(
        {
          fieldNames: columns,
          rows: rows.map((row) => row.map((v) => tableCell(v))),
          align,
          printEmpty: opts.printEmpty,
          styleHeader: styleHeader(opts),
        },
        { maxWidth: maxWidthOf(opts), fitWidth: opts.fitWidth, terminalWidth: opts.terminalWidth, minWidth: 8 },
      );
      return table + '\n';
    }
    case 'json': {
      const items = rows.map((row) => new Map(columns.map((c, i) => [c, row[i] === undefined ? '' : row[i]])));
      return pyJsonDumps(items, opts.noindent ? undefined : 2) + '\n';
    }
    case 'yaml':
      return safeDump(rows.map((row) => new Map(columns.map((c, i) => [c, row[i]]))));
    case 'value':
      return rows.map((row) => row.map((v) => pyStr(v)).join(' ') + '\n').join('');
    case 'csv':
      return [csvRow(columns, opts.quote), ...rows.map((row) => csvRow(row, opts.quote))].join('');
    default:
      throw invalidFormat(opts.format, ['csv', 'json', 'table', 'value', 'yaml']);
  }
}

/** The full stdout text of a command's result, including the trailing newline(s). */
export function render(result: CommandResult, opts: FormatOptions): string {
  return result.type === 'show' ? renderShow(result, opts) : renderList(result, opts);
}
