/**
 * The local file store (the default backend): one JSON file per record under `VNFLCM_HOME`.
 *
 * Layout (all directories 0700, files 0600):
 *   meta.json                       {"schemaVersion": N}
 *   packages/<vnfdId>/record.json   PackageRecord
 *   packages/<vnfdId>/content/      a private copy of the package
 *   instances/<id>.json             VnfInstanceRecord
 *   ops/<id>.json                   OpOccRecord
 *   logs/<opId>.log                 per-operation provisioning log
 *   hostkeys/<sha256(id)>.json      {id, fingerprint, recordedAt}
 *   vims/<name>.json                VimRecord
 *   kubeconfigs/<instance id>.conf  admin kubeconfigs of Kubernetes VIMs
 *
 * One JSON file per record: concurrent `create`s never touch the same file; every write is atomic
 * (temp file + fsync + rename); read-modify-write of one record holds a lock on that record.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import type { HostKeyStore, StateBackend, Update, VimRecord } from './backend.js';
import { ensureDir, readJson, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { socketOperationLock, type OperationLock } from './oplock.js';
import type { OpOccRecord, PackageRecord, VnfInstanceRecord } from './records.js';

export class FileBackend implements StateBackend {
  readonly kind = 'file' as const;
  readonly root: string;
  private operationLock: OperationLock | undefined;

  constructor(root: string) {
    this.root = root;
  }

  get location(): string {
    return this.root;
  }

  private path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /**
   * Run `fn` holding the named lock (a lock directory next to the data). Held only for a
   * read-modify-write, refreshed every 2 s while held; a lock left by a killed process is stale
   * after 10 s and taken over, well inside the ~50 s the retries wait.
   */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const lockDir = this.path('locks');
    await ensureDir(lockDir);
    const target = join(lockDir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
    const { default: lockfile } = await import('proper-lockfile');
    const release = await lockfile.lock(target, {
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: { retries: 200, minTimeout: 20, maxTimeout: 250, factor: 1.3 },
    });
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  packageContentDir(vnfdId: string): string {
    return this.path('packages', safeName(vnfdId), 'content');
  }

  async getPackage(vnfdId: string): Promise<PackageRecord | undefined> {
    return readJson<PackageRecord>(this.path('packages', safeName(vnfdId), 'record.json'));
  }

  async putPackage(rec: PackageRecord): Promise<void> {
    await writeJsonAtomic(this.path('packages', safeName(rec.vnfdId), 'record.json'), rec);
  }

  async listPackages(): Promise<PackageRecord[]> {
    const ids = await listDir(this.path('packages'));
    const recs = await Promise.all(ids.map((d) => readJson<PackageRecord>(this.path('packages', d, 'record.json'))));
    return recs.filter((r): r is PackageRecord => r !== undefined).sort(byTime((r) => r.onboardedAt));
  }

  async deletePackage(vnfdId: string): Promise<void> {
    await rm(this.path('packages', safeName(vnfdId)), { recursive: true, force: true });
  }

  async getInstance(id: string): Promise<VnfInstanceRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    return readJson<VnfInstanceRecord>(this.path('instances', `${id}.json`));
  }

  async createInstance(rec: VnfInstanceRecord): Promise<void> {
    await writeJsonAtomic(this.path('instances', `${safeName(rec.id)}.json`), rec);
  }

  async listInstances(): Promise<VnfInstanceRecord[]> {
    return this.listRecords<VnfInstanceRecord>('instances', (r) => r.createdAt);
  }

  async updateInstance(id: string, fn: Update<VnfInstanceRecord>): Promise<VnfInstanceRecord> {
    return this.withLock(`instance-${id}`, async () => {
      const cur = await this.getInstance(id);
      if (!cur) throw new CliError(`Can not find requested vnf instance: ${id}`);
      const next = await fn(structuredClone(cur));
      await writeJsonAtomic(this.path('instances', `${id}.json`), next);
      return next;
    });
  }

  async deleteInstance(id: string): Promise<void> {
    await rm(this.path('instances', `${safeName(id)}.json`), { force: true });
  }

  async getOp(id: string): Promise<OpOccRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    return readJson<OpOccRecord>(this.path('ops', `${id}.json`));
  }

  async putOp(rec: OpOccRecord): Promise<void> {
    await writeJsonAtomic(this.path('ops', `${safeName(rec.id)}.json`), rec);
  }

  async listOps(): Promise<OpOccRecord[]> {
    return this.listRecords<OpOccRecord>('ops', (r) => r.startTime);
  }

  async updateOp(id: string, fn: Update<OpOccRecord>): Promise<OpOccRecord> {
    return this.withLock(`op-${id}`, async () => {
      const cur = await this.getOp(id);
      if (!cur) throw new CliError('table vnf_lcm_op_occs not Found');
      const next = await fn(structuredClone(cur));
      await writeJsonAtomic(this.path('ops', `${id}.json`), next);
      return next;
    });
  }

  opLock(): OperationLock {
    // One lock per store directory, however its path was spelled (relative, through a symlink).
    this.operationLock ??= socketOperationLock(realpathSync(this.root), { lockDir: this.path('locks'), withStoreLock: (name, fn) => this.withLock(name, fn) });
    return this.operationLock;
  }

  opLogFile(opId: string): string {
    return this.path('logs', `${opId}.log`);
  }

  hostKeys(): HostKeyStore {
    const file = (id: string) => this.path('hostkeys', `${hostKeyName(id)}.json`);
    return {
      get: async (id) => (await readJson<{ id: string; fingerprint: string }>(file(id)))?.fingerprint,
      set: async (id, fingerprint) => writeJsonAtomic(file(id), { id, fingerprint, recordedAt: new Date().toISOString() }),
    };
  }

  /** Every pinned host key (for `state export`). */
  async listHostKeys(): Promise<{ id: string; fingerprint: string; recordedAt?: string }[]> {
    return this.listRecords<{ id: string; fingerprint: string; recordedAt?: string }>('hostkeys', (r) => r.recordedAt ?? '');
  }

  async readOpLog(opId: string): Promise<Buffer | undefined> {
    return readFile(this.opLogFile(safeName(opId))).catch(() => undefined);
  }

  async writeOpLog(opId: string, data: Buffer): Promise<void> {
    await writeFileAtomic(this.opLogFile(safeName(opId)), data);
  }

  async getVim(name: string): Promise<VimRecord | undefined> {
    return readJson<VimRecord>(this.path('vims', `${safeName(name)}.json`));
  }

  async putVim(rec: VimRecord): Promise<void> {
    await writeJsonAtomic(this.path('vims', `${safeName(rec.name)}.json`), rec);
  }

  async deleteVim(name: string): Promise<void> {
    await rm(this.path('vims', `${safeName(name)}.json`), { force: true });
  }

  async listVims(): Promise<VimRecord[]> {
    return this.listRecords<VimRecord>('vims', (r) => r.createdAt);
  }

  async close(): Promise<void> {
    // nothing held between calls
  }

  private async listRecords<T>(dir: string, time: (r: T) => string): Promise<T[]> {
    const names = (await listDir(this.path(dir))).filter((n) => n.endsWith('.json'));
    const recs = await Promise.all(names.map((n) => readJson<T>(this.path(dir, n))));
    return recs.filter((r): r is Awaited<T> => r !== undefined).sort(byTime(time as (r: Awaited<T>) => string));
  }
}

export function hostKeyName(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

export function byTime<T>(time: (r: T) => string): (a: T, b: T) => number {
  return (a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Ids are used as file names: only accept what a UUID-ish id can contain. */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) && !id.includes('..');
}

export function safeName(name: string): string {
  if (!isSafeId(name)) throw new CliError(`Invalid identifier: ${JSON.stringify(name)}`);
  return name;
}
