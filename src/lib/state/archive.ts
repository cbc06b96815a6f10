/**
 * `vnflcm state export` / `state import`: the whole state of a store (either backend) as one
 * gzip-compressed JSON archive, to move a file store into PostgreSQL and back. Secrets (passwords
 * in stored requests, kubeconfigs) are in it only with --include-secrets; without them the
 * passwords read `********` and kubeconfigs are left out.
 */
import { chmod, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { Store, VimRecord } from '../store/index.js';
import type { OpOccRecord, PackageRecord, VnfInstanceRecord } from '../store/records.js';
import { hasSealedSecrets, NO_KEY_HINT, stripSecrets } from '../store/pg/secrets.js';

export const ARCHIVE_FORMAT = 'vnflcm-state';
export const ARCHIVE_VERSION = 1;

interface FileEntry {
  path: string;
  mode: number;
  data: string; // base64
}

export interface StateArchive {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  exportedAt: string;
  source: string;
  secretsIncluded: boolean;
  packages: { record: PackageRecord; files: FileEntry[] }[];
  instances: VnfInstanceRecord[];
  ops: OpOccRecord[];
  vims: { record: VimRecord; kubeconfig?: string }[];
  hostKeys: { id: string; fingerprint: string }[];
  logs: { opId: string; data: string }[];
}

export interface ArchiveCounts {
  packages: number;
  instances: number;
  ops: number;
  vims: number;
  hostKeys: number;
  logs: number;
}

export function counts(a: StateArchive): ArchiveCounts {
  return { packages: a.packages.length, instances: a.instances.length, ops: a.ops.length, vims: a.vims.length, hostKeys: a.hostKeys.length, logs: a.logs.length };
}

export async function exportState(store: Store, opts: { includeSecrets: boolean }): Promise<StateArchive> {
  const secret = <T>(rec: T, what: string): T => {
    if (!opts.includeSecrets) return stripSecrets(rec);
    if (hasSealedSecrets(rec)) throw new CliError(`Cannot export the secrets of ${what}: they are encrypted and the state key is not set. ${NO_KEY_HINT}`);
    return rec;
  };
  const packages = [];
  for (const p of await store.listPackages()) {
    await store.getPackage(p.vnfdId); // the shared backend materializes the files
    const dir = store.packageContentDir(p.vnfdId);
    const files: FileEntry[] = [];
    for (const f of await walk(dir)) {
      const full = join(dir, f);
      files.push({ path: f, mode: (await stat(full)).mode & 0o777, data: (await readFile(full)).toString('base64') });
    }
    packages.push({ record: p, files });
  }
  const instances = (await store.listInstances()).map((r) => secret(r, `VNF instance ${r.id}`));
  const ops = (await store.listOps()).map((o) => secret(o, `operation ${o.id}`));
  const vims = [];
  for (const v of await store.listVims()) {
    const kc = opts.includeSecrets && v.kubernetes ? await readFile(v.kubernetes.kubeconfigFile).catch(() => undefined) : undefined;
    vims.push({ record: v, ...(kc ? { kubeconfig: kc.toString('base64') } : {}) });
  }
  const logs = [];
  for (const o of ops) {
    const data = await store.backend.readOpLog(o.id);
    if (data) logs.push({ opId: o.id, data: data.toString('base64') });
  }
  const hostKeys = (await store.backend.listHostKeys()).map(({ id, fingerprint }) => ({ id, fingerprint }));
  return {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    exportedAt: new Date().toISOString(),
    source: store.backend.location,
    secretsIncluded: opts.includeSecrets,
    packages,
    instances,
    ops,
    vims,
    hostKeys,
    logs,
  };
}

export async function writeArchive(file: string, a: StateArchive): Promise<void> {
  const data = gzipSync(Buffer.from(JSON.stringify(a)));
  if (file === '-') {
    process.stdout.write(data);
    return;
  }
  await writeFile(file, data, { mode: 0o600 });
}

export async function readArchive(file: string): Promise<StateArchive> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const { z } = await import('zod');
  // The record bodies are the store's own records (written by exportState): checked for the ids
  // this module uses, otherwise opaque here (their shape is the store's business).
  const record = <T>(...keys: string[]) =>
    z.custom<T>((v) => typeof v === 'object' && v !== null && keys.every((k) => typeof Reflect.get(v, k) === 'string'), { message: `a record with ${keys.join(', ')}` });
  const fileEntry = z.object({ path: z.string(), mode: z.number().int(), data: z.string() });
  const schema = z.object({
    format: z.literal(ARCHIVE_FORMAT),
    version: z.number().int(),
    exportedAt: z.string(),
    source: z.string(),
    secretsIncluded: z.boolean(),
    packages: z.array(z.object({ record: record<PackageRecord>('vnfdId', 'id'), files: z.array(fileEntry) })),
    instances: z.array(record<VnfInstanceRecord>('id')),
    ops: z.array(record<OpOccRecord>('id', 'vnfInstanceId')),
    vims: z.array(z.object({ record: record<VimRecord>('name'), kubeconfig: z.string().optional() })),
    hostKeys: z.array(z.object({ id: z.string(), fingerprint: z.string() })),
    logs: z.array(z.object({ opId: z.string(), data: z.string() })),
  });
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(raw).toString('utf8'));
  } catch {
    throw new CliError(`${file} is not a vnflcm state archive (gzip-compressed JSON).`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CliError(`${file} is not a vnflcm state archive: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  if (parsed.data.version > ARCHIVE_VERSION) throw new CliError(`${file} is a version ${parsed.data.version} archive; this vnflcm reads version ${ARCHIVE_VERSION}. Upgrade vnflcm.`);
  return { ...parsed.data, format: ARCHIVE_FORMAT };
}

/** Put every record of the archive into `store` (records with the same id are replaced). */
export async function importState(store: Store, a: StateArchive): Promise<ArchiveCounts> {
  for (const p of a.packages) {
    const dir = store.packageContentDir(p.record.vnfdId);
    await rm(dir, { recursive: true, force: true });
    for (const f of p.files) {
      if (f.path.split('/').some((x) => x === '..' || x === '')) throw new CliError(`Archive: package file name ${JSON.stringify(f.path)} is not safe.`);
      await writeFileAtomic(join(dir, f.path), Buffer.from(f.data, 'base64'));
      await chmod(join(dir, f.path), f.mode & 0o777);
    }
    await store.putPackage(p.record);
  }
  for (const r of a.instances) await store.createInstance(r);
  for (const o of a.ops) await store.putOp({ ...o, ...(o.logFile ? { logFile: store.opLogFile(o.id) } : {}) });
  for (const l of a.logs) await store.backend.writeOpLog(l.opId, Buffer.from(l.data, 'base64'));
  for (const v of a.vims) {
    let rec = v.record;
    if (rec.kubernetes) {
      const file = store.path('kubeconfigs', `${rec.kubernetes.vnfInstanceId}.conf`);
      if (v.kubeconfig) await writeFileAtomic(file, Buffer.from(v.kubeconfig, 'base64'));
      rec = { ...rec, kubernetes: { ...rec.kubernetes, kubeconfigFile: file } };
    }
    await store.putVim(rec);
  }
  const keys = store.hostKeys();
  for (const k of a.hostKeys) await keys.set(k.id, k.fingerprint);
  return counts(a);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  await visit(dir);
  return out.sort();
}
