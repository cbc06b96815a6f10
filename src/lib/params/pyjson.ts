/**
 * A JSON reader that behaves like CPython 3.11's `json.load(open(path))` — the call the real
 * `openstack vnflcm` client makes on a parameter file — including its exact error texts:
 *
 *   - the file is decoded as strict UTF-8 (`'utf-8' codec can't decode byte 0xff in position 3: invalid start byte`),
 *   - universal newlines: `\r\n` and lone `\r` become `\n` before parsing (they shift char offsets),
 *   - a leading BOM is an error (`Unexpected UTF-8 BOM (decode using utf-8-sig)`),
 *   - the C scanner's (`Modules/_json.c`) grammar and first-error positions:
 *     `<msg>: line L column C (char N)` with L, C 1-based and N a 0-based code-point offset,
 *   - `NaN`, `Infinity`, `-Infinity` are accepted; duplicate keys: the last value wins, at the
 *     position of the first occurrence.
 *
 * Valid input is parsed with `JSON.parse` (every text JSON.parse accepts is accepted by Python with
 * the same result); only when that fails does the scanner below run, either to produce Python's
 * message or to build the value of a text that uses Python's extensions (NaN/Infinity).
 *
 * Over 400 lines: one scanner (values, strings, numbers, the error positions) kept together with the
 * strict UTF-8 decoder whose offsets its messages count in; split, it could no longer be read against
 * the C scanner it follows.
 */

/** The Python class of a decoded top-level value, as `type(x)` would name it. */
export type PyClass = 'dict' | 'list' | 'str' | 'int' | 'float' | 'bool' | 'NoneType';

export interface PyJsonValue {
  value: unknown;
  pyClass: PyClass;
}

/** `json.JSONDecodeError`: `str(err)` is `<msg>: line L column C (char N)`. */
export class PyJsonDecodeError extends Error {
  readonly msg: string;
  /** 0-based code-point offset. */
  readonly pos: number;
  readonly lineno: number;
  readonly colno: number;
  constructor(msg: string, doc: readonly string[], pos: number) {
    let lineno = 1;
    let lastNl = -1;
    for (let i = 0; i < pos && i < doc.length; i++) {
      if (doc[i] === '\n') {
        lineno++;
        lastNl = i;
      }
    }
    const colno = pos - lastNl;
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`);
    this.name = 'JSONDecodeError';
    this.msg = msg;
    this.pos = pos;
    this.lineno = lineno;
    this.colno = colno;
  }
}

/** `UnicodeDecodeError` from the strict UTF-8 codec; `message` is Python's `str(err)`. */
export class PyUnicodeDecodeError extends Error {
  constructor(bytes: Uint8Array, start: number, end: number, reason: string) {
    const msg =
      end === start + 1
        ? `'utf-8' codec can't decode byte 0x${(bytes[start] ?? 0).toString(16).padStart(2, '0')} in position ${start}: ${reason}`
        : `'utf-8' codec can't decode bytes in position ${start}-${end - 1}: ${reason}`;
    super(msg);
    this.name = 'UnicodeDecodeError';
  }
}

/** Python's `RecursionError` for documents nested deeper than Python's default recursion limit allows. */
export class PyRecursionError extends Error {
  constructor(kind: 'object' | 'array') {
    super(`maximum recursion depth exceeded while decoding a JSON ${kind} from a unicode string`);
    this.name = 'RecursionError';
  }
}

/**
 * Nesting depth at which CPython gives up. Python's limit is 1000 frames in total, shared with
 * the client's own call stack, so the real threshold is somewhat lower and not fixed; 990 is close.
 */
const MAX_DEPTH = 990;

const isCont = (b: number): boolean => b >= 0x80 && b <= 0xbf;

