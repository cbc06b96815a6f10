/**
 * The translation of parsed formatter options (cliff's `-f`, `-c`, `--max-width`, …, plus
 * CLIFF_MAX_TERM_WIDTH, CLIFF_FIT_WIDTH, NO_COLOR and the terminal) into {@link FormatOptions}.
 * The oclif definitions of those options are in src/cli/flags/format.ts.
 */
import type { CsvQuote, FormatOptions, OutputFormat } from './types.js';

/** The parsed values of either flag set (what `this.parse()` returns for them). */
export type FormatFlagValues = {
  format?: string;
  column?: string[];
  noindent?: boolean;
  prefix?: string;
  'max-width'?: number;
  'fit-width'?: boolean;
  'print-empty'?: boolean;
  quote?: string;
  'sort-column'?: string[];
  'sort-ascending'?: boolean;
  'sort-descending'?: boolean;
};

const FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml', 'value', 'shell', 'csv'];
const QUOTES: readonly CsvQuote[] = ['all', 'minimal', 'none', 'nonnumeric'];

/** Python's `int(text)` for the environment variables cliff reads (`' 80 '`, `'+80'`, `'1_0'`); invalid → 0. */
function pyInt(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim();
  if (!/^[-+]?\d+(?:_\d+)*$/.test(t)) return 0;
  return Number.parseInt(t.replace(/_/g, ''), 10);
}

/**
 * FormatOptions from parsed flags. `--max-width` wins over CLIFF_MAX_TERM_WIDTH; `--fit-width` or CLIFF_FIT_WIDTH
 * (a non-zero integer) fits the table to the terminal, only when stdout is a TTY with a known width; colour only for
 * tables on a TTY without NO_COLOR. Values of the wrong type (a loosely typed flags record) count as not given.
 */
export function formatOptionsFromFlags(
  flags: FormatFlagValues | Readonly<Record<string, unknown>>,
  kind: 'show' | 'list',
  stdout: { isTTY?: boolean; columns?: number },
  env: Readonly<Record<string, string | undefined>>,
): FormatOptions {
  const raw: Readonly<Record<string, unknown>> = flags;
  const str = (name: string): string | undefined => {
    const v = raw[name];
    return typeof v === 'string' ? v : undefined;
  };
  const strs = (name: string): string[] => {
    const v = raw[name];
    if (typeof v === 'string') return [v];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  const bool = (name: string): boolean => raw[name] === true;
  const maxWidthFlag = raw['max-width'];

  const format = FORMATS.find((f) => f === str('format')) ?? 'table';
  const quote = QUOTES.find((q) => q === str('quote')) ?? 'nonnumeric';
  const isTTY = stdout.isTTY === true;
  const maxWidth = typeof maxWidthFlag === 'number' ? maxWidthFlag : pyInt(env.CLIFF_MAX_TERM_WIDTH);
  const fitRequested = bool('fit-width') || pyInt(env.CLIFF_FIT_WIDTH) !== 0;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const options: FormatOptions = {
    format,
    columns: strs('column'),
    noindent: bool('noindent'),
    fitWidth: fitRequested && isTTY,
    printEmpty: bool('print-empty'),
    prefix: kind === 'show' ? (str('prefix') ?? '') : '',
    quote,
    sortColumns: kind === 'list' ? strs('sort-column') : [],
    sortDescending: kind === 'list' && bool('sort-descending'),
    color: isTTY && !noColor && format === 'table',
  };
  if (maxWidth > 0) options.maxWidth = maxWidth;
  if (isTTY && stdout.columns !== undefined && stdout.columns > 0) options.terminalWidth = stdout.columns;
  return options;
}
