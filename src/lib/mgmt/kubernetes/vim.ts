/**
 * The cluster as a Kubernetes VIM: the admin kubeconfig is kept in the store
 * (`kubeconfigs/<instance id>.conf`, 0600), a VIM record named `vim_name` points at it, and the
 * instance's vimConnectionInfo lists it (endpoint only: certificates and keys stay in the file).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { CliError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import type { Store } from '../../store/index.js';
import { saveVim } from '../../store/vims.js';

/** What VIM registration needs of the store (the driver's VIM port): VIM records under their lock, the instance's vimConnectionInfo, the kubeconfig's path. */
export interface VimPort {
  store: Pick<Store, 'withLock' | 'getVim' | 'putVim' | 'deleteVim' | 'getInstance' | 'updateInstance' | 'path'>;
  instance: { id: string };
}

export function kubeconfigPath(ctx: VimPort): string {
  return ctx.store.path('kubeconfigs', `${ctx.instance.id}.conf`);
}

const SERVER = ['clusters', 0, 'cluster', 'server'];

/** The kubeconfig with its (first) cluster's server URL replaced, e.g. by the floating-IP URL; the rest kept as it is. */
export function withServer(kubeconfig: string, server: string): string {
  const doc = parseDocument(kubeconfig);
  if (doc.errors.length > 0) throw new CliError(`the admin kubeconfig is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  if (!doc.hasIn(SERVER)) throw new CliError('the admin kubeconfig has no clusters[0].cluster.server');
  doc.setIn(SERVER, server);
  // kubeadm writes block sequences unindented
  return doc.toString({ lineWidth: 0, indentSeq: false });
}

/** The server URL of a kubeconfig (first cluster). */
export function serverOf(kubeconfig: string): string | undefined {
  const v = parseDocument(kubeconfig).getIn(SERVER);
  return typeof v === 'string' ? v : undefined;
}

export async function registerVim(
  ctx: VimPort,
  o: { name: string; kubeconfig: string; server: string },
): Promise<{ vimId: string; kubeconfigFile: string }> {
  const file = kubeconfigPath(ctx);
  const vim = await saveVim(ctx.store, o.name, async (existing) => {
    if (existing && (existing.type !== 'kubernetes' || existing.kubernetes?.vnfInstanceId !== ctx.instance.id)) {
      throw new CliError(
        `Cannot register the cluster as VIM "${o.name}": a ${existing.type} VIM with that name already exists` +
          (existing.kubernetes?.vnfInstanceId ? ` (the cluster of VNF instance ${existing.kubernetes.vnfInstanceId})` : '') +
          '. Choose another vim_name or delete that VIM.',
      );
    }
    await writeFileAtomic(file, o.kubeconfig);
    return {
      name: o.name,
      id: existing?.id ?? randomUUID(),
      type: 'kubernetes',
      kubernetes: { server: o.server, kubeconfigFile: file, vnfInstanceId: ctx.instance.id },
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    };
  });
  const vimId = vim.id;
  await ctx.store.updateInstance(ctx.instance.id, (rec) => {
    const prev = rec.vimConnectionInfo.find((v) => v.vimId === vimId);
    const others = rec.vimConnectionInfo.filter((v) => v.vimId !== vimId);
    return {
      ...rec,
      vimConnectionInfo: [
        ...others,
        { id: prev?.id ?? randomUUID(), vimId, vimType: 'kubernetes', interfaceInfo: { endpoint: o.server }, accessInfo: {} },
      ],
    };
  });
  return { vimId, kubeconfigFile: file };
}

/**
 * Forget the cluster's VIM (terminate, entire heal): the VIM record when it is this instance's,
 * its vimConnectionInfo entry and the kubeconfig file. Returns what happened, for the progress line.
 */
export async function deregisterVim(ctx: VimPort, name: string): Promise<string> {
  const vim = await ctx.store.getVim(name);
  let said: string;
  let vimId: string | undefined;
  if (!vim) {
    said = `no VIM named ${name}`;
  } else if (vim.type !== 'kubernetes' || vim.kubernetes?.vnfInstanceId !== ctx.instance.id) {
    said = `VIM ${name} is not this instance's cluster; left alone`;
  } else {
    vimId = vim.id;
    await ctx.store.deleteVim(name);
    said = `VIM ${name} deleted`;
  }
  await rm(kubeconfigPath(ctx), { force: true });
  const rec = await ctx.store.getInstance(ctx.instance.id);
  if (rec && vimId && rec.vimConnectionInfo.some((v) => v.vimId === vimId)) {
    await ctx.store.updateInstance(ctx.instance.id, (r) => ({ ...r, vimConnectionInfo: r.vimConnectionInfo.filter((v) => v.vimId !== vimId) }));
  }
  return said;
}
