/** What an LCM operation runs with: the store, the cloud, the package and flavour, the drivers, reporting and options. */
import type { DriverTable, ProgressSink } from '../mgmt/contract.js';
import type { Flavour, VnfPackage } from '../package/model.js';
import type { Store } from '../store/index.js';
import type { CloudOps } from './cloud-ops.js';
import type { Interrupt } from './tracker.js';

export interface LcmOptions {
  timeoutMs: number;
  acceptNewHostKey: boolean;
  concurrency: number;
}

export interface LcmEnv {
  store: Store;
  cloud: CloudOps;
  pkg: VnfPackage;
  flavour: Flavour;
  progress: ProgressSink;
  options: LcmOptions;
  /** The management drivers the hooks may name (default: the built-in ones, src/lib/mgmt/drivers.ts). */
  drivers?: DriverTable;
  /** Set by the command glue: Ctrl-C / SIGTERM stop the operation between steps (lcm/tracker.ts). */
  interrupt?: Interrupt;
  /** How long an interrupt waits for running steps (default INTERRUPT_GRACE_MS). */
  interruptGraceMs?: number;
}
