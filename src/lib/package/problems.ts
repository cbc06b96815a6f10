/**
 * Problem collection for the package reader: every problem names the package-relative file and
 * the key inside it (`Definitions/df.yaml: topology_template.node_templates.VDU1.properties.name`),
 * says what was expected and what was found. The reader reports all of them in one InputError.
 */
import { InputError, type InputProblem } from '../errors.js';
import { parseSize } from './size.js';

export class Problems {
  readonly list: InputProblem[] = [];

  add(path: string, expected: string, found: string, hint?: string): void {
    const p: InputProblem = { path, expected, found };
    if (hint !== undefined) p.hint = hint;
    this.list.push(p);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws the collected problems as one InputError (exit 3) when there are any. */
  throwIfAny(label: string): void {
    if (!this.empty) throw packageError(label, this.list);
  }
}

export function packageError(label: string, problems: InputProblem[]): InputError {
  return new InputError(`Invalid VNF package ${label}`, problems);
}

/** `file: key.path`, or the file alone when there is no key. */
export function at(file: string, keys?: string): string {
  return keys ? `${file}: ${keys}` : file;
}

/** How a found value is shown in a problem: strings quoted, containers by kind. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A cursor on a value inside a parsed YAML file. Accessors report a problem (and return
 * undefined) when the value is missing or of the wrong kind, so callers can carry on and collect
 * every problem of the file.
 */
export class At {
  constructor(
    readonly problems: Problems,
    readonly file: string,
    readonly keys: string,
    readonly value: unknown,
  ) {}

  get path(): string {
    return at(this.file, this.keys);
  }

  key(k: string): At {
    const v = isRecord(this.value) ? this.value[k] : undefined;
    return new At(this.problems, this.file, this.keys ? `${this.keys}.${k}` : k, v);
  }

  index(i: number): At {
    const v = Array.isArray(this.value) ? (this.value[i] as unknown) : undefined;
    return new At(this.problems, this.file, `${this.keys}[${i}]`, v);
  }

  /** Follows a dotted chain of keys. */
  dig(...ks: string[]): At {
    return ks.reduce<At>((cur, k) => cur.key(k), this);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  fail(expected: string, hint?: string): undefined {
    this.problems.add(this.path, expected, describe(this.value), hint);
    return undefined;
  }

  /** A string (numbers are accepted as their YAML source text, as TOSCA parsers do). */
  string(): string | undefined {
    const v = this.value;
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
    return this.fail('a non-empty string');
  }

  /** Like string() when present (an empty string is accepted), else the fallback. */
  optString(fallback?: string): string | undefined {
    if (this.value === '') return '';
    return this.present ? this.string() : fallback;
  }

  /** An integer ≥ min (default 0); integer-valued strings are accepted. */
  int(min = 0): number | undefined {
    const v = this.value;
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
    if (n !== undefined && Number.isSafeInteger(n) && n >= min) return n;
    return this.fail(`an integer ≥ ${min}`);
  }

  optInt(fallback: number, min = 0): number | undefined {
    return this.present ? this.int(min) : fallback;
  }

  /** A TOSCA scalar-unit.size ("2 GB", "512 MiB") in bytes. */
  size(): number | undefined {
    const bytes = parseSize(this.value);
    if (bytes !== undefined) return bytes;
    return this.fail('a size with a unit like "2 GB", "512 MiB" or "0 GB"', 'units: B, kB, KiB, MB, MiB, GB, GiB, TB, TiB');
  }

  optSize(fallback: number): number | undefined {
    return this.present ? this.size() : fallback;
  }

  map(): Record<string, unknown> | undefined {
    if (isRecord(this.value)) return this.value;
    return this.fail('a mapping');
  }

  optMap(): Record<string, unknown> | undefined {
    return this.present ? this.map() : undefined;
  }

  list(): unknown[] | undefined {
    if (Array.isArray(this.value)) return this.value;
    return this.fail('a list');
  }

  /** Entries of a mapping as cursors (empty when absent; a problem when not a mapping). */
  entries(): [string, At][] {
    if (!this.present) return [];
    const m = this.map();
    return m ? Object.keys(m).map((k) => [k, this.key(k)]) : [];
  }

  /** Items of a list as cursors (empty when absent; a problem when not a list). */
  items(): At[] {
    if (!this.present) return [];
    const l = this.list();
    return l ? l.map((_, i) => this.index(i)) : [];
  }

  /** A list of strings (empty when absent). */
  stringList(): string[] | undefined {
    if (!this.present) return [];
    const l = this.list();
    if (!l) return undefined;
    const out: string[] = [];
    let ok = true;
    this.items().forEach((it) => {
      const s = it.string();
      if (s === undefined) ok = false;
      else out.push(s);
    });
    return ok ? out : undefined;
  }
}
