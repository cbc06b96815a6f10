/**
 * Store schema versions. `migrate(root)` runs under the store's meta lock and brings an older
 * layout up to SCHEMA_VERSION, one step at a time; a newer layout than this program knows is refused.
 *
 *  v0: no meta.json (an empty or pre-release store).
 *  v1: meta.json; every directory 0700 and every file 0600.
 *  v2: an instance's stored instantiate request is the schema's parsed, typed output, with
 *      `internal.requestSchemaVersion` (before: the request as an earlier build stored it).
 */
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { DIR_MODE, FILE_MODE, readJson, writeJsonAtomic } from './atomic.js';
import { REQUEST_SCHEMA_VERSION, type VnfInstanceRecord } from './records.js';

export const SCHEMA_VERSION = 2;

interface Meta {
  schemaVersion: number;
}

type Migration = (root: string) => Promise<void>;

const MIGRATIONS: Record<number, Migration> = {
  // v0 -> v1: tighten permissions of everything an earlier build may have written.
  1: async (root) => {
    await tighten(root);
  },
  // v1 -> v2: parse every stored instantiate request with the schema.
  2: async (root) => {
    const dir = join(root, 'instances');
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = join(dir, name);
      const rec = await readJson<VnfInstanceRecord>(file);
      if (rec) await writeJsonAtomic(file, await typedRequest(rec));
    }
  },
};

/**
 * The record with its instantiate request parsed by the current schema. A request the schema
 * refuses is kept aside (`unparsedRequest`, with the problems) instead of being stored as typed:
 * operations on that instance then say why they cannot run.
 */
export async function typedRequest(rec: VnfInstanceRecord): Promise<VnfInstanceRecord> {
  const internal = rec.internal;
  if (internal?.request === undefined || internal.requestSchemaVersion === REQUEST_SCHEMA_VERSION) return rec;
  // Loaded here only: zod and the schemas stay out of the start-up of every command.
  const { validateInstantiateRequest } = await import('../params/validate.js');
  const { formatProblem } = await import('../errors.js');
  const { request: raw, ...rest } = internal;
  const v = validateInstantiateRequest(raw);
  if (v.request) return { ...rec, internal: { ...rest, request: v.request, requestSchemaVersion: REQUEST_SCHEMA_VERSION } };
  return { ...rec, internal: { ...rest, unparsedRequest: raw, requestProblems: v.problems.map(formatProblem) } };
}

/** True when the store is older (or newer: refused by migrate) than this program. */
export async function needsMigration(root: string): Promise<boolean> {
  const meta = await readJson<Meta>(join(root, 'meta.json'));
  return meta?.schemaVersion !== SCHEMA_VERSION;
}

export async function migrate(root: string): Promise<void> {
  const metaFile = join(root, 'meta.json');
  const meta = (await readJson<Meta>(metaFile)) ?? { schemaVersion: 0 };
  if (meta.schemaVersion > SCHEMA_VERSION) {
    throw new CliError(
      `The store at ${root} has schema version ${meta.schemaVersion}, newer than this vnflcm understands (${SCHEMA_VERSION}). Upgrade vnflcm.`,
    );
  }
  for (let v = meta.schemaVersion + 1; v <= SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step) await step(root);
    await writeJsonAtomic(metaFile, { schemaVersion: v });
  }
}

async function tighten(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const st = await stat(p);
    if (st.isDirectory()) {
      await chmod(p, DIR_MODE);
      await tighten(p);
    } else if (st.isFile()) {
      await chmod(p, FILE_MODE);
    }
  }
}
