/**
 * The parsed wizard flags (src/cli/flags/wizard.ts) merged with the secret sources a script should
 * prefer to a flag visible in `ps`: `--…-password-file FILE` and `VNFLCM_…_PASSWORD` variables.
 */
import { readFileSync } from 'node:fs';
import { CliError, ExitCode, errorMessage } from '../../errors.js';
import type { FlagValues } from './ask.js';

/** Secret flags: value flag, file flag, environment variable (in that order of precedence). */
const SECRETS = [
  ['ssh-password', 'VNFLCM_SSH_PASSWORD'],
  ['master-password', 'VNFLCM_MASTER_PASSWORD'],
  ['worker-password', 'VNFLCM_WORKER_PASSWORD'],
  ['registry-password', 'VNFLCM_REGISTRY_PASSWORD'],
] as const;

function readSecret(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new CliError(`Cannot read ${path}: ${errorMessage(err)}`, ExitCode.usage);
  }
}

/** The parsed wizard flags as lists, secrets taken from value flags, then files, then the environment. */
export function collectFlagValues(parsed: Record<string, unknown>, names: readonly string[], env: NodeJS.ProcessEnv = process.env): FlagValues {
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const v = parsed[name];
    if (v === undefined || name.endsWith('-password-file')) continue;
    out[name] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  for (const [name, envName] of SECRETS) {
    if (out[name]?.length) continue;
    const files = parsed[`${name}-file`];
    const list = files === undefined ? [] : Array.isArray(files) ? files.map(String) : [String(files)];
    if (list.length) out[name] = list.map(readSecret);
    else if (env[envName] !== undefined) out[name] = [env[envName] as string];
  }
  return out;
}
