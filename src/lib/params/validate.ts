/**
 * Validation of parameter files: every problem at once, each as an InputProblem
 * `{path, expected, found, hint?}` (`path` a JSON path such as
 * `extVirtualLinks[0].extCps[0].cpdId`, `found` a short rendering of the actual value or
 * `nothing`).
 *
 * The zod schemas (./schema.ts) are the only parser: types, required keys, unknown keys (with
 * "did you mean"), formats, ranges, shell metacharacters, and — as refinements of the same schemas
 * (./request-checks.ts) — the cross-field checks and, when a VNF package is given, the checks
 * against it. This module turns their issues into InputProblems and loads files.
 */
import type { z } from 'zod';
import { InputError, type InputProblem } from '../errors.js';
import type { VnfPackage } from '../package/model.js';
import { didYouMean, type Finding, renderFound } from './checks.js';
import { loadParamFile } from './load.js';
import { type Driver, formatPath, type Seg, UNKNOWN_KEYS_MARK } from './request-checks.js';
import {
  healVnfRequestFileSchema,
  type HealVnfRequestFile,
  instantiateVnfRequestSchemaFor,
  type InstantiateVnfRequest,
  registryHealVnfRequestFileSchema,
  registryScaleVnfRequestFileSchema,
  scaleVnfRequestFileSchema,
  type ScaleVnfRequestFile,
} from './schema.js';

export { checkPackageFile, type Driver, flavourDriver, formatPath } from './request-checks.js';

export interface ValidationResult<T> {
  /** The parsed request (defaults applied); present only when there are no problems. */
  request?: T;
  problems: InputProblem[];
  /** Things that are accepted but worth telling the user (e.g. parameters not acted on yet). */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Values, zod issues

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = body;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (typeof seg !== 'number') return undefined;
      cur = cur[seg];
    } else {
      if (typeof seg === 'symbol' || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[String(seg)];
    }
  }
  return cur;
}

const isSecretPath = (path: readonly PropertyKey[]): boolean => {
  const last = [...path].reverse().find((s) => typeof s === 'string');
  return typeof last === 'string' && /password/i.test(last);
};

function problemAt(body: unknown, path: readonly Seg[], f: Finding, found?: string): InputProblem {
  const p: InputProblem = { path: formatPath(path), expected: f.expected, found: found ?? renderFound(valueAt(body, path), isSecretPath(path)) };
  if (f.hint) p.hint = f.hint;
  return p;
}

/** zod issues → InputProblems (one per unknown key). */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], body: unknown): InputProblem[] {
  const out: InputProblem[] = [];
  for (const iss of issues) {
    const path = iss.path.filter((s): s is Seg => typeof s !== 'symbol');
    if (iss.code === 'unrecognized_keys' && iss.message.startsWith(UNKNOWN_KEYS_MARK)) {
      const known = iss.message.slice(UNKNOWN_KEYS_MARK.length).split(',').filter((k) => k !== '');
      for (const key of iss.keys) {
        const close = didYouMean(key, known);
        out.push(problemAt(body, [...path, key], { expected: known.length > 0 ? `a known key (${known.join(', ')})` : 'no key here', ...(close ? { hint: `did you mean ${close}?` } : {}) }, `unknown key ${JSON.stringify(key)}`));
      }
      continue;
    }
    const params = iss.code === 'custom' ? iss.params : undefined;
    const hint = typeof params?.hint === 'string' ? params.hint : undefined;
    const found = typeof params?.found === 'string' ? params.found : undefined;
    out.push(problemAt(body, path, { expected: iss.message, ...(hint ? { hint } : {}) }, found));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Instantiate

/**
 * Validate an instantiate request body (the param file's JSON), optionally against the VNF
 * package it will be instantiated from. Collects every problem.
 */
export function validateInstantiateRequest(body: unknown, pkg?: VnfPackage): ValidationResult<InstantiateVnfRequest> {
  const notes: string[] = [];
  const parsed = instantiateVnfRequestSchemaFor({ ...(pkg ? { pkg } : {}), notes }).safeParse(body);
  if (parsed.success) return { request: parsed.data, problems: [], notes };
  return { problems: issuesToProblems(parsed.error.issues, body), notes };
}

// ---------------------------------------------------------------------------------------------
// Heal / scale additional-param files

export function validateHealRequest(body: unknown, driver?: Driver): ValidationResult<HealVnfRequestFile> {
  const parsed = (driver === 'registry' ? registryHealVnfRequestFileSchema : healVnfRequestFileSchema).safeParse(body);
  if (parsed.success) return { request: parsed.data, problems: [], notes: [] };
  const problems = issuesToProblems(parsed.error.issues, body);
  const vnfc = body !== null && typeof body === 'object' && 'vnfcInstanceId' in body ? body.vnfcInstanceId : undefined;
  const p = typeof vnfc === 'string' ? problems.find((x) => x.path === 'vnfcInstanceId') : undefined;
  if (p) p.hint = `write a list: [${JSON.stringify(vnfc)}]`;
  return { problems, notes: [] };
}

export function validateScaleRequest(body: unknown, driver?: Driver): ValidationResult<ScaleVnfRequestFile> {
  const parsed = (driver === 'registry' ? registryScaleVnfRequestFileSchema : scaleVnfRequestFileSchema).safeParse(body);
  if (parsed.success) return { request: parsed.data, problems: [], notes: [] };
  return { problems: issuesToProblems(parsed.error.issues, body), notes: [] };
}

// ---------------------------------------------------------------------------------------------
// Files

export function invalidParamFileTitle(path: string, n: number): string {
  return `Invalid parameter file ${path}: ${n} problem${n === 1 ? '' : 's'}`;
}

export interface ParamFileOptions {
  /** Called with each note (parameters accepted but not acted on, …) of a valid file. */
  onNote?: (note: string) => void;
}

function orThrow<T>(path: string, r: ValidationResult<T>, opts: ParamFileOptions): T {
  if (r.problems.length || !r.request) throw new InputError(invalidParamFileTitle(path, r.problems.length), r.problems);
  for (const n of r.notes) opts.onNote?.(n);
  return r.request;
}

/**
 * Load (`loadParamFile`: CliError exit 1 with the real client's messages) and validate an
 * instantiate param file; throws `InputError` (exit 3) listing every problem.
 */
export async function validateParamFile(path: string, pkg?: VnfPackage, opts: ParamFileOptions = {}): Promise<InstantiateVnfRequest> {
  const body = await loadParamFile(path);
  return orThrow(path, validateInstantiateRequest(body, pkg), opts);
}

/** `heal --additional-param-file`: load as the client does (dict.update semantics) and validate. */
export async function validateHealParamFile(path: string, opts: ParamFileOptions = {}, driver?: Driver): Promise<HealVnfRequestFile> {
  const body = await loadParamFile(path, { allowArray: true });
  return orThrow(path, validateHealRequest(body, driver), opts);
}

/** `scale --additional-param-file`: load as the client does (dict.update semantics) and validate. */
export async function validateScaleParamFile(path: string, opts: ParamFileOptions = {}, driver?: Driver): Promise<ScaleVnfRequestFile> {
  const body = await loadParamFile(path, { allowArray: true });
  return orThrow(path, validateScaleRequest(body, driver), opts);
}
