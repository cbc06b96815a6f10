/**
 * Python-compatible renderings of JSON-like values, as the real client (CPython 3.11 + tackerclient) produces them:
 * `str()`, `repr()`, tackerclient's `DictModel.__str__`, `json.dumps` (ensure_ascii) and string ordering.
 *
 * Values are what `JSON.parse` gives (string, number, boolean, null, arrays, plain objects). Numbers that are
 * integral are treated as Python `int`s, others as `float`s (JSON `1.0` therefore prints `1`: the distinction is lost
 * by `JSON.parse`).
 */

export type PyDict = Record<string, unknown>;

export function isDict(value: unknown): value is PyDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

/** Python's `str < str`: plain code-point order (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(j) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  const aDone = i >= a.length;
  const bDone = j >= b.length;
  if (aDone && bDone) return 0;
  return aDone ? -1 : 1;
}

/** `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on (`1e-05`, `1.5e+16`). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let fixed: string;
  if (exp >= 0) {
    fixed =
      digits.length <= exp + 1
        ? `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`
        : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    fixed = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return sign + fixed;
}

/** `str()`/`repr()` of a JSON number: integral values are Python ints, the rest floats. */
export function pyNumber(x: number): string {
  if (Number.isInteger(x)) return BigInt(x).toString();
  return pyFloatRepr(x);
}

// Python's str.isprintable() is false for these categories (plus everything outside them is printable, except
// that the space U+0020 is printable although it is Zs).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function isPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return false; // lone surrogate (Cs)
  return !NON_PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/** `repr(str)`: single quotes unless the text has `'` and no `"`; escapes as CPython does. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f) out += ch;
    else if (isPrintable(cp)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

/** `repr()` of a JSON-like value: `None`, `True`, `'text'`, `[1, 'a']`, `{'k': 'v'}` (insertion order). */
export function pyRepr(value: unknown): string {
  if (value === undefined) return "''";
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isDict(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return pyStrRepr(String(value));
}

/**
 * tackerclient's `DictModel.__str__`: `", ".join(sorted("%s=%s" % (k, v)))`. The `k=v` strings are sorted (not the
 * keys); nested dicts recurse with the same rule (no braces); lists are Python `repr`s. An empty dict is `""`.
 */
export function dictModelStr(d: PyDict): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${pyStr(v)}`)
    .sort(compareCodePoints)
    .join(', ');
}

/**
 * `str()` of a response value as tackerclient holds it (dicts are DictModels): strings as they are, `None`,
 * `True`/`False`, numbers, dicts as {@link dictModelStr}, lists as `repr`. `undefined` (an absent attribute) is `""`.
 */
export function pyStr(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (isDict(value)) return dictModelStr(value);
  return pyRepr(value);
}

/** `json.dumps(str)` with ensure_ascii: `\"`, `\\`, `\n`…, `\u00e9`, surrogate pairs for astral characters. */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] ?? '';
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${hex(c, 4)}`;
    else out += ch;
  }
  return out + '"';
}

/**
 * `json.dumps(value, indent=indent)` with Python's defaults (ensure_ascii, insertion order). Without an indent the
 * separators are `", "` and `": "` (what `--noindent` prints); with one, items end in `,` at line ends.
 * A `Map` is encoded as an object in its own key order (JS objects put integer-like keys first).
 */
export function pyJsonDumps(value: unknown, indent?: number): string {
  const itemSep = indent === undefined ? ', ' : ',';
  const encode = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return 'NaN';
      if (v === Infinity) return 'Infinity';
      if (v === -Infinity) return '-Infinity';
      return pyNumber(v);
    }
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return pyJsonString(v);
    let items: string[];
    let open: string;
    let close: string;
    if (Array.isArray(v)) {
      items = v.map((item: unknown) => encode(item, level + 1));
      [open, close] = ['[', ']'];
    } else if (v instanceof Map || isDict(v)) {
      const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
      items = entries.map(([k, item]) => `${pyJsonString(String(k))}: ${encode(item, level + 1)}`);
      [open, close] = ['{', '}'];
    } else {
      return pyJsonString(String(v));
    }
    if (items.length === 0) return open + close;
    if (indent === undefined) return open + items.join(itemSep) + close;
    const inner = '\n' + ' '.repeat(indent * (level + 1));
    const outer = '\n' + ' '.repeat(indent * level);
    return open + inner + items.join(itemSep + inner) + outer + close;
  };
  return encode(value, 0);
}

/** Python's `str.isspace()` for one character (used by textwrap's `chunk.strip() == ''`). */
export function pyIsSpace(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    (cp >= 0x1c && cp <= 0x20) ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}
