/** Package-relative path handling: everything a VNFD references must stay inside the package root. */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';

export type Resolved =
  | { kind: 'file' | 'dir'; rel: string; abs: string }
  | { kind: 'missing'; rel: string; abs: string }
  | { kind: 'outside'; rel: string };

/**
 * Normalises a package-relative reference (POSIX separators). Returns undefined when it is
 * absolute or climbs above the root with `..`.
 */
export function normalizeRel(ref: string): string | undefined {
  const r = ref.replace(/\\/g, '/');
  if (r.startsWith('/') || /^[A-Za-z]:/.test(r)) return undefined;
  const n = posix.normalize(r);
  if (n === '..' || n.startsWith('../')) return undefined;
  return n.replace(/^\.\//, '').replace(/\/+$/, '');
}

/** A reference written in `fromFile` (package-relative), resolved against that file's directory. */
export function relativeTo(fromFile: string, ref: string): string | undefined {
  const r = ref.replace(/\\/g, '/');
  if (r.startsWith('/') || /^[A-Za-z]:/.test(r)) return undefined;
  return normalizeRel(posix.join(posix.dirname(fromFile), r));
}

/**
 * Resolves a package-relative path against `root` (a real path) and classifies it. Symbolic links
 * are followed and refused when the target is outside the root.
 */
export async function resolveInPackage(root: string, rel: string): Promise<Resolved> {
  const n = normalizeRel(rel);
  if (n === undefined) return { kind: 'outside', rel };
  const abs = join(root, ...n.split('/'));
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return { kind: 'missing', rel: n, abs };
  }
  if (real !== root && !real.startsWith(root + sep)) return { kind: 'outside', rel: n };
  const st = await stat(real);
  return { kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'missing', rel: n, abs: real };
}

/**
 * Every file under `root` (a real path), package-relative with POSIX separators, sorted. Symbolic
 * links to files inside the root count as files; links that lead outside the root (or to
 * nothing) are returned in `outside` so the reader can refuse them; links to directories are not
 * followed.
 */
export async function listFiles(root: string): Promise<{ files: string[]; outside: string[] }> {
  const files: string[] = [];
  const outside: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      if (e.isSymbolicLink()) {
        const r = await resolveInPackage(root, rel);
        if (r.kind === 'file') files.push(rel);
        else if (r.kind !== 'dir') outside.push(rel);
      } else if (e.isDirectory()) {
        await walk(abs, rel);
      } else if (e.isFile()) {
        files.push(rel);
      }
    }
  }
  await walk(root, '');
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(cmp), outside: outside.sort(cmp) };
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}
