/**
 * The driver's inputs: `additionalParams.k8s_cluster_installation_param` of the stored
 * instantiate request (parsed once by the schema when it was given: typed, defaults applied), the SSH credentials (a heal or scale
 * request may override them: master_node_username/password, worker_node_username/password), the
 * install script of the package and its overrides file.
 */
import { realpath } from 'node:fs/promises';
import { CliError, ExitCode } from '../../errors.js';
import type { HookContext } from '../contract.js';
import { resolveInPackage } from '../../package/paths.js';
import type { InstantiateVnfRequest, K8sClusterInstallationParam } from '../../params/schema.js';
import type { SshCredentials } from '../common/vnfc-ssh.js';
import { loadScriptOverrides, type ScriptOverrides } from './install.js';

export const PARAM_KEY = 'k8s_cluster_installation_param';

export interface ClusterParams {
  k8s: K8sClusterInstallationParam;
  masterCreds: SshCredentials;
  workerCreds: SshCredentials;
  /** Absolute local path of the install script in the package. */
  scriptLocal: string;
  overrides: ScriptOverrides;
  vimName: string;
  runtime: 'containerd' | 'docker';
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Credential overrides of the current operation (its additionalParams, or the top level). */
export function credentialOverrides(operationParams: Record<string, unknown>): {
  master?: Partial<SshCredentials>;
  worker?: Partial<SshCredentials>;
} {
  const ap = asRecord(operationParams.additionalParams) ?? {};
  const pick = (k: string): string | undefined => str(ap[k]) ?? str(operationParams[k]);
  return {
    master: { username: pick('master_node_username'), password: pick('master_node_password') },
    worker: { username: pick('worker_node_username'), password: pick('worker_node_password') },
  };
}

/** The cluster parameters of the stored request; a request of another kind of VNF has none. */
export function parseClusterParam(request: InstantiateVnfRequest): K8sClusterInstallationParam {
  const k8s = request.additionalParams[PARAM_KEY];
  if (!k8s) {
    throw new CliError(`The instantiate request has no additionalParams.${PARAM_KEY}; the Kubernetes cluster driver needs it.`, ExitCode.invalidInput);
  }
  return k8s;
}

export async function loadClusterParams(ctx: Pick<HookContext, 'request' | 'operationParams' | 'pkg' | 'instance'>): Promise<ClusterParams> {
  const k8s = parseClusterParam(ctx.request);
  const ov = credentialOverrides(ctx.operationParams);
  const masterCreds: SshCredentials = {
    username: ov.master?.username ?? k8s.master_node.username,
    password: ov.master?.password ?? k8s.master_node.password,
  };
  const workerCreds: SshCredentials = {
    username: ov.worker?.username ?? k8s.worker_node.username,
    password: ov.worker?.password ?? k8s.worker_node.password,
  };
  const root = await realpath(ctx.pkg.root);
  const script = await resolveInPackage(root, k8s.script_path);
  if (script.kind !== 'file') {
    throw new CliError(
      `additionalParams.${PARAM_KEY}.script_path "${k8s.script_path}": ${script.kind === 'outside' ? 'resolves outside the VNF package' : 'no such file in the VNF package'}.`,
      ExitCode.invalidInput,
    );
  }
  const overrides = await loadScriptOverrides(root, script.rel);
  return {
    k8s,
    masterCreds,
    workerCreds,
    scriptLocal: script.abs,
    overrides,
    vimName: k8s.vim_name ?? `kubernetes_vim_${ctx.instance.id}`,
    runtime: k8s.container_runtime,
  };
}
