/**
 * Loading the package's YAML files (TOSCA Definitions and HOT templates).
 *
 * - Syntax errors are reported with file, line and column.
 * - Scalars keep their source text where a number would lose it (`1.0` stays "1.0", `1.10`
 *   stays "1.10"), so version strings written without quotes survive; numeric readers accept
 *   numeric strings.
 * - Alias expansion is bounded (billion-laughs documents are refused).
 * - TOSCA `imports` are resolved relative to the importing file's directory and must stay inside
 *   the package; the closure of a file is computed cycle-safe. Imports by URL are not fetched
 *   (they are noted as warnings): vnflcm recognises the standard ETSI types by name.
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { PackageWarning } from './model.js';
import { describe, isRecord, type Problems } from './problems.js';
import { relativeTo, resolveInPackage } from './paths.js';

export interface LoadedYaml {
  /** Package-relative path. */
  rel: string;
  data: unknown;
  /** Package-relative paths of the files this one imports (resolved, existing, inside the root). */
  imports: string[];
}

const MAX_NODES = 1_000_000;

/** Parses YAML text; returns undefined (after reporting) when it has syntax errors. */
export function parseYaml(text: string, rel: string, problems: Problems): { ok: true; data: unknown } | { ok: false } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    // The first error only: later ones are mostly consequences of it.
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const head = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      problems.add(rel, 'valid YAML', `${head}${where}`);
    }
    return { ok: false };
  }
  const budget = { n: 0 };
  try {
    return { ok: true, data: toPlain(doc.contents, doc, budget) };
  } catch (err) {
    if (err instanceof NodeBudgetError) {
      problems.add(rel, `a YAML document of at most ${MAX_NODES} nodes after alias expansion`, 'more');
      return { ok: false };
    }
    throw err;
  }
}

class NodeBudgetError extends Error {}

function toPlain(node: unknown, doc: Document, budget: { n: number }): unknown {
  budget.n += 1;
  if (budget.n > MAX_NODES) throw new NodeBudgetError();
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPlain(node.resolve(doc), doc, budget);
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number' && node.type === 'PLAIN' && node.source !== undefined && String(v) !== node.source) {
      return node.source;
    }
    if (typeof v === 'bigint') return Number(v);
    return v;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const k = toPlain(pair.key, doc, budget);
      const key = k === null ? '' : typeof k === 'object' ? JSON.stringify(k) : String(k);
      Object.defineProperty(out, key, {
        value: toPlain(pair.value, doc, budget),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((it) => toPlain(it, doc, budget));
  return null;
}

export class YamlLoader {
  private readonly cache = new Map<string, Promise<LoadedYaml | undefined>>();

  constructor(
    private readonly root: string,
    private readonly problems: Problems,
    private readonly warnings: PackageWarning[],
  ) {}

  /** Loads (once) a package-relative YAML file; TOSCA imports are resolved unless `tosca` is false. */
  load(rel: string, tosca = true): Promise<LoadedYaml | undefined> {
    let p = this.cache.get(rel);
    if (!p) {
      p = this.doLoad(rel, tosca);
      this.cache.set(rel, p);
    }
    return p;
  }

  private async doLoad(rel: string, tosca: boolean): Promise<LoadedYaml | undefined> {
    const r = await resolveInPackage(this.root, rel);
    if (r.kind !== 'file') {
      this.problems.add(rel, 'a YAML file in the package', r.kind === 'outside' ? 'a path outside the package' : 'no such file');
      return undefined;
    }
    const text = await readFile(r.abs, 'utf8');
    const parsed = parseYaml(text, rel, this.problems);
    if (!parsed.ok) return undefined;
    const loaded: LoadedYaml = { rel, data: parsed.data, imports: [] };
    if (tosca && isRecord(parsed.data) && parsed.data.imports !== undefined && parsed.data.imports !== null) {
      loaded.imports = await this.resolveImports(rel, parsed.data.imports);
    }
    return loaded;
  }

  private async resolveImports(rel: string, imports: unknown): Promise<string[]> {
    if (!Array.isArray(imports)) {
      this.problems.add(`${rel}: imports`, 'a list of file names', describe(imports));
      return [];
    }
    const out: string[] = [];
    for (let i = 0; i < imports.length; i++) {
      const path = `${rel}: imports[${i}]`;
      const ref = importRef(imports[i]);
      if (ref === undefined) {
        this.problems.add(path, 'a file name or a mapping with "file"', describe(imports[i]));
        continue;
      }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
        this.warnings.push({ path, message: `import ${ref} is not fetched (only files inside the package are read)` });
        continue;
      }
      const target = relativeTo(rel, ref);
      const r = target === undefined ? undefined : await resolveInPackage(this.root, target);
      if (!r || r.kind === 'outside') {
        this.problems.add(path, 'a file inside the package', `${describe(ref)} (it resolves outside the package root)`);
        continue;
      }
      if (r.kind !== 'file') {
        this.problems.add(path, 'an existing file (relative to this file\'s directory)', `no such file: ${describe(r.rel)}`);
        continue;
      }
      out.push(r.rel);
    }
    return out;
  }

  /** The file and everything it imports, transitively, depth-first in import order (cycle-safe). */
  async closure(rel: string): Promise<LoadedYaml[]> {
    const seen = new Set<string>();
    const out: LoadedYaml[] = [];
    const visit = async (r: string): Promise<void> => {
      if (seen.has(r)) return;
      seen.add(r);
      const f = await this.load(r);
      if (!f) return;
      out.push(f);
      for (const imp of f.imports) await visit(imp);
    };
    await visit(rel);
    return out;
  }
}

/** `- file.yaml`, `- {file: file.yaml}`, `- name: file.yaml`, `- name: {file: file.yaml}`. */
function importRef(item: unknown): string | undefined {
  if (typeof item === 'string' && item !== '') return item;
  if (!isRecord(item)) return undefined;
  if (typeof item.file === 'string') return item.file;
  const keys = Object.keys(item);
  if (keys.length === 1) {
    const v = item[keys[0] ?? ''];
    if (typeof v === 'string' && v !== '') return v;
    if (isRecord(v) && typeof v.file === 'string') return v.file;
  }
  return undefined;
}
