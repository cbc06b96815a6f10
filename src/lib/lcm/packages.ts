/**
 * Onboarding VNF packages: a directory or a `.zip` CSAR is read and validated, then copied into
 * the store so later operations do not depend on the user's working directory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError } from '../errors.js';
import type { VnfPackage } from '../package/model.js';
import type { PackageRecord, Store } from '../store/index.js';

export interface AddedPackage {
  record: PackageRecord;
  model: VnfPackage;
  /** false when the very same package was already onboarded (nothing changed). */
  created: boolean;
}

export async function addPackage(store: Store, source: string): Promise<AddedPackage> {
  const { readPackage } = await import('../package/reader.js');
  const abs = resolve(source);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new CliError(`VNF package ${source} does not exist`, 3);
  }
  let work = abs;
  let tmp: string | undefined;
  try {
    if (st.isFile()) {
      const { extractCsar } = await import('../package/csar.js');
      tmp = await mkdtemp(join(tmpdir(), 'vnflcm-csar-'));
      await extractCsar(abs, tmp);
      work = tmp;
    } else if (!st.isDirectory()) {
      throw new CliError(`VNF package ${source} is neither a directory nor a .zip file`, 3);
    }
    const model = await readPackage(work);
    const contentHash = await hashPackage(model);
    return await store.withLock(`package-${model.vnf.descriptorId}`, async () => {
      const existing = await store.getPackage(model.vnf.descriptorId);
      if (existing) {
        if (existing.contentHash === contentHash) {
          return { record: existing, model: await readPackage(store.packageContentDir(existing.vnfdId)), created: false };
        }
        throw new CliError(
          `A different VNF package with VNFD ID ${existing.vnfdId} is already onboarded (package ${existing.id}). ` +
            `Delete it first with 'vnflcm package delete ${existing.vnfdId}'.`,
        );
      }
      const dest = store.packageContentDir(model.vnf.descriptorId);
      await rm(dest, { recursive: true, force: true });
      // Only the files the reader accepted are copied (no symlinks, nothing outside the package).
      for (const f of model.files) {
        await cp(join(work, f), join(dest, f), { dereference: false, errorOnExist: true, force: false });
      }
      const record: PackageRecord = {
        id: randomUUID(),
        vnfdId: model.vnf.descriptorId,
        vnfProvider: model.vnf.provider,
        vnfProductName: model.vnf.productName,
        vnfSoftwareVersion: model.vnf.softwareVersion,
        vnfdVersion: model.vnf.descriptorVersion,
        flavours: Object.keys(model.flavours).sort(),
        source: abs,
        onboardedAt: new Date().toISOString(),
        contentHash,
      };
      await store.putPackage(record);
      return { record, model: await readPackage(dest), created: true };
    });
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** The onboarded package's model, read from the store's copy. */
export async function loadPackage(store: Store, vnfdId: string): Promise<{ record: PackageRecord; model: VnfPackage }> {
  const record = await store.getPackage(vnfdId);
  if (!record) throw new CliError(`VNF package with VNFD ID ${vnfdId} is not onboarded. Add it with 'vnflcm package add PATH'.`);
  const { readPackage } = await import('../package/reader.js');
  return { record, model: await readPackage(store.packageContentDir(vnfdId)) };
}

export async function deletePackage(store: Store, vnfdId: string): Promise<void> {
  await store.withLock(`package-${vnfdId}`, async () => {
    const record = await store.getPackage(vnfdId);
    if (!record) throw new CliError(`VNF package with VNFD ID ${vnfdId} is not onboarded.`);
    const users = (await store.listInstances()).filter((i) => i.vnfdId === vnfdId);
    if (users.length > 0) {
      throw new CliError(
        `VNF package ${record.id} (VNFD ID ${vnfdId}) is in use by ${users.length} VNF instance(s): ${users
          .map((u) => u.id)
          .join(', ')}. Delete them first.`,
      );
    }
    await store.deletePackage(vnfdId);
  });
}

export async function packageUsage(store: Store, vnfdId: string): Promise<'IN_USE' | 'NOT_IN_USE'> {
  return (await store.listInstances()).some((i) => i.vnfdId === vnfdId) ? 'IN_USE' : 'NOT_IN_USE';
}

async function hashPackage(model: VnfPackage): Promise<string> {
  const h = createHash('sha256');
  for (const f of model.files) {
    h.update(f).update('\0');
    for await (const chunk of createReadStream(join(model.root, f))) h.update(chunk as Buffer);
    h.update('\0');
  }
  return h.digest('hex');
}
