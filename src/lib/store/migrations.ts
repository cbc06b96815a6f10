/**
 * Store schema versions. `migrate(root)` runs under the store's meta lock and brings an older
 * layout up to SCHEMA_VERSION, one step at a time; a newer layout than this program knows is refused.
 *
 *  v0: no meta.json (an empty or pre-release store).
 *  v1: meta.json; every directory 0700 and every file 0600.
 */
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { DIR_MODE, FILE_MODE, readJson, writeJsonAtomic } from './atomic.js';

export const SCHEMA_VERSION = 1;

interface Meta {
  schemaVersion: number;
}

type Migration = (root: string) => Promise<void>;

const MIGRATIONS: Record<number, Migration> = {
  // v0 -> v1: tighten permissions of everything an earlier build may have written.
  1: async (root) => {
    await tighten(root);
  },
};

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
