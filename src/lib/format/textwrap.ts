/**
 * Python's `textwrap.fill(text, width)` with its defaults (expand tabs, whitespace → spaces, break on hyphens,
 * break long words, drop whitespace at line ends). prettytable wraps an over-long cell line with it when the
 * table has a maximum width. Lengths are counted in code points, like Python's `len()`.
 */
import { pyIsSpace } from './python.js';

const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const WORD = '[\\p{L}\\p{N}_]'; // Python's \w (str.isalnum() or '_')
const WORD_PUNCT = `[\\p{L}\\p{N}_!"'&.,?]`;
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]'; // [^\d\W]: \w without decimal digits

// textwrap.TextWrapper.wordsep_re (Python 3.11), verbatim apart from syntax.
const WORDSEP_SOURCE =
  `(${WS}+` +
  `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
  `|${NWS}+?(?:` +
  `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
  `|(?=${WS}|$)` +
  `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})` +
  `))`;

const WORDSEP_RE = new RegExp(WORDSEP_SOURCE, 'gu');

/** textwrap's `_whitespace`, each replaced by a space before splitting. */
const TEXTWRAP_WHITESPACE = new Set(['\t', '\n', '\x0b', '\x0c', '\r', ' ']);

function cpLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function expandTabs(text: string, tabsize = 8): string {
  let out = '';
  let column = 0;
  for (const ch of text) {
    if (ch === '\t') {
      const spaces = tabsize - (column % tabsize);
      out += ' '.repeat(spaces);
      column += spaces;
    } else {
      out += ch;
      column = ch === '\n' || ch === '\r' ? 0 : column + 1;
    }
  }
  return out;
}

/** `re.split(wordsep_re, text)` with the empty pieces removed. */
function splitChunks(text: string): string[] {
  const chunks: string[] = [];
  let last = 0;
  for (const m of text.matchAll(WORDSEP_RE)) {
    const index = m.index ?? 0;
    if (index > last) chunks.push(text.slice(last, index));
    if (m[0]) chunks.push(m[0]);
    last = index + m[0].length;
  }
  if (last < text.length) chunks.push(text.slice(last));
  return chunks;
}

function isBlank(s: string): boolean {
  for (const ch of s) if (!pyIsSpace(ch)) return false;
  return true;
}

/** `TextWrapper._handle_long_word` with break_long_words and break_on_hyphens. */
function handleLongWord(reversed: string[], curLine: string[], curLen: number, width: number): void {
  const spaceLeft = width < 1 ? 1 : width - curLen;
  const chunk = Array.from(reversed[reversed.length - 1] ?? '');
  let end = spaceLeft;
  if (chunk.length > spaceLeft) {
    const hyphen = chunk.slice(0, spaceLeft).lastIndexOf('-');
    if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
  }
  curLine.push(chunk.slice(0, end).join(''));
  reversed[reversed.length - 1] = chunk.slice(end).join('');
}

/** `textwrap.wrap(text, width)`. */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) throw new Error(`invalid width ${width} (must be > 0)`);
  const munged = Array.from(expandTabs(text), (ch) => (TEXTWRAP_WHITESPACE.has(ch) ? ' ' : ch)).join('');
  const chunks = splitChunks(munged).reverse();
  const lines: string[] = [];
  while (chunks.length > 0) {
    const curLine: string[] = [];
    let curLen = 0;
    if (lines.length > 0 && isBlank(chunks[chunks.length - 1] ?? '')) chunks.pop();
    while (chunks.length > 0) {
      const l = cpLen(chunks[chunks.length - 1] ?? '');
      if (curLen + l <= width) {
        curLine.push(chunks.pop() ?? '');
        curLen += l;
      } else break;
    }
    if (chunks.length > 0 && cpLen(chunks[chunks.length - 1] ?? '') > width) {
      handleLongWord(chunks, curLine, curLen, width);
      curLen = curLine.reduce((n, c) => n + cpLen(c), 0);
    }
    if (curLine.length > 0 && isBlank(curLine[curLine.length - 1] ?? '')) {
      curLen -= cpLen(curLine[curLine.length - 1] ?? '');
      curLine.pop();
    }
    if (curLine.length > 0) lines.push(curLine.join(''));
  }
  return lines;
}

/** `textwrap.fill(text, width)`. */
export function fill(text: string, width: number): string {
  return wrap(text, width).join('\n');
}