/**
 * Strict UTF-8 decode with CPython's error reporting (maximal-subpart ranges, the three reasons
 * `invalid start byte`, `invalid continuation byte`, `unexpected end of data`).
 */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const left = n - i;
    const at = (k: number): number => bytes[i + k] as number;
    if (b < 0xc2) throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid start byte');
    if (b < 0xe0) {
      if (left < 2) throw new PyUnicodeDecodeError(bytes, i, n, 'unexpected end of data');
      if (!isCont(at(1))) throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid continuation byte');
      i += 2;
      continue;
    }
    if (b < 0xf0) {
      const bad2 = (c2: number): boolean => !isCont(c2) || (b === 0xe0 && c2 < 0xa0) || (b === 0xed && c2 >= 0xa0);
      if (left < 3) {
        if (left >= 2 && bad2(at(1))) throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid continuation byte');
        throw new PyUnicodeDecodeError(bytes, i, n, 'unexpected end of data');
      }
      if (bad2(at(1))) throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid continuation byte');
      if (!isCont(at(2))) throw new PyUnicodeDecodeError(bytes, i, i + 2, 'invalid continuation byte');
      i += 3;
      continue;
    }
    if (b < 0xf5) {
      const bad2 = (c2: number): boolean => !isCont(c2) || (b === 0xf0 && c2 < 0x90) || (b === 0xf4 && c2 >= 0x90);
      if (left < 4) {
        if (left >= 2 && bad2(at(1))) throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid continuation byte');
        if (left >= 3 && !isCont(at(2))) throw new PyUnicodeDecodeError(bytes, i, i + 2, 'invalid continuation byte');
        throw new PyUnicodeDecodeError(bytes, i, n, 'unexpected end of data');
      }
      if (bad2(at(1))) throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid continuation byte');
      if (!isCont(at(2))) throw new PyUnicodeDecodeError(bytes, i, i + 2, 'invalid continuation byte');
      if (!isCont(at(3))) throw new PyUnicodeDecodeError(bytes, i, i + 3, 'invalid continuation byte');
      i += 4;
      continue;
    }
    throw new PyUnicodeDecodeError(bytes, i, i + 1, 'invalid start byte');
  }
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}

/** Python's universal-newlines translation on read (`open(path)` in text mode). */
export function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Thrown inside the scanner where Python raises `StopIteration(idx)` ("Expecting value"). */
class StopIter {
  constructor(readonly idx: number) {}
}

const WS = new Set([' ', '\t', '\n', '\r']);
const HEX = /^[0-9a-fA-F]$/;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** The C scanner (`scan_once_unicode` and friends) over an array of code points. */
class Scanner {
  private readonly len: number;
  constructor(private readonly s: readonly string[]) {
    this.len = s.length;
  }

  private err(msg: string, pos: number): PyJsonDecodeError {
    return new PyJsonDecodeError(msg, this.s, pos);
  }

  private skipWs(idx: number): number {
    while (idx < this.len && WS.has(this.s[idx] as string)) idx++;
    return idx;
  }

