/**
 * What `op fail` prints: tackerclient's FailVnfLcmOp shows the returned occurrence with the short
 * column map (no show-only labels), so the other attributes appear under their raw names.
 */
import type { ShowResult } from '../format/types.js';
import type { OpOccRecord } from '../store/records.js';
import { opResponse } from './op.js';
import { showFromResponse } from './show.js';

const FAIL_MAP: Array<readonly [string, string]> = [
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
];

const MIXED_CASE = new Set([
  'operationState',
  'stateEnteredTime',
  'startTime',
  'vnfInstanceId',
  'grantId',
  'isAutomaticInvocation',
  'isCancelPending',
  'cancelMode',
  'operationParams',
  'resourceChanges',
  'changedInfo',
  'changedExtConnectivity',
]);

const FORMATTED = new Set(['operationParams', 'error', 'resourceChanges', 'changedInfo', 'changedExtConnectivity', '_links']);

export function opFailShow(op: OpOccRecord): ShowResult {
  return showFromResponse(opResponse(op), FAIL_MAP, FORMATTED, MIXED_CASE);
}
