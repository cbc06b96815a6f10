/**
 * Safe extraction of a CSAR (ZIP) VNF package.
 *
 * Every entry is checked before anything is written: names must stay inside the destination
 * (no absolute paths, drive letters or `..` segments), only regular files and directories are
 * accepted (no symbolic links, devices or FIFOs), no encrypted or duplicate entries, and the
 * archive must stay below an entry count and a total uncompressed size (zip bombs). yauzl also
 * checks while inflating that no entry produces more bytes than its header declares.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { CliError, errorMessage } from '../errors.js';
import { Problems } from './problems.js';

export interface CsarLimits {
  /** Total uncompressed bytes of all entries (default 4 GiB). */
  maxTotalBytes?: number;
  /** Number of entries (default 10 000). */
  maxEntries?: number;
}

export const DEFAULT_MAX_TOTAL_BYTES = 4 * 1024 ** 3;
export const DEFAULT_MAX_ENTRIES = 10_000;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

interface Planned {
  entry: yauzl.Entry;
  name: string;
  dir: boolean;
}

/**
 * Extracts `zipPath` into `destDir` (created when missing; it must be empty when it exists).
 * Throws an InputError (exit 3) listing every unsafe or unreadable entry; nothing is written when
 * an entry fails the checks. On a failure while writing, what was extracted so far is left for the
 * caller to remove.
 */
export async function extractCsar(zipPath: string, destDir: string, limits: CsarLimits = {}): Promise<void> {
  const maxTotal = limits.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const label = zipPath;
  const archive = basename(zipPath);
  const problems = new Problems();

  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (err) {
    const text = zipErrorText(err);
    const found = /central directory record signature not found/i.test(text)
      ? 'a file that is not a ZIP archive (or a truncated one)'
      : /ENOENT/.test(text)
        ? 'no such file'
        : text;
    problems.add(archive, 'a ZIP archive (CSAR)', found);
    problems.throwIfAny(label);
    throw err;
  }

  try {
    if (zip.entryCount > maxEntries) {
      problems.add(archive, `at most ${maxEntries} entries`, `${zip.entryCount} entries`, 'the archive looks like a zip bomb');
      problems.throwIfAny(label);
    }

    const planned: Planned[] = [];
    const seen = new Set<string>();
    let total = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        const raw = yauzl.getFileNameLowLevel(
          entry.generalPurposeBitFlag,
          entry.fileNameRaw,
          entry.extraFields,
          false,
        );
        const p = checkEntry(entry, raw, problems);
        if (!p) continue;
        if (seen.has(p.name)) {
          problems.add(raw, 'each path once in the archive', 'a duplicate entry');
          continue;
        }
        seen.add(p.name);
        total += entry.uncompressedSize;
        planned.push(p);
      }
    } catch (err) {
      problems.add(archive, 'a readable ZIP archive (CSAR)', zipErrorText(err));
    }
    if (total > maxTotal) {
      problems.add(
        archive,
        `at most ${formatBytes(maxTotal)} uncompressed in total`,
        formatBytes(total),
        'the archive looks like a zip bomb',
      );
    }
    problems.throwIfAny(label);

    const dest = resolve(destDir);
    await prepareDest(dest);
    for (const p of planned) {
      const target = join(dest, ...p.name.split('/'));
      if (target !== dest && !target.startsWith(dest + sep)) {
        // Unreachable after checkEntry; kept as a last line of defence.
        problems.add(p.name, 'a path inside the package', 'a path outside it');
        continue;
      }
      try {
        if (p.dir) {
          await mkdir(target, { recursive: true });
        } else {
          await mkdir(dirname(target), { recursive: true });
          const stream = await zip.openReadStreamPromise(p.entry);
          await pipeline(stream, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
        }
      } catch (err) {
        problems.add(p.name, 'a readable ZIP entry', zipErrorText(err));
      }
    }
    problems.throwIfAny(label);
  } finally {
    zip.close();
  }
}

/** Validates one entry; returns its normalised name and kind, or undefined after adding a problem. */
function checkEntry(entry: yauzl.Entry, raw: string, problems: Problems): Planned | undefined {
  const shown = raw === '' ? '(empty name)' : raw;
  if (raw.includes('\0')) {
    problems.add(shown, 'a file name without NUL characters', 'a NUL character');
    return undefined;
  }
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    problems.add(shown, 'a relative path inside the package', 'an absolute path');
    return undefined;
  }
  const segments = raw.split('/');
  if (segments.includes('..')) {
    problems.add(shown, 'a relative path inside the package', 'a path that leaves it (".." segment)');
    return undefined;
  }
  const isDirName = raw.endsWith('/');
  const name = posix.normalize(raw).replace(/\/+$/, '');
  if (name === '' || name === '.') {
    if (isDirName) return undefined; // "./" — the root itself
    problems.add(shown, 'a file name', 'an empty name');
    return undefined;
  }
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) {
    problems.add(
      shown,
      'a regular file or directory',
      'a symbolic link',
      'a CSAR must not contain links; put the file itself into the archive',
    );
    return undefined;
  }
  if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) {
    problems.add(shown, 'a regular file or directory', `a special file (mode ${mode.toString(8)})`);
    return undefined;
  }
  if (entry.isEncrypted()) {
    problems.add(shown, 'an unencrypted entry', 'an encrypted entry');
    return undefined;
  }
  const dir = isDirName || mode === S_IFDIR;
  if (!dir && !entry.canDecodeFileData()) {
    problems.add(shown, 'a stored or deflated entry', `compression method ${entry.compressionMethod}`);
    return undefined;
  }
  return { entry, name, dir };
}

async function prepareDest(dest: string): Promise<void> {
  let existing: string[] | undefined;
  try {
    const st = await stat(dest);
    if (!st.isDirectory()) throw new CliError(`Cannot extract the VNF package into ${dest}: not a directory`);
    existing = await readdir(dest);
  } catch (err) {
    if (err instanceof CliError) throw err;
    existing = undefined;
  }
  if (existing && existing.length > 0) {
    throw new CliError(`Cannot extract the VNF package into ${dest}: the directory is not empty`);
  }
  await mkdir(dest, { recursive: true });
}

function zipErrorText(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? 'an unreadable archive';
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${n} B` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