  private matches(idx: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.s[idx + k] !== word[k]) return false;
    return true;
  }

  /** `scanstring_unicode(pystr, end, strict=True)`; `end` is just after the opening quote. */
  scanString(end: number): [string, number] {
    const s = this.s;
    const len = this.len;
    const begin = end - 1;
    let out = '';
    for (;;) {
      let next = end;
      let c: string | undefined;
      for (; next < len; next++) {
        c = s[next] as string;
        if (c === '"' || c === '\\') break;
        if ((c.codePointAt(0) as number) <= 0x1f) throw this.err('Invalid control character at', next);
      }
      if (next >= len) throw this.err('Unterminated string starting at', begin);
      out += s.slice(end, next).join('');
      next++;
      if (c === '"') return [out, next];
      if (next === len) throw this.err('Unterminated string starting at', begin);
      c = s[next] as string;
      if (c !== 'u') {
        end = next + 1;
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        const v = simple[c];
        if (v === undefined) throw this.err('Invalid \\escape', end - 2);
        out += v;
      } else {
        next++;
        end = next + 4;
        if (end >= len) throw this.err('Invalid \\uXXXX escape', next - 1);
        let code = 0;
        for (; next < end; next++) {
          const d = s[next] as string;
          if (!HEX.test(d)) throw this.err('Invalid \\uXXXX escape', end - 5);
          code = (code << 4) | parseInt(d, 16);
        }
        if (code >= 0xd800 && code <= 0xdbff && end + 6 < len && s[next] === '\\' && s[next + 1] === 'u') {
          next += 2;
          end += 6;
          let c2 = 0;
          for (; next < end; next++) {
            const d = s[next] as string;
            if (!HEX.test(d)) throw this.err('Invalid \\uXXXX escape', end - 5);
            c2 = (c2 << 4) | parseInt(d, 16);
          }
          if (c2 >= 0xdc00 && c2 <= 0xdfff) {
            out += String.fromCharCode(code, c2);
          } else {
            end -= 6;
            out += String.fromCharCode(code);
          }
        } else {
          out += String.fromCharCode(code);
        }
      }
    }
  }

  private parseObject(idx: number, depth: number): [Record<string, unknown>, number] {
    const s = this.s;
    const obj: Record<string, unknown> = {};
    idx = this.skipWs(idx);
    if (idx >= this.len || s[idx] !== '}') {
      for (;;) {
        if (idx >= this.len || s[idx] !== '"') throw this.err('Expecting property name enclosed in double quotes', idx);
        const [key, afterKey] = this.scanString(idx + 1);
        idx = this.skipWs(afterKey);
        if (idx >= this.len || s[idx] !== ':') throw this.err("Expecting ':' delimiter", idx);
        idx = this.skipWs(idx + 1);
        const [val, afterVal] = this.scanOnce(idx, depth);
        setKey(obj, key, val);
        idx = this.skipWs(afterVal);
        if (idx < this.len && s[idx] === '}') break;
        if (idx >= this.len || s[idx] !== ',') throw this.err("Expecting ',' delimiter", idx);
        idx = this.skipWs(idx + 1);
      }
    }
    return [obj, idx + 1];
  }

  private parseArray(idx: number, depth: number): [unknown[], number] {
    const s = this.s;
    const arr: unknown[] = [];
    idx = this.skipWs(idx);
    if (idx >= this.len || s[idx] !== ']') {
      for (;;) {
        const [val, after] = this.scanOnce(idx, depth);
        arr.push(val);
        idx = this.skipWs(after);
        if (idx < this.len && s[idx] === ']') break;
        if (idx >= this.len || s[idx] !== ',') throw this.err("Expecting ',' delimiter", idx);
        idx = this.skipWs(idx + 1);
      }
    }
    return [arr, idx + 1];
  }

  /** `_match_number_unicode`; returns the value, whether Python makes it a float, and the end. */
  private matchNumber(start: number): [number, boolean, number] {
    const s = this.s;
    const endIdx = this.len - 1;
    let idx = start;
    if (s[idx] === '-') {
      idx++;
      if (idx > endIdx) throw new StopIter(start);
    }
    const c = s[idx] as string;
    if (c >= '1' && c <= '9') {
      idx++;
      while (idx <= endIdx && isDigit(s[idx])) idx++;
    } else if (c === '0') {
      idx++;
    } else {
      throw new StopIter(start);
    }
    let isFloat = false;
    if (idx < endIdx && s[idx] === '.' && isDigit(s[idx + 1])) {
      isFloat = true;
      idx += 2;
      while (idx <= endIdx && isDigit(s[idx])) idx++;
    }
    if (idx < endIdx && (s[idx] === 'e' || s[idx] === 'E')) {
      const eStart = idx;
      idx++;
      if (idx < endIdx && (s[idx] === '-' || s[idx] === '+')) idx++;
      while (idx <= endIdx && isDigit(s[idx])) idx++;
      if (isDigit(s[idx - 1])) isFloat = true;
      else idx = eStart;
    }
    return [Number(s.slice(start, idx).join('')), isFloat, idx];
  }

  /** `scan_once_unicode`. */
  scanOnce(idx: number, depth: number): [unknown, number, PyClass] {
    const s = this.s;
    const len = this.len;
    if (idx >= len) throw new StopIter(idx);
    switch (s[idx]) {
      case '"': {
        const [v, end] = this.scanString(idx + 1);
        return [v, end, 'str'];
      }
      case '{': {
        if (depth >= MAX_DEPTH) throw new PyRecursionError('object');
        const [v, end] = this.parseObject(idx + 1, depth + 1);
        return [v, end, 'dict'];
      }
      case '[': {
        if (depth >= MAX_DEPTH) throw new PyRecursionError('array');
        const [v, end] = this.parseArray(idx + 1, depth + 1);
        return [v, end, 'list'];
      }
      case 'n':
        if (idx + 3 < len && this.matches(idx, 'null')) return [null, idx + 4, 'NoneType'];
        break;
      case 't':
        if (idx + 3 < len && this.matches(idx, 'true')) return [true, idx + 4, 'bool'];
        break;
      case 'f':
        if (idx + 4 < len && this.matches(idx, 'false')) return [false, idx + 5, 'bool'];
        break;
      case 'N':
        if (idx + 2 < len && this.matches(idx, 'NaN')) return [NaN, idx + 3, 'float'];
        break;
      case 'I':
        if (idx + 7 < len && this.matches(idx, 'Infinity')) return [Infinity, idx + 8, 'float'];
        break;
      case '-':
        if (idx + 8 < len && this.matches(idx, '-Infinity')) return [-Infinity, idx + 9, 'float'];
        break;
    }
    const [v, isFloat, end] = this.matchNumber(idx);
    return [v, end, isFloat ? 'float' : 'int'];
  }

  /** `JSONDecoder.decode`: whitespace, one value, whitespace, end. */
  decode(): PyJsonValue {
    const idx = this.skipWs(0);
    let value: unknown;
    let end: number;
    let pyClass: PyClass;
    try {
      [value, end, pyClass] = this.scanOnce(idx, 0);
    } catch (e) {
      if (e instanceof StopIter) throw this.err('Expecting value', e.idx);
      throw e;
    }
    end = this.skipWs(end);
    if (end !== this.len) throw this.err('Extra data', end);
    return { value, pyClass };
  }
}

