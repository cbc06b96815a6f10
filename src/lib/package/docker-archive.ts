/**
 * Reading a `docker save` archive (plain or gzip-compressed tar) far enough to know what
 * `docker load` will create: its `manifest.json` (config, repo tags, layers). Used to check a
 * registry image shipped in a package (`image_path`) before it is uploaded: the registry driver
 * runs `registry:latest`, so the archive must carry that tag.
 *
 * The tar is read as a stream (a multi-GiB archive is not loaded into memory); ustar names with
 * prefix, PAX `path` records and GNU long names are understood.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, errorMessage } from '../errors.js';
import { isRecord } from './problems.js';

export interface DockerArchiveImage {
  /** Config blob path inside the archive. */
  config: string;
  /** `repo:tag` names the image gets on `docker load` (may be empty). */
  repoTags: string[];
  /** Layer paths inside the archive. */
  layers: string[];
}

const BLOCK = 512;
const MAX_META = 1024 * 1024;

/** Parses `manifest.json` of a docker-save archive; an InputError names the file when it is not one. */
export async function readDockerArchive(file: string, label: string = file): Promise<DockerArchiveImage[]> {
  const fail = (found: string): InputError =>
    new InputError(`Invalid Docker image archive ${label}`, [
      { path: label, expected: 'a "docker save" archive (tar, optionally gzip-compressed) with manifest.json', found },
    ]);
  let manifest: Buffer | undefined;
  try {
    manifest = await findEntry(file, 'manifest.json');
  } catch (err) {
    throw fail(errorMessage(err));
  }
  if (!manifest) throw fail('no manifest.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifest.toString('utf8'));
  } catch {
    throw fail('a manifest.json that is not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw fail('a manifest.json without images');
  return parsed.map((m) => {
    const strings = (v: unknown): string[] | undefined =>
      Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
    if (!isRecord(m) || typeof m.Config !== 'string') throw fail('a manifest.json entry without "Config"');
    const layers = strings(m.Layers);
    const repoTags = m.RepoTags === null || m.RepoTags === undefined ? [] : strings(m.RepoTags);
    if (!layers || !repoTags) throw fail('a manifest.json entry with malformed "Layers" or "RepoTags"');
    return { config: m.Config, repoTags, layers };
  });
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Streams the tar and returns the content of the first entry named `wanted` (≤ 1 MiB). */
async function findEntry(file: string, wanted: string): Promise<Buffer | undefined> {
  let stream: Readable = createReadStream(file);
  if (await isGzip(file)) stream = stream.pipe(createGunzip());
  const reader = new BlockReader(stream);
  let longName: string | undefined;
  try {
    for (;;) {
      const header = await reader.read(BLOCK);
      if (!header || header.length < BLOCK) throw new Error('truncated tar archive');
      if (header.every((b) => b === 0)) return undefined;
      if (!checksumOk(header)) throw new Error('not a tar archive (bad header checksum)');
      const size = octal(header.subarray(124, 136));
      const type = String.fromCharCode(header[156] ?? 0);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L') {
        if (size > MAX_META) throw new Error('oversized tar metadata record');
        const data = await reader.read(padded);
        if (!data) throw new Error('truncated tar archive');
        const body = data.subarray(0, size);
        longName = type === 'L' ? cstr(body) : (paxPath(body) ?? longName);
        continue;
      }
      const prefix = cstr(header.subarray(345, 500));
      const base = cstr(header.subarray(0, 100));
      const name = (longName ?? (prefix ? `${prefix}/${base}` : base)).replace(/^\.\//, '');
      longName = undefined;
      if (name === wanted && (type === '0' || type === '\0')) {
        if (size > MAX_META) throw new Error(`${wanted} is larger than 1 MiB`);
        const data = await reader.read(padded);
        if (!data) throw new Error('truncated tar archive');
        return data.subarray(0, size);
      }
      await reader.skip(padded);
    }
  } finally {
    stream.destroy();
  }
}

function cstr(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}

function octal(b: Buffer): number {
  if (((b[0] ?? 0) & 0x80) !== 0) {
    // GNU base-256
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + (b[i] ?? 0);
    return n;
  }
  const s = cstr(b).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return sum === octal(h.subarray(148, 156));
}

function paxPath(body: Buffer): string | undefined {
  let off = 0;
  let path: string | undefined;
  while (off < body.length) {
    const sp = body.indexOf(0x20, off);
    if (sp === -1) break;
    const len = parseInt(body.subarray(off, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = body.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === 'path') path = rec.slice(eq + 1);
    off += len;
  }
  return path;
}

/** Pulls exact byte counts out of a stream. */
class BlockReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(stream: Readable) {
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    }
  }

  async read(n: number): Promise<Buffer | undefined> {
    await this.fill(n);
    if (this.buf.length === 0) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0) {
        await this.fill(1);
        if (this.buf.length === 0) throw new Error('truncated tar archive');
      }
      const take = Math.min(left, this.buf.length);
      this.buf = this.buf.subarray(take);
      left -= take;
    }
  }
}
