/**
 * What a command's `run()` returns; BaseCommand prints it (python-openstackclient's model: the
 * command computes data, one layer formats it). Tests call commands in-process and check the data.
 */
import type { CommandResult } from '../lib/format/types.js';

export type { ListResult, ShowResult } from '../lib/format/types.js';

/** Lines for the operator on stdout ("… is deleted successfully", "…: valid"). */
export interface MessageResult {
  type: 'message';
  lines: string[];
}

/** Text written to stdout as is (shell scripts, completion candidates, a dry-run's template). */
export interface TextResult {
  type: 'text';
  text: string;
}

/**
 * An LCM operation that ran to the end: its lines ("… has been accepted.", "… completed") were
 * printed while it ran, so nothing is printed after it.
 */
export interface OperationResult {
  type: 'operation';
  operation: 'INSTANTIATE' | 'HEAL' | 'SCALE' | 'TERMINATE' | 'RETRY' | 'ROLLBACK';
  /** The instance (for op retry/rollback: the occurrence id is in `opId`). */
  vnfInstanceId?: string;
  opId?: string;
}

export type CliResult = CommandResult | MessageResult | TextResult | OperationResult;

export function message(...lines: string[]): MessageResult {
  return { type: 'message', lines };
}

export function isCliResult(v: unknown): v is CliResult {
  if (typeof v !== 'object' || v === null) return false;
  const t = (v as { type?: unknown }).type;
  return t === 'show' || t === 'list' || t === 'message' || t === 'text' || t === 'operation';
}

export type { CommandResult };