function classOf(value: unknown, text: string): PyClass {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return /^[\s]*-?\d+[\s]*$/.test(text) ? 'int' : 'float';
    default:
      return 'dict';
  }
}

/**
 * `json.loads(text)` for a text already read as Python would (see {@link readPythonText}).
 * Throws {@link PyJsonDecodeError} or {@link PyRecursionError}.
 */
export function pyJsonLoads(text: string): PyJsonValue {
  const doc = Array.from(text);
  if (doc[0] === '\ufeff') throw new PyJsonDecodeError('Unexpected UTF-8 BOM (decode using utf-8-sig)', doc, 0);
  try {
    const value: unknown = JSON.parse(text);
    if (maxDepth(value) < MAX_DEPTH) return { value, pyClass: classOf(value, text) };
  } catch {
    // fall through to the Python scanner for the exact message (or the NaN/Infinity extensions)
  }
  return new Scanner(doc).decode();
}

function maxDepth(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop() as [unknown, number];
    if (x !== null && typeof x === 'object') {
      if (d + 1 > max) max = d + 1;
      for (const c of Array.isArray(x) ? x : Object.values(x)) stack.push([c, d + 1]);
    }
  }
  return max;
}

/** Bytes → the `str` Python's `open(path).read()` returns (strict UTF-8, universal newlines). */
export function readPythonText(bytes: Uint8Array): string {
  return universalNewlines(decodeUtf8Strict(bytes));
}
