/**
 * The state store: packages, VNF instances, LCM operation occurrences, SSH host keys and VIMs.
 *
 * `Store` is the one state interface every command uses; it forwards to a backend (backend.ts):
 * the local file store under `VNFLCM_HOME` (file-backend.ts, the default, nothing to set up), or
 * PostgreSQL shared by a team (pg/backend.ts), chosen by the state URL (state/url.ts). The
 * PostgreSQL module and its driver are loaded only when that backend is used.
 *
 * `root` is always the operator's local `VNFLCM_HOME`: local files (logs, kubeconfigs, the cache of
 * package contents) live there with either backend.
 */
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { vnflcmHome } from '../paths.js';
import { isPostgresUrl, redactUrl, resolveStateUrl } from '../state/url.js';
import { CliError } from '../errors.js';
import { DIR_MODE, ensureDir } from './atomic.js';
import type { HostKeyStore, OpEvent, StateBackend, Update, VimRecord } from './backend.js';
import { FileBackend } from './file-backend.js';
import { migrate, needsMigration, SCHEMA_VERSION } from './migrations.js';
import type { OperationLock } from './oplock.js';
import type { OpOccRecord, PackageRecord, VnfInstanceRecord } from './records.js';

export * from './records.js';
export type { OpEvent, VimRecord } from './backend.js';
export { isSafeId } from './file-backend.js';

export interface OpenOptions {
  /** A state URL (postgres://…); default: resolved from VNFLCM_STATE_URL / vnflcm.yaml. */
  stateUrl?: string;
  /** Open without checking the schema version (`vnflcm state migrate` itself). */
  skipSchemaCheck?: boolean;
}

export class Store {
  readonly root: string;
  readonly backend: StateBackend;

  private constructor(root: string, backend: StateBackend) {
    this.root = root;
    this.backend = backend;
  }

  /** Open the store: local directory `root` (default `vnflcmHome()`) and the backend the state URL names. */
  static async open(root: string = vnflcmHome(), opts: OpenOptions = {}): Promise<Store> {
    await ensureDir(root);
    const st = await stat(root);
    if ((st.mode & 0o077) !== 0) await chmod(root, DIR_MODE);
    const url = opts.stateUrl ?? (await resolveStateUrl())?.url;
    if (url) {
      if (!isPostgresUrl(url)) throw new CliError(`Unsupported state URL ${redactUrl(url)}: only postgres:// (or postgresql://) URLs are supported.`);
      const { openPgBackend } = await import('./pg/backend.js');
      return new Store(root, await openPgBackend(url, root, { skipSchemaCheck: opts.skipSchemaCheck }));
    }
    const file = new FileBackend(root);
    const store = new Store(root, file);
    // Read-only commands must start fast: the lock (and its library) only when a migration is due.
    if (await needsMigration(root)) await file.withLock('meta', () => migrate(root));
    return store;
  }

  static get schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  /** A path in the local directory (kubeconfigs, caches): local with every backend. */
  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** Run `fn` holding the named record lock (short: one read-modify-write). */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.backend.withLock(name, fn);
  }

  // ---- packages -------------------------------------------------------------------------

  /** The local directory holding the package's files (materialized from the shared copy if need be). */
  packageContentDir(vnfdId: string): string {
    return this.backend.packageContentDir(vnfdId);
  }

  getPackage(vnfdId: string): Promise<PackageRecord | undefined> {
    return this.backend.getPackage(vnfdId);
  }

  /** Record a package whose files have been copied into `packageContentDir(rec.vnfdId)`. */
  putPackage(rec: PackageRecord): Promise<void> {
    return this.backend.putPackage(rec);
  }

  listPackages(): Promise<PackageRecord[]> {
    return this.backend.listPackages();
  }

  deletePackage(vnfdId: string): Promise<void> {
    return this.backend.deletePackage(vnfdId);
  }

  // ---- instances ------------------------------------------------------------------------

  getInstance(id: string): Promise<VnfInstanceRecord | undefined> {
    return this.backend.getInstance(id);
  }

  createInstance(rec: VnfInstanceRecord): Promise<void> {
    return this.backend.createInstance(rec);
  }

  listInstances(): Promise<VnfInstanceRecord[]> {
    return this.backend.listInstances();
  }

  /** Read-modify-write one instance under its lock. `fn` may throw to abort without writing. */
  updateInstance(id: string, fn: Update<VnfInstanceRecord>): Promise<VnfInstanceRecord> {
    return this.backend.updateInstance(id, fn);
  }

  deleteInstance(id: string): Promise<void> {
    return this.backend.deleteInstance(id);
  }

  // ---- operation occurrences ------------------------------------------------------------

  getOp(id: string): Promise<OpOccRecord | undefined> {
    return this.backend.getOp(id);
  }
  /**
   * An occurrence's history, oldest first. PostgreSQL has every event (another operator can follow
   * a running operation with it); the file store has only what the record holds: the start, the
   * steps running now or when it stopped, its current state.
   */
  async opEvents(opId: string): Promise<OpEvent[]> {
    if (this.backend.opEvents) return this.backend.opEvents(opId);
    const op = await this.backend.getOp(opId);
    if (!op) return [];
    const events: OpEvent[] = [{ node: '', step: '', at: op.startTime, message: `started ${op.operation}` }];
    for (const s of op.runningSteps ?? []) events.push({ node: s.node, step: s.name, at: s.at, message: 'step started' });
    if (op.operationState !== 'STARTING' && op.operationState !== 'PROCESSING') {
      const title = op.error?.title ? `: ${op.error.title}` : '';
      events.push({ node: op.failedStep?.node ?? '', step: op.failedStep?.name ?? '', at: op.stateEnteredTime, message: `${op.operationState}${title}` });
    }
    return events;
  }


  putOp(rec: OpOccRecord): Promise<void> {
    return this.backend.putOp(rec);
  }

  listOps(): Promise<OpOccRecord[]> {
    return this.backend.listOps();
  }

  /** Read-modify-write one occurrence under its lock. `fn` may throw to abort without writing. */
  updateOp(id: string, fn: Update<OpOccRecord>): Promise<OpOccRecord> {
    return this.backend.updateOp(id, fn);
  }

  /** The lock an operation holds on its instance for its whole run (store/oplock.ts). */
  opLock(): OperationLock {
    return this.backend.opLock();
  }

  opLogFile(opId: string): string {
    return this.backend.opLogFile(opId);
  }

  // ---- SSH host keys (implements remote's HostKeyStore) ---------------------------------

  hostKeys(): HostKeyStore {
    return this.backend.hostKeys();
  }

  // ---- VIMs -------------------------------------------------------------------------------

  getVim(name: string): Promise<VimRecord | undefined> {
    return this.backend.getVim(name);
  }

  putVim(rec: VimRecord): Promise<void> {
    return this.backend.putVim(rec);
  }

  deleteVim(name: string): Promise<void> {
    return this.backend.deleteVim(name);
  }

  listVims(): Promise<VimRecord[]> {
    return this.backend.listVims();
  }

  // ---- backend ------------------------------------------------------------------------------

  /**
   * Why an operation cannot use the secrets stored in `rec` here (PostgreSQL without the state
   * key), or undefined when it can.
   */
  lockedSecrets(rec: unknown): string | undefined {
    return this.backend.lockedSecrets?.(rec);
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
