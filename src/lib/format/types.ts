/**
 * What commands hand to the formatter. Commands return data; `render()` (index.ts) turns it into the text the real
 * `openstack vnflcm` client (cliff 4.0 + tackerclient) prints, in every output format.
 */

/** One row of a show-type result (cliff ShowOne column). */
export interface ShowField {
  /** Column label, e.g. 'VNF Instance Name', or a raw unknown response key. */
  label: string;
  /** `undefined` = attribute absent (renders "" / json "" / yaml ''), `null` = None/null. */
  value: unknown;
  /** cliff "formatted" column: the table cell is Python `json.dumps(v, indent=4)` (ensure_ascii). */
  json?: boolean;
}

/** Rows are sorted by plain code-point order of their labels by the renderer. */
export interface ShowResult {
  type: 'show';
  fields: ShowField[];
}

/** A cliff Lister result: columns in the command's order, one array of values per row. */
export interface ListResult {
  type: 'list';
  columns: string[];
  rows: unknown[][];
}

export type CommandResult = ShowResult | ListResult;

export type OutputFormat = 'table' | 'json' | 'yaml' | 'value' | 'shell' | 'csv';
export type CsvQuote = 'all' | 'minimal' | 'none' | 'nonnumeric';

export interface FormatOptions {
  format: OutputFormat;
  /** `-c`, repeatable; empty = all columns. Never reorders. */
  columns: string[];
  noindent: boolean;
  /** `--max-width` or CLIFF_MAX_TERM_WIDTH; < 1 or undefined = no limit. */
  maxWidth?: number;
  /** `--fit-width` or CLIFF_FIT_WIDTH=1 (only when stdout is a TTY): fit the table to `terminalWidth`. */
  fitWidth: boolean;
  printEmpty: boolean;
  /** shell: prefix of every variable name. */
  prefix: string;
  /** csv quoting; the default is 'nonnumeric'. */
  quote: CsvQuote;
  /** list only: `--sort-column`, repeatable; unknown names are ignored. */
  sortColumns: string[];
  sortDescending: boolean;
  /** Decided by the caller: TTY && !NO_COLOR && format === 'table'. Only the table header is styled (bold). */
  color: boolean;
  terminalWidth?: number;
}
