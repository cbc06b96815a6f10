/**
 * Glance image API v2: find, create, upload (streamed and verified), wait, delete.
 *
 *   const glance = new GlanceClient(session);
 *   const image = await glance.createImage({ name: 'vdu1-image', diskFormat: 'qcow2', containerFormat: 'bare',
 *                                            minDisk: 1, minRam: 0, visibility: 'private' });
 *   const active = await glance.uploadImage(image.id, '/path/disk.qcow2', {
 *     onProgress: (sent, total) => ..., expectedHash: { algorithm: 'sha512', value: vnfdChecksum } });
 *   await glance.deleteImage(image.id);
 *
 * `uploadImage` streams the file (constant memory) as `application/octet-stream` while hashing it,
 * waits for `active`, then compares Glance's `os_hash_algo`/`os_hash_value` (or, from a Glance
 * without them, the md5 `checksum`) and `expectedHash`, if given, with the local hashes. On a mismatch the image is deleted and a
 * `CliError` is thrown. The catalog's `image` endpoint has no version; `/v2` is appended here.
 */
import { createHash, getHashes, type Hash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, errorMessage } from '../errors.js';
import { OpenStackHttpError, type Session } from './session.js';
import { isUuid, pickOne } from './find.js';

const SERVICE = 'image';

export type ImageStatus = 'queued' | 'saving' | 'uploading' | 'importing' | 'active' | 'killed' | 'deleted' | 'pending_delete' | 'deactivated';

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus | string;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  size: number | null;
  virtual_size?: number | null;
  /** md5 of the data. */
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  visibility: 'public' | 'private' | 'shared' | 'community' | string;
  protected: boolean;
  owner?: string;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
  [property: string]: unknown;
}

export interface CreateImageRequest {
  name: string;
  diskFormat: string;
  containerFormat: string;
  /** GB. */
  minDisk?: number;
  /** MB. */
  minRam?: number;
  visibility?: 'public' | 'private' | 'shared' | 'community';
  tags?: string[];
  /** Extra image properties (strings). */
  properties?: Record<string, string>;
}

export interface UploadOptions {
  /** Called as data is sent (at most every 1 MiB and at the end). */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** A hash the file must have (e.g. the VNFD's `sw_image_data.checksum`). */
  expectedHash?: { algorithm: string; value: string };
  /** Timeout of the PUT (default: 10 min or 1 s per MB, whichever is longer). */
  timeoutMs?: number;
  /** How long to wait for `active` after the upload (default 120 s). */
  activeTimeoutMs?: number;
}

function hashAlgorithm(name: string): string {
  const n = name.toLowerCase().replace(/-/g, '');
  const known = getHashes();
  const found = known.find((h) => h.toLowerCase().replace(/-/g, '') === n);
  if (!found) throw new CliError(`Unsupported hash algorithm ${name}`);
  return found;
}

/** Hash a file with `algorithm` by streaming it. */
export async function hashFile(path: string, algorithm: string): Promise<string> {
  const h = createHash(hashAlgorithm(algorithm));
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export class GlanceClient {
  private readonly session: Session;

  constructor(session: Session) {
    this.session = session;
  }

  private url(path: string): string {
    return this.session.versionedEndpoint(SERVICE, 'v2') + path;
  }

  /** `GET /v2/images/{id}`. */
  async getImage(id: string): Promise<Image> {
    return this.session.json<Image>(SERVICE, 'GET', this.url(`/images/${encodeURIComponent(id)}`));
  }

  /** `GET /v2/images` with filters (e.g. `{ name }`), following `next`. */
  async listImages(filters: Record<string, string | number | undefined> = {}): Promise<Image[]> {
    const out: Image[] = [];
    let url: string | undefined = this.url('/images');
    let query: Record<string, string | number | undefined> | undefined = filters;
    for (let page = 0; url !== undefined && page < 1000; page++) {
      const body: { images: Image[]; next?: string } = await this.session.json<{ images: Image[]; next?: string }>(
        SERVICE,
        'GET',
        url,
        query ? { query } : {},
      );
      out.push(...body.images);
      // `next` is "/v2/images?marker=..." (relative to the endpoint root)
      url = body.next ? this.session.endpoint(SERVICE) + body.next.replace(/^(?:\/v2(?=\/))?/, '/v2') : undefined;
      query = undefined;
    }
    return out;
  }

  /** An image by id or exact name; several images with that name -> an error listing their ids. */
  async findImage(nameOrId: string): Promise<Image> {
    if (isUuid(nameOrId)) {
      try {
        return await this.getImage(nameOrId);
      } catch (err) {
        if (!(err instanceof OpenStackHttpError && err.status === 404)) throw err;
      }
    }
    return pickOne('Image', nameOrId, await this.listImages({ name: nameOrId }));
  }

  /** `POST /v2/images` (the image record, status `queued`). */
  async createImage(req: CreateImageRequest): Promise<Image> {
    const body: Record<string, unknown> = {
      name: req.name,
      disk_format: req.diskFormat,
      container_format: req.containerFormat,
      min_disk: req.minDisk ?? 0,
      min_ram: req.minRam ?? 0,
      visibility: req.visibility ?? 'private',
    };
    if (req.tags) body.tags = req.tags;
    for (const [k, v] of Object.entries(req.properties ?? {})) if (!(k in body)) body[k] = v;
    return this.session.json<Image>(SERVICE, 'POST', this.url('/images'), { json: body });
  }

  /**
   * `PUT /v2/images/{id}/file` streaming `filePath`, then wait for `active` and verify hashes.
   * Returns the active image. On a hash mismatch the image is deleted and an error thrown.
   */
  async uploadImage(id: string, filePath: string, opts: UploadOptions = {}): Promise<Image> {
    let total: number;
    try {
      total = statSync(filePath).size;
    } catch (err) {
      throw new CliError(`Cannot read image file ${filePath}: ${errorMessage(err)}`);
    }
    // Glance hashes with sha512 unless configured otherwise; other algorithms (or the md5
    // `checksum` of a Glance without os_hash_*) are computed afterwards by reading the file again.
    const hashes = new Map<string, Hash>([['sha512', createHash('sha512')]]);
    if (opts.expectedHash) {
      const algo = hashAlgorithm(opts.expectedHash.algorithm);
      if (!hashes.has(algo)) hashes.set(algo, createHash(algo));
    }
    let sent = 0;
    let reported = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
        for (const h of hashes.values()) h.update(chunk);
        sent += chunk.length;
        if (opts.onProgress && (sent - reported >= 1 << 20 || sent === total)) {
          reported = sent;
          opts.onProgress(sent, total);
        }
        cb(null, chunk);
      },
    });
    const file = createReadStream(filePath, { highWaterMark: 1 << 20 });
    file.on('error', (err) => meter.destroy(err));
    file.pipe(meter);
    try {
      await this.session.request(SERVICE, 'PUT', this.url(`/images/${encodeURIComponent(id)}/file`), {
        body: meter,
        contentLength: total,
        headers: { 'Content-Type': 'application/octet-stream' },
        timeoutMs: opts.timeoutMs ?? Math.max(600_000, total / 1000),
      });
    } finally {
      file.destroy();
    }
    if (sent !== total) throw new CliError(`Image file ${filePath} changed during the upload (${sent} of ${total} bytes sent)`);
    if (total === 0) opts.onProgress?.(0, 0);
    const local = new Map<string, string>();
    for (const [algo, h] of hashes) local.set(algo, h.digest('hex'));

