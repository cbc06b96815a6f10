/**
 * The on-disk store: packages, VNF instances, LCM operation occurrences, SSH host keys and VIMs.
 *
 * Layout under `vnflcmHome()` (all directories 0700, files 0600):
 *   meta.json                       {"schemaVersion": N}
 *   packages/<vnfdId>/record.json   PackageRecord
 *   packages/<vnfdId>/content/      a private copy of the package
 *   instances/<id>.json             VnfInstanceRecord
 *   ops/<id>.json                   OpOccRecord
 *   logs/<opId>.log                 per-operation provisioning log
 *   hostkeys/<sha256(id)>.json      {id, fingerprint, recordedAt}
 *   vims/<name>.json                VimRecord
 *
 * One JSON file per record: concurrent `create`s never touch the same file; every write is atomic
 * (temp file + fsync + rename); read-modify-write of one record holds a lock on that record.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { chmod, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { vnflcmHome } from '../paths.js';
import { DIR_MODE, ensureDir, readJson, writeJsonAtomic } from './atomic.js';
import { migrate, needsMigration, SCHEMA_VERSION } from './migrations.js';
import type { OpOccRecord, PackageRecord, VnfInstanceRecord } from './records.js';
import { socketOperationLock, type OperationLock } from './oplock.js';

export * from './records.js';

export interface VimRecord {
  name: string;
  /** vimId used in vimConnectionInfo. */
  id: string;
  type: 'openstack' | 'kubernetes';
  /** openstack: the clouds.yaml cloud name. */
  cloud?: string;
  /** kubernetes: API server URL, CA, and the path of the admin kubeconfig in the store. */
  kubernetes?: { server: string; kubeconfigFile: string; vnfInstanceId: string };
  /** openstack: used when an instantiate request names no VIM and no cloud is given. */
  isDefault?: boolean;
  createdAt: string;
}

export class Store {
  readonly root: string;
  private operationLock: OperationLock | undefined;

  private constructor(root: string) {
    this.root = root;
  }

  /** Open (and create or migrate) the store at `root` (default: `vnflcmHome()`). */
  static async open(root: string = vnflcmHome()): Promise<Store> {
    await ensureDir(root);
    const st = await stat(root);
    if ((st.mode & 0o077) !== 0) await chmod(root, DIR_MODE);
    const store = new Store(root);
    // Read-only commands must start fast: the lock (and its library) only when a migration is due.
    if (await needsMigration(root)) await store.withLock('meta', () => migrate(root));
    return store;
  }

  static get schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  path(...parts: string[]): string {
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

  // ---- packages -------------------------------------------------------------------------

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

  // ---- instances ------------------------------------------------------------------------

  async getInstance(id: string): Promise<VnfInstanceRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    return readJson<VnfInstanceRecord>(this.path('instances', `${id}.json`));
  }

  async createInstance(rec: VnfInstanceRecord): Promise<void> {
    await writeJsonAtomic(this.path('instances', `${rec.id}.json`), rec);
  }

  async listInstances(): Promise<VnfInstanceRecord[]> {
    return this.listRecords<VnfInstanceRecord>('instances', (r) => r.createdAt);
  }

  /** Read-modify-write one instance under its lock. `fn` may throw to abort without writing. */
  async updateInstance(
    id: string,
    fn: (rec: VnfInstanceRecord) => VnfInstanceRecord | Promise<VnfInstanceRecord>,
  ): Promise<VnfInstanceRecord> {
    return this.withLock(`instance-${id}`, async () => {
      const cur = await this.getInstance(id);
      if (!cur) throw new CliError(`Can not find requested vnf instance: ${id}`);
      const next = await fn(structuredClone(cur));
      await writeJsonAtomic(this.path('instances', `${id}.json`), next);
      return next;
    });
  }

  async deleteInstance(id: string): Promise<void> {
    await rm(this.path('instances', `${id}.json`), { force: true });
  }

  // ---- operation occurrences ------------------------------------------------------------

  async getOp(id: string): Promise<OpOccRecord | undefined> {
    if (!isSafeId(id)) return undefined;
    return readJson<OpOccRecord>(this.path('ops', `${id}.json`));
  }

  async putOp(rec: OpOccRecord): Promise<void> {
    await writeJsonAtomic(this.path('ops', `${rec.id}.json`), rec);
  }

  async listOps(): Promise<OpOccRecord[]> {
    return this.listRecords<OpOccRecord>('ops', (r) => r.startTime);
  }

  /** Read-modify-write one occurrence under its lock. `fn` may throw to abort without writing. */
  async updateOp(id: string, fn: (rec: OpOccRecord) => OpOccRecord | Promise<OpOccRecord>): Promise<OpOccRecord> {
    return this.withLock(`op-${id}`, async () => {
      const cur = await this.getOp(id);
      if (!cur) throw new CliError('table vnf_lcm_op_occs not Found');
      const next = await fn(structuredClone(cur));
      await writeJsonAtomic(this.path('ops', `${id}.json`), next);
      return next;
    });
  }

  /** The lock an operation holds on its instance for its whole run (store/oplock.ts). */
  opLock(): OperationLock {
    // One lock per store directory, however its path was spelled (relative, through a symlink).
    this.operationLock ??= socketOperationLock(realpathSync(this.root), { lockDir: this.path('locks'), withStoreLock: (name, fn) => this.withLock(name, fn) });
    return this.operationLock;
  }

  opLogFile(opId: string): string {
    return this.path('logs', `${opId}.log`);
  }

  // ---- SSH host keys (implements remote's HostKeyStore) ---------------------------------

  hostKeys(): { get(id: string): Promise<string | undefined>; set(id: string, fingerprint: string): Promise<void> } {
    const file = (id: string) => this.path('hostkeys', `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`);
    return {
      get: async (id) => (await readJson<{ id: string; fingerprint: string }>(file(id)))?.fingerprint,
      set: async (id, fingerprint) =>
        writeJsonAtomic(file(id), { id, fingerprint, recordedAt: new Date().toISOString() }),
    };
  }

  // ---- VIMs -------------------------------------------------------------------------------

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

  private async listRecords<T>(dir: string, time: (r: T) => string): Promise<T[]> {
    const names = (await listDir(this.path(dir))).filter((n) => n.endsWith('.json'));
    const recs = await Promise.all(names.map((n) => readJson<T>(this.path(dir, n))));
    return recs.filter((r): r is Awaited<T> => r !== undefined).sort(byTime(time as (r: Awaited<T>) => string));
  }
}

function byTime<T>(time: (r: T) => string): (a: T, b: T) => number {
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

function safeName(name: string): string {
  if (!isSafeId(name)) throw new CliError(`Invalid identifier: ${JSON.stringify(name)}`);
  return name;
}
