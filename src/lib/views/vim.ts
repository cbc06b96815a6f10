/** The Field/Value and list rows of a registered VIM (`vim register`, `vim list`). */
import type { ShowResult } from '../format/types.js';
import type { VimRecord } from '../store/index.js';

export function vimShow(v: VimRecord): ShowResult {
  return {
    type: 'show',
    fields: [
      { label: 'ID', value: v.id },
      { label: 'Name', value: v.name },
      { label: 'Type', value: v.type },
      { label: 'Cloud', value: v.cloud ?? null },
      { label: 'Server', value: v.kubernetes?.server ?? null },
      { label: 'VNF Instance ID', value: v.kubernetes?.vnfInstanceId ?? null },
      { label: 'Is Default', value: Boolean(v.isDefault) },
    ],
  };
}

export const VIM_LIST_COLUMNS = ['ID', 'Name', 'Type', 'Cloud or Server', 'Is Default'] as const;

export function vimRow(v: VimRecord): unknown[] {
  return [v.id, v.name, v.type, v.cloud ?? v.kubernetes?.server ?? null, Boolean(v.isDefault)];
}