    const image = await this.waitForImageActive(id, { timeoutMs: opts.activeTimeoutMs ?? 120_000 });
    const problems: string[] = [];
    if (image.os_hash_algo && image.os_hash_value) {
      const algo = hashAlgorithm(image.os_hash_algo);
      const mine = local.get(algo) ?? (await hashFile(filePath, algo));
      if (mine !== image.os_hash_value.toLowerCase()) problems.push(`Glance ${image.os_hash_algo} ${image.os_hash_value}, local ${mine}`);
    } else if (image.checksum) {
      const mine = await hashFile(filePath, 'md5');
      if (image.checksum.toLowerCase() !== mine) problems.push(`Glance checksum (md5) ${image.checksum}, local ${mine}`);
    } else {
      problems.push('Glance reported no checksum');
    }
    if (opts.expectedHash) {
      const mine = local.get(hashAlgorithm(opts.expectedHash.algorithm));
      if (mine !== opts.expectedHash.value.toLowerCase()) {
        problems.push(`expected ${opts.expectedHash.algorithm} ${opts.expectedHash.value}, file ${mine}`);
      }
    }
    if (problems.length > 0) {
      await this.deleteImage(id);
      throw new CliError(`Image ${id} checksum verification failed (${problems.join('; ')}); the image was deleted`);
    }
    return image;
  }

  /** Poll until `active` (0.5 s growing to 2 s); `killed`/`deleted`/`deactivated` fail. */
  async waitForImageActive(id: string, opts: { timeoutMs: number; pollMinMs?: number; pollMaxMs?: number }): Promise<Image> {
    const t0 = Date.now();
    let interval = opts.pollMinMs ?? 500;
    for (;;) {
      const image = await this.getImage(id);
      if (image.status === 'active') return image;
      if (['killed', 'deleted', 'pending_delete', 'deactivated'].includes(image.status)) {
        throw new CliError(`Image ${id} is ${image.status}`);
      }
      if (Date.now() - t0 >= opts.timeoutMs) {
        throw new CliError(`Image ${id} did not become active within ${Math.round(opts.timeoutMs / 1000)} s (status ${image.status})`);
      }
      await sleep(interval);
      interval = Math.min(opts.pollMaxMs ?? 2000, Math.round(interval * 1.5));
    }
  }

  /** `DELETE /v2/images/{id}`; 404 tolerated. */
  async deleteImage(id: string): Promise<void> {
    try {
      await this.session.request(SERVICE, 'DELETE', this.url(`/images/${encodeURIComponent(id)}`));
    } catch (err) {
      if (!(err instanceof OpenStackHttpError && err.status === 404)) throw err;
    }
  }
}
