/**
 * Which cloud an operation talks to. Tacker's "VIM" becomes a name for a clouds.yaml cloud:
 * `vnflcm vim register NAME --os-cloud CLOUD` records it with a vimId; an instantiate request whose
 * vimConnectionInfo[].vimId names that id (or the VIM's name) uses that cloud. Without
 * vimConnectionInfo the default cloud is used: the `--os-*` flags / `OS_*` variables, else the VIM
 * registered with `--default` (Tacker's "default VIM"). Later operations on the instance reuse the
 * cloud chosen at instantiate; `--os-*` flags still override single values.
 */
import { randomUUID } from 'node:crypto';
import { CliError } from '../errors.js';
import type { AuthFlagValues } from '../openstack/auth-options.js';
import type { Session } from '../openstack/session.js';
import type { Store, VimRecord, VnfInstanceRecord } from '../store/index.js';
import { saveVim } from '../store/vims.js';
import type { CloudOps } from './cloud-ops.js';
import { internalOf, type InternalState } from './instance-state.js';

export async function findVim(store: Store, idOrName: string): Promise<VimRecord | undefined> {
  const byName = await store.getVim(idOrName).catch(() => undefined);
  if (byName) return byName;
  return (await store.listVims()).find((v) => v.id === idOrName);
}

export async function registerVim(store: Store, name: string, cloud: string, isDefault: boolean): Promise<VimRecord> {
  return saveVim(store, name, async (existing) => {
    if (existing) throw new CliError(`VIM ${name} already exists (id ${existing.id}); delete it first with 'vnflcm vim delete ${name}'.`);
    if (isDefault) {
      for (const v of await store.listVims()) if (v.isDefault) await store.putVim({ ...v, isDefault: false });
    }
    return { name, id: randomUUID(), type: 'openstack', cloud, isDefault, createdAt: new Date().toISOString() };
  });
}

interface Selection {
  vim?: VimRecord;
  cloudName?: string;
}

async function select(store: Store, vimRef: string | undefined, flags: AuthFlagValues, env: NodeJS.ProcessEnv): Promise<Selection> {
  if (vimRef) {
    const vim = await findVim(store, vimRef);
    if (!vim) {
      throw new CliError(
        `VIM ${vimRef} is not registered. Register the cloud with 'vnflcm vim register NAME --os-cloud CLOUD' and use the id it prints as vimId.`,
      );
    }
    if (vim.type !== 'openstack') throw new CliError(`VIM ${vim.name} is a ${vim.type} VIM; an OpenStack VIM is needed here.`);
    return { vim, cloudName: vim.cloud };
  }
  if (flags['os-cloud'] || env.OS_CLOUD || env.OS_AUTH_URL || flags['os-auth-url']) return {};
  const def = (await store.listVims()).find((v) => v.isDefault && v.type === 'openstack');
  return def ? { vim: def, cloudName: def.cloud } : {};
}

export async function openCloudOps(
  store: Store,
  vimRef: string | undefined,
  flags: AuthFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ops: CloudOps; selection: InternalState['cloud'] }> {
  const { cloud, vim, selection } = await openSelectedCloud(store, vimRef, flags, env);
  const { openstackCloudOps } = await import('./openstack-cloud.js');
  return { ops: openstackCloudOps(cloud, vim?.id ?? null), selection };
}

/** The cloud a VIM reference (or the default) selects, authenticated and with its catalog checked. */
export async function openSelectedCloud(store: Store, vimRef: string | undefined, flags: AuthFlagValues, env: NodeJS.ProcessEnv = process.env) {
  const sel = await select(store, vimRef, flags, env);
  const os = await import('../openstack/index.js');
  const options = os.authOptionsFromFlags(flags);
  if (sel.cloudName && !flags['os-cloud']) options.cloud = sel.cloudName;
  const config = os.resolveCloudConfig(options);
  const cloud = await os.openCloud(config, {
    debug: flags.debug ? flags.debugLog : undefined,
  });
  checkCatalog(cloud.session);
  const selection: InternalState['cloud'] = { vimName: sel.vim?.name, osCloud: options.cloud };
  return { cloud, vim: sel.vim, selection };
}

/** The flags that reopen the cloud an instance was instantiated on (unless the operator's flags name one). */
export function instanceCloudFlags(rec: VnfInstanceRecord, flags: AuthFlagValues): { vimRef: string | undefined; flags: AuthFlagValues } {
  const st = internalOf(rec);
  const given = flags['os-cloud'] || flags['os-auth-url'];
  const vimRef = given ? undefined : st.cloud?.vimName;
  const f = !given && !vimRef && st.cloud?.osCloud && !process.env.OS_CLOUD ? { ...flags, 'os-cloud': st.cloud.osCloud } : flags;
  return { vimRef, flags: f };
}

/** The services every operation uses: a wrong region or interface is an error before anything is recorded. */
export const OPERATION_SERVICES = ['orchestration', 'compute', 'network', 'image'] as const;

/** Throws the openstackclient's "public endpoint for orchestration service in RegionTwo region not found" (exit 4). */
export function checkCatalog(session: Pick<Session, 'endpoint'>): void {
  for (const service of OPERATION_SERVICES) session.endpoint(service);
}

/** The cloud of an instantiated instance: the one recorded at instantiate, unless flags say otherwise. */
export async function openInstanceCloud(store: Store, rec: VnfInstanceRecord, flags: AuthFlagValues): Promise<CloudOps> {
  const c = instanceCloudFlags(rec, flags);
  return (await openCloudOps(store, c.vimRef, c.flags)).ops;
}
