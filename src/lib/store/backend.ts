/**
 * The state interface behind `Store`: every backend (the local file store, PostgreSQL) implements
 * these methods with the meaning the `Store` methods of the same name document. `Store` forwards to
 * one backend, so the 18 modules that use the store do not know which one holds their records.
 *
 * Paths a backend hands out (package content, kubeconfigs, logs) are always local files under the
 * operator's `VNFLCM_HOME`: the PostgreSQL backend keeps the shared copy in the database and
 * materializes it there on read.
 */
import type { OperationLock } from './oplock.js';
import type { OpOccRecord, PackageRecord, VnfInstanceRecord } from './records.js';

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

export type Update<T> = (rec: T) => T | Promise<T>;

export interface HostKeyStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, fingerprint: string): Promise<void>;
}

/** One entry of an occurrence's history: its start, each step started, each change of state. */
export interface OpEvent {
  node: string;
  step: string;
  at: string;
  message: string;
}

export interface StateBackend {
  /** 'file' or 'postgres' (shown by `vnflcm state status`). */
  readonly kind: 'file' | 'postgres';
  /** Where the state lives, secrets redacted (a directory or a postgres URL without password). */
  readonly location: string;

  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;

  packageContentDir(vnfdId: string): string;
  getPackage(vnfdId: string): Promise<PackageRecord | undefined>;
  putPackage(rec: PackageRecord): Promise<void>;
  listPackages(): Promise<PackageRecord[]>;
  deletePackage(vnfdId: string): Promise<void>;

  getInstance(id: string): Promise<VnfInstanceRecord | undefined>;
  createInstance(rec: VnfInstanceRecord): Promise<void>;
  listInstances(): Promise<VnfInstanceRecord[]>;
  updateInstance(id: string, fn: Update<VnfInstanceRecord>): Promise<VnfInstanceRecord>;
  deleteInstance(id: string): Promise<void>;

  getOp(id: string): Promise<OpOccRecord | undefined>;
  putOp(rec: OpOccRecord): Promise<void>;
  listOps(): Promise<OpOccRecord[]>;
  updateOp(id: string, fn: Update<OpOccRecord>): Promise<OpOccRecord>;

  opLock(): OperationLock;
  opLogFile(opId: string): string;
  hostKeys(): HostKeyStore;

  getVim(name: string): Promise<VimRecord | undefined>;
  putVim(rec: VimRecord): Promise<void>;
  deleteVim(name: string): Promise<void>;
  listVims(): Promise<VimRecord[]>;

  /** Every pinned host key (for `state export`). */
  listHostKeys(): Promise<{ id: string; fingerprint: string; recordedAt?: string }[]>;
  /** An occurrence's log: the local file, else (shared state) the copy stored when it ended. */
  readOpLog(opId: string): Promise<Buffer | undefined>;
  /** The append-only history of an occurrence (PostgreSQL keeps one; the file store keeps only the record). */
  opEvents?(opId: string): Promise<OpEvent[]>;
  /** Store an occurrence's log (state import). */
  writeOpLog(opId: string, data: Buffer): Promise<void>;

  /** Stored secrets that cannot be read here (PostgreSQL without the state key), or undefined. */
  lockedSecrets?(rec: unknown): string | undefined;
  /** Free connections (the process may exit without it: pooled connections do not hold it open). */
  close(): Promise<void>;
}
