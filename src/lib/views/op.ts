/** LCM operation occurrences as Tacker's v1 API returns them, and their Field/Value and list views (`op show`, `op list`). */
import { pyJsonDumps } from '../format/python.js';
import type { ShowResult } from '../format/types.js';
import type { OpOccRecord } from '../store/records.js';
import { maskSecrets } from './instance.js';
import { showFromResponse } from './show.js';

/**
 * What Tacker's v1 API returns for an LCM operation occurrence. operationParams is a JSON string
 * there, written by Python's json.dumps (`{"a": 1}`, non-ASCII as \uXXXX); _links are those of
 * Tacker's view builder, in its order. A FAILED_TEMP occurrence carries the stored error as is
 * (its detail names the failed step and node).
 */
export function opResponse(op: OpOccRecord): Record<string, unknown> {
  const base = `/vnflcm/v1/vnf_lcm_op_occs/${op.id}`;
  const out: Record<string, unknown> = {
    id: op.id,
    operationState: op.operationState,
    stateEnteredTime: op.stateEnteredTime,
    startTime: op.startTime,
    vnfInstanceId: op.vnfInstanceId,
    grantId: op.grantId,
    operation: op.operation,
    isAutomaticInvocation: op.isAutomaticInvocation,
    operationParams: pyJsonDumps(maskSecrets(op.operationParams)),
    isCancelPending: op.isCancelPending,
  };
  if (op.cancelMode !== undefined) out.cancelMode = op.cancelMode;
  if (op.error) out.error = op.error;
  if (op.resourceChanges) out.resourceChanges = op.resourceChanges;
  if (op.changedInfo) out.changedInfo = op.changedInfo;
  if (op.changedExtConnectivity) out.changedExtConnectivity = op.changedExtConnectivity;
  out._links = {
    self: { href: base },
    vnfInstance: { href: `/vnflcm/v1/vnf_instances/${op.vnfInstanceId}` },
    retry: { href: `${base}/retry` },
    rollback: { href: `${base}/rollback` },
    grant: { href: `${base}/grant` },
    fail: { href: `${base}/fail` },
  };
  return out;
}

export const OP_MAP: Array<readonly [string, string]> = [
  ['id', 'ID'],
  ['operationState', 'Operation State'],
  ['stateEnteredTime', 'State Entered Time'],
  ['startTime', 'Start Time'],
  ['vnfInstanceId', 'VNF Instance ID'],
  ['operation', 'Operation'],
  ['isAutomaticInvocation', 'Is Automatic Invocation'],
  ['isCancelPending', 'Is Cancel Pending'],
  ['error', 'Error'],
  ['_links', 'Links'],
  ['operationParams', 'Operation Parameters'],
  ['grantId', 'Grant ID'],
  ['resourceChanges', 'Resource Changes'],
  ['changedInfo', 'Changed Info'],
  ['cancelMode', 'Cancel Mode'],
  ['changedExtConnectivity', 'Changed External Connectivity'],
];

/** Attributes rendered as JSON text in a cell. */
export const OP_FORMATTED = new Set(['operationParams', 'error', 'resourceChanges', 'changedInfo', 'changedExtConnectivity', '_links']);

export function opShow(op: OpOccRecord): ShowResult {
  return showFromResponse(
    opResponse(op),
    OP_MAP,
    OP_FORMATTED,
  );
}

export const OP_LIST_COLUMNS = ['ID', 'Operation State', 'VNF Instance ID', 'Operation'] as const;

export function opRow(op: OpOccRecord): unknown[] {
  return [op.id, op.operationState, op.vnfInstanceId, op.operation];
}
