/**
 * Reading a `docker save` archive (plain or gzip-compressed tar) far enough to know what
 * `docker load` will create: its `manifest.json` (config, repo tags, layers). Used to check a
 * registry image shipped in a package (`image_path`) before it is uploaded: the registry driver
 * runs `registry:latest`, so the archive must carry that tag.
 *
 * The tar is read as a stream with tar-stream (a multi-GiB archive is not loaded into memory; ustar
 * prefixes, PAX `path` records and GNU long names are the library's).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
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

/** tar-stream's wording for what is not a tar, in this module's terms (the messages tests and users see). */
function tarErrorText(err: unknown): string {
  const m = errorMessage(err);
  if (/Invalid tar header/i.test(m)) return 'not a tar archive (bad header checksum)';
  if (/Unexpected end of data/i.test(m)) return 'truncated tar archive';
  return m;
}

/** Streams the tar (tar-stream) and returns the content of the first file named `wanted` (≤ 1 MiB). */
async function findEntry(file: string, wanted: string): Promise<Buffer | undefined> {
  const source = createReadStream(file);
  const stream: Readable = (await isGzip(file)) ? source.pipe(createGunzip()) : source;
  const tar = extract();
  const abort = (err: Error): void => void tar.destroy(err);
  source.on('error', abort);
  stream.on('error', abort);
  stream.pipe(tar);
  try {
    for await (const entry of tar) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (name === wanted && entry.header.type === 'file') {
        if ((entry.header.size ?? 0) > MAX_META) throw new Error(`${wanted} is larger than 1 MiB`);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      }
      entry.resume();
    }
    return undefined;
  } catch (err) {
    throw new Error(tarErrorText(err), { cause: err });
  } finally {
    source.destroy();
    stream.destroy();
    tar.destroy();
  }
}
