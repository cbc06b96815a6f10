/** Shared pieces of the formatter tests. */
import type { FormatOptions } from '../../src/lib/format/index.js';

export const lines = (...ls: string[]): string => ls.join('\n') + '\n';
export const ESC = '\x1b';
export const bold = (text: string): string => `${ESC}[1m${text}${ESC}[22m`;
export const unbold = (text: string): string => text.replaceAll(`${ESC}[1m`, '').replaceAll(`${ESC}[22m`, '');

/** The options `formatOptionsFromFlags` gives with no flags on a pipe (the real client's defaults). */
export const DEFAULT_OPTIONS: FormatOptions = {
  format: 'table',
  columns: [],
  noindent: false,
  fitWidth: false,
  printEmpty: false,
  prefix: '',
  quote: 'nonnumeric',
  sortColumns: [],
  sortDescending: false,
  color: false,
};

export function opts(over: Partial<FormatOptions> = {}): FormatOptions {
  return { ...DEFAULT_OPTIONS, ...over };
}
