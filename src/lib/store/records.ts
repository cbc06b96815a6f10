/**
 * What the store keeps. Field names of instances and operation occurrences follow ETSI SOL003 /
 * Tacker's v1 API, so the API view (src/lib/views) is mostly a projection.
 */

import type { InstantiateVnfRequest } from '../params/schema.js';

export type InstantiationState = 'NOT_INSTANTIATED' | 'INSTANTIATED';

export interface PackageRecord {
  /** vnfPkgId: the package's own id, generated when it is added. */
  id: string;
  vnfdId: string;
  vnfProvider: string;
  vnfProductName: string;
  vnfSoftwareVersion: string;
  vnfdVersion: string;
  flavours: string[];
  /** Where the package was added from (for the user's information only). */
  source: string;
  onboardedAt: string;
  /** sha256 of the package's file list and contents, to tell two adds of the same package apart. */
  contentHash: string;
}

export interface VimConnectionInfo {
  id: string;
  vimId: string | null;
  vimType: string;
  interfaceInfo: Record<string, unknown>;
  accessInfo: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/**
 * Version of the instantiate request schema (src/lib/params/schema.ts) stored requests were parsed
 * with. Raise it, with a migration step, when the schema's output changes.
 */
export const REQUEST_SCHEMA_VERSION = 1;

/**
 * Internal state of an instance (the LCM layer's, src/lib/lcm/instance-state.ts); the store knows the
 * instantiate request, which it migrates when its schema changes (./migrations.ts).
 */
export interface InstanceInternal {
  /** The instantiate request as the schema parsed it (typed, defaults applied). */
  request?: InstantiateVnfRequest;
  /** The request schema version `request` was parsed with (REQUEST_SCHEMA_VERSION). */
  requestSchemaVersion?: number;
  /** A stored request the schema refused when the store was migrated, kept for the user to see. */
  unparsedRequest?: unknown;
  /** Why it was refused (InputProblem lines). */
  requestProblems?: string[];
  [k: string]: unknown;
}

export interface VnfInstanceRecord {
  id: string;
  vnfInstanceName: string;
  vnfInstanceDescription: string | null;
  vnfdId: string;
  vnfPkgId: string;
  vnfProvider: string;
  vnfProductName: string;
  vnfSoftwareVersion: string;
  vnfdVersion: string;
  instantiationState: InstantiationState;
  instantiatedVnfInfo?: Record<string, unknown>;
  vimConnectionInfo: VimConnectionInfo[];
  /** Free-form facts recorded by management drivers (e.g. the registry endpoint); shown by `show`. */
  metadata?: Record<string, unknown>;
  createdAt: string;
  /** Internal: what the cloud side needs to act on the instance again (stack, stored request, images). */
  internal?: InstanceInternal;
  /** Id of the LCM operation occurrence currently running on this instance, if any. */
  activeOpId?: string | null;
}

export type LcmOperation = 'INSTANTIATE' | 'SCALE' | 'HEAL' | 'TERMINATE' | 'MODIFY_INFO' | 'CHANGE_EXT_CONN';
export type OperationState = 'STARTING' | 'PROCESSING' | 'COMPLETED' | 'FAILED_TEMP' | 'FAILED' | 'ROLLING_BACK' | 'ROLLED_BACK';

/** A named step of an operation, on a node ('' for the whole VNF). */
export interface OpStepRef {
  node: string;
  name: string;
  at: string;
}

export interface OpOccRecord {
  id: string;
  operationState: OperationState;
  stateEnteredTime: string;
  startTime: string;
  vnfInstanceId: string;
  grantId: string | null;
  operation: LcmOperation;
  isAutomaticInvocation: boolean;
  operationParams: Record<string, unknown>;
  isCancelPending: boolean;
  cancelMode?: string | null;
  error?: { title?: string; status: number; detail: string } | null;
  resourceChanges?: Record<string, unknown>;
  changedInfo?: Record<string, unknown>;
  changedExtConnectivity?: unknown[];
  /** Internal (older records): the pid of the process that ran the operation. */
  pid?: number;
  /** Internal: the process running (or that last ran) the operation; see store/oplock.ts. */
  owner?: { host: string; pid: number; startedAt: string };
  /** Internal: steps running now (saved as they start, so an interrupted run can say where it stopped). */
  runningSteps?: OpStepRef[];
  /** Internal: the step that failed (or was interrupted) last. */
  failedStep?: OpStepRef;
  /** Internal: what a retry or rollback needs to continue (e.g. scale's target levels, members before). */
  checkpoint?: Record<string, unknown>;
  /** Internal: path of the per-operation log file. */
  logFile?: string;
  endTime?: string;
}
