/**
 * What `op fail` prints: tackerclient's FailVnfLcmOp shows the returned occurrence with the short
 * column map (no show-only labels), so the other attributes appear under their raw names.
 */
import type { ShowResult } from '../format/types.js';
import type { OpOccRecord } from '../store/records.js';
import { OP_FORMATTED, OP_MAP, opResponse } from './op.js';
import { showFromResponse } from './show.js';

/** tackerclient's short map: `op show`'s first ten rows. */
const FAIL_MAP = OP_MAP.slice(0, OP_MAP.findIndex(([k]) => k === 'operationParams'));

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

export function opFailShow(op: OpOccRecord): ShowResult {
  return showFromResponse(opResponse(op), FAIL_MAP, OP_FORMATTED, MIXED_CASE);
}
