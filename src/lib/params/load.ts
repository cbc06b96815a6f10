/**
 * Param-file loading exactly like python-tackerclient 2.3.0's `jsonfile2body`:
 * the same checks in the same order and the same messages, all `CliError` with exit code 1.
 *
 *   missing / unreadable     Invalid input: User does not have read privileges to it
 *   directory                Invalid input: Failed to load parameter file. Error: [Errno 21] Is a directory: '<path>'
 *   not UTF-8 / not JSON     Invalid input: Failed to load parameter file. Error: <Python's error text>
 *   falsy ({} [] 0 "" …)     Empty input: The parameter file is empty
 *   any other non-object     Unable to serialize object of type = '<class 'list'>'   (instantiate, create --I)
 *
 * When a JSON error comes from `#` comments (the user guide's sample param files carry
 * `#Set the uuid …` notes), a second line says so.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { CliError, ExitCode } from '../errors.js';
import { type PyClass, PyJsonDecodeError, pyJsonLoads, PyRecursionError, PyUnicodeDecodeError, readPythonText } from './pyjson.js';

export const COMMENT_HINT = "Hint: JSON has no comments; remove the '#…' parts (the guide's '#Set the uuid …' notes).";

export interface LoadParamFileOptions {
  /**
   * The file is merged into the request with Python's `dict.update()` (heal and scale
   * `--additional-param-file`) instead of being the body itself (instantiate, `create --I`).
   * A list of key/value pairs is then accepted, as Python accepts it, and other non-objects fail
   * with Python's `dict.update()` error texts instead of `Unable to serialize object …`.
   */
  allowArray?: boolean;
}

/** Python's `repr()` of a str (used for file names in OSError texts). */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xad) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + q;
}

const ERRNO: Record<string, [number, string]> = {
  EISDIR: [21, 'Is a directory'],
  EACCES: [13, 'Permission denied'],
  ENOENT: [2, 'No such file or directory'],
  ELOOP: [40, 'Too many levels of symbolic links'],
  ENAMETOOLONG: [36, 'File name too long'],
  ENOTDIR: [20, 'Not a directory'],
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'No such device or address'],
};

function invalid(reason: string): CliError {
  return new CliError(`Invalid input: ${reason}`, ExitCode.runtime);
}

function failedToLoad(error: string): CliError {
  return invalid(`Failed to load parameter file. Error: ${error}`);
}

/** Whether the text has a `#` outside JSON strings (a comment-like note). */
export function hasHashComment(text: string): boolean {
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"' || c === '\n') inStr = false;
    } else if (c === '"') {
      inStr = true;
    } else if (c === '#') {
      return true;
    }
  }
  return false;
}

function isFalsy(v: unknown): boolean {
  if (v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How `json.dumps` writes a non-string dict key. */
function pyKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === null) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number') {
    if (Number.isNaN(k)) return 'NaN';
    if (!Number.isFinite(k)) return k > 0 ? 'Infinity' : '-Infinity';
  }
  return String(k);
}

function pyTypeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    default:
      return 'dict';
  }
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** `{}.update(value)` for a truthy non-dict JSON value, with Python's error texts. */
function pyDictUpdate(value: unknown, pyClass: PyClass): Record<string, unknown> {
  if (pyClass === 'int' || pyClass === 'float' || pyClass === 'bool') {
    throw new CliError(`'${pyClass}' object is not iterable`, ExitCode.runtime);
  }
  const seq: unknown[] = typeof value === 'string' ? Array.from(value) : (value as unknown[]);
  const out: Record<string, unknown> = {};
  seq.forEach((el, i) => {
    let pair: unknown[];
    if (typeof el === 'string') pair = Array.from(el);
    else if (Array.isArray(el)) pair = el;
    else if (isPlainObject(el)) pair = Object.keys(el);
    else throw new CliError(`cannot convert dictionary update sequence element #${i} to a sequence`, ExitCode.runtime);
    if (pair.length !== 2) throw new CliError(`dictionary update sequence element #${i} has length ${pair.length}; 2 is required`, ExitCode.runtime);
    const [k, v] = pair;
    if (Array.isArray(k) || isPlainObject(k)) throw new CliError(`unhashable type: '${pyTypeName(k)}'`, ExitCode.runtime);
    setKey(out, pyKey(k), v);
  });
  return out;
}

/**
 * Read a parameter file the way `openstack vnflcm` does and return its JSON object.
 * Throws `CliError` (exit 1) with the real client's message on every failure.
 */
export async function loadParamFile(path: string, opts: LoadParamFileOptions = {}): Promise<Record<string, unknown>> {
  try {
    await access(path, constants.R_OK);
  } catch {
    throw invalid('User does not have read privileges to it');
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const [errno, text] = ERRNO[code] ?? [(e as NodeJS.ErrnoException).errno ? Math.abs((e as NodeJS.ErrnoException).errno as number) : 0, (e as Error).message];
    throw failedToLoad(`[Errno ${errno}] ${text}: ${pyRepr(path)}`);
  }
  let text: string;
  try {
    text = readPythonText(bytes);
  } catch (e) {
    if (e instanceof PyUnicodeDecodeError) throw failedToLoad(e.message);
    throw e;
  }
  let parsed: { value: unknown; pyClass: PyClass };
  try {
    parsed = pyJsonLoads(text);
  } catch (e) {
    if (e instanceof PyJsonDecodeError) {
      const msg = `Invalid input: Failed to load parameter file. Error: ${e.message}`;
      throw new CliError(hasHashComment(text) ? `${msg}\n${COMMENT_HINT}` : msg, ExitCode.runtime);
    }
    if (e instanceof PyRecursionError) throw new CliError(e.message, ExitCode.runtime);
    throw e;
  }
  const { value, pyClass } = parsed;
  if (isFalsy(value)) throw new CliError('Empty input: The parameter file is empty', ExitCode.runtime);
  if (isPlainObject(value)) return value;
  if (opts.allowArray) return pyDictUpdate(value, pyClass);
  throw new CliError(`Unable to serialize object of type = '<class '${pyClass}'>'`, ExitCode.runtime);
}
