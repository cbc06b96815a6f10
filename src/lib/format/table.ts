/**
 * The table formatter: prettytable 3.6 as cliff 4.0 drives it (padding 1, `+`/`-`/`|` borders, a rule above and
 * below the header and at the bottom, no rules between rows, multi-line cells top-aligned), including cliff's
 * `--max-width`/`--fit-width` column shrinking and prettytable's `textwrap.fill` of over-long lines.
 *
 * Written out rather than delegated to cli-table3: that library measures with string-width 4 (only U+0300–U+036F
 * count as combining, zero-width characters count 1), truncates over-long lines with `…` instead of letting them
 * overflow, wraps differently and has no header-only form with the extra rule; prettytable's output could not be
 * reproduced with it byte for byte.
 */
import { displayWidth } from './wcwidth.js';
import { fill } from './textwrap.js';

export type Align = 'l' | 'r' | 'c';

export interface TableInput {
  fieldNames: string[];
  /** Cells already converted to text (Python `str()`), one array per row, in field order. */
  rows: string[][];
  /** Alignment per field (header and cells). */
  align: Align[];
  /** Print rule/header/rule/rule when there are no rows (otherwise an empty table is ""). */
  printEmpty: boolean;
  /** Styles a header label (e.g. bold); widths are always computed on the unstyled text. */
  styleHeader?: (label: string) => string;
}

export interface WidthLimit {
  /** `--max-width` / CLIFF_MAX_TERM_WIDTH; values < 1 disable it. */
  maxWidth: number;
  /** `--fit-width` / CLIFF_FIT_WIDTH: fit to `terminalWidth` (only used when maxWidth < 1). */
  fitWidth: boolean;
  terminalWidth?: number;
  /** cliff never shrinks a column below this (16 for show tables, 8 for lists). */
  minWidth: number;
}

function size(text: string): { width: number; height: number } {
  const lines = text.split('\n');
  return { width: Math.max(...lines.map(displayWidth)), height: lines.length };
}

function spaces(n: number): string {
  return n > 0 ? ' '.repeat(n) : '';
}

/** prettytable `_justify`, returning the padding separately so that styling can wrap just the text. */
function justify(text: string, width: number, align: Align): [string, string] {
  const textWidth = displayWidth(text);
  const excess = width - textWidth;
  if (align === 'l') return ['', spaces(excess)];
  if (align === 'r') return [spaces(excess), ''];
  const half = Math.floor(excess / 2);
  if (excess % 2 !== 0) {
    // like str.center(): more space on the right for odd-width text, on the left for even-width text
    return textWidth % 2 !== 0 ? [spaces(half), spaces(half + 1)] : [spaces(half + 1), spaces(half)];
  }
  return [spaces(half), spaces(half)];
}

function computeWidths(input: TableInput, maxWidths: Map<number, number>): number[] {
  const widths = input.fieldNames.map((name) => size(name).width);
  for (const row of input.rows) {
    input.fieldNames.forEach((_, i) => {
      const cellWidth = size(row[i] ?? '').width;
      const limit = maxWidths.get(i);
      widths[i] = Math.max(widths[i] ?? 0, limit === undefined ? cellWidth : Math.min(cellWidth, limit));
    });
  }
  return widths;
}

function truncateToWidth(text: string, width: number): string {
  // prettytable: fieldname[:width] when a header is wider than its column (cannot happen with cliff's tables,
  // whose widths start from the header widths; kept for completeness)
  return Array.from(text).slice(0, Math.max(0, width)).join('');
}

function stringifyRow(row: string[], widths: number[], align: Align[]): string[] {
  const cells = widths.map((width, i) =>
    (row[i] ?? '')
      .split('\n')
      .map((line) => (width >= 1 && displayWidth(line) > width ? fill(line, width) : line))
      .join('\n')
      .split('\n'),
  );
  const height = Math.max(...cells.map((c) => c.length));
  const out: string[] = [];
  for (let y = 0; y < height; y++) {
    const parts = cells.map((lines, i) => {
      const line = lines[y] ?? '';
      const [left, right] = justify(line, widths[i] ?? 0, align[i] ?? 'l');
      return ` ${left}${line}${right} `;
    });
    out.push(`|${parts.join('|')}|`);
  }
  return out;
}

/** prettytable `get_string()` with the given per-column maximum widths. */
function prettyString(input: TableInput, maxWidths: Map<number, number>): string {
  if (input.rows.length === 0 && !input.printEmpty) return '';
  const widths = computeWidths(input, maxWidths);
  const rule = `+${widths.map((w) => '-'.repeat(Math.max(0, w + 2))).join('+')}+`;
  const style = input.styleHeader ?? ((label: string) => label);
  const header = input.fieldNames.map((name, i) => {
    const width = widths[i] ?? 0;
    const label = displayWidth(name) > width ? truncateToWidth(name, width) : name;
    const [left, right] = justify(label, width, input.align[i] ?? 'c');
    return ` ${left}${label === '' ? '' : style(label)}${right} `;
  });
  const lines = [rule, `|${header.join('|')}|`, rule];
  for (const row of input.rows) lines.push(...stringifyRow(row, widths, input.align));
  lines.push(rule);
  return lines.join('\n');
}

/**
 * cliff's `TableFormatter._assign_max_widths`: when the table is wider than the limit, columns wider than an even
 * share are shrunk to share what the narrower columns leave (never below `minWidth`).
 */
function assignMaxWidths(input: TableInput, limit: WidthLimit): Map<number, number> {
  const maxWidths = new Map<number, number>();
  let termWidth: number;
  if (limit.maxWidth > 0) termWidth = limit.maxWidth;
  else if (!limit.fitWidth || !limit.terminalWidth) return maxWidths;
  else termWidth = limit.terminalWidth;

  const firstLine = prettyString({ ...input, styleHeader: undefined }, maxWidths).split('\n')[0] ?? '';
  if (firstLine === '' || Array.from(firstLine).length <= termWidth) return maxWidths;

  const fieldCount = input.fieldNames.length;
  const usable = Math.max(0, termWidth - 1 - 3 * fieldCount);
  const optimal = fieldCount === 0 ? 0 : Math.max(0, Math.floor(usable / fieldCount));
  const fieldWidths = firstLine
    .split('+')
    .slice(1, -1)
    .map((part) => Math.max(0, part.length - 2));

  const shrink: number[] = [];
  let remaining = usable;
  fieldWidths.forEach((w, i) => {
    if (w <= optimal) remaining -= w;
    else shrink.push(i);
  });
  if (shrink.length === 0) return maxWidths;
  const shrinkTo = Math.floor(remaining / shrink.length);
  for (const i of shrink.slice(0, -1)) {
    maxWidths.set(i, Math.max(limit.minWidth, shrinkTo));
    remaining -= shrinkTo;
  }
  maxWidths.set(shrink[shrink.length - 1] ?? 0, Math.max(limit.minWidth, remaining));
  return maxWidths;
}

/** The table as cliff writes it, without the trailing newline cliff adds. */
export function renderTable(input: TableInput, limit: WidthLimit): string {
  return prettyString(input, assignMaxWidths(input, limit));
}
