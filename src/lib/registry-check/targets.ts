/**
 * What `vnflcm registry check` checks: the registries of a param file (before instantiate), or the
 * registries and nodes of an instantiated Kubernetes VNF (its stored request, the node names its
 * driver recorded, the addresses and server ids of instantiatedVnfInfo) — all from the store,
 * without a cloud call.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError, ExitCode } from '../errors.js';
import { internalOf } from '../lcm/instance-state.js';
import { loadPackage } from '../lcm/packages.js';
import { parseClusterParam, PARAM_KEY } from '../mgmt/kubernetes/params.js';
import { resolveRegistries, type RegistrySpec } from '../mgmt/kubernetes/registries.js';
import type { K8sClusterInstallationParam } from '../params/schema.js';
import type { Store, VnfInstanceRecord } from '../store/index.js';

export interface NodeTarget {
  name: string;
  role: string;
  /** SSH address: the fixed IP of the role's ssh_cp_name. */
  address: string;
  /** The driver's host key pin: `<instance>/<vnfc>/<server>`. */
  hostKeyId: string;
  username: string;
  password: string;
}

export interface InstanceTargets {
  registries: RegistrySpec[];
  nodes: NodeTarget[];
  runtime: 'containerd' | 'docker';
}

// The parts of the stored record the check reads (the store keeps them as free-form JSON).
const nodesMetaSchema = z.object({
  kubernetes: z.object({ nodes: z.array(z.object({ name: z.string(), role: z.string(), ip: z.string(), vnfcId: z.string() })).optional() }).optional(),
});
const vnfInfoSchema = z.object({
  vnfcResourceInfo: z
    .array(
      z.object({
        id: z.string(),
        computeResource: z.object({ resourceId: z.string() }),
        vnfcCpInfo: z
          .array(
            z.object({
              cpdId: z.string(),
              cpProtocolInfo: z.array(z.object({ ipOverEthernet: z.object({ ipAddresses: z.array(z.object({ addresses: z.array(z.string()) })) }).optional() })).optional(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

function noRegistries(where: string): CliError {
  return new CliError(`${where} has no additionalParams.${PARAM_KEY}.private_registry_connection_info: there is no registry to check.`, ExitCode.invalidInput);
}

/** The nodes of an instance and the registries they are configured with. */
export async function instanceTargets(store: Store, rec: VnfInstanceRecord): Promise<InstanceTargets> {
  const request = internalOf(rec).request;
  if (!request) throw new CliError(`VNF instance ${rec.id} has no stored instantiate request (is it instantiated?); give the param file to check from this machine.`);
  if ((request.additionalParams as Record<string, unknown> | undefined)?.[PARAM_KEY] === undefined) {
    throw new CliError(`VNF instance ${rec.id} is not a Kubernetes cluster VNF (its request has no additionalParams.${PARAM_KEY}).`, ExitCode.invalidInput);
  }
  const k8s = parseClusterParam(request);
  if (!k8s.private_registry_connection_info?.length) throw noRegistries(`The instantiate request of VNF instance ${rec.id}`);
  const pkg = (await loadPackage(store, rec.vnfdId)).model;
  const registries = await resolveRegistries(k8s.private_registry_connection_info, { store, packageRoot: pkg.root });
  const meta = nodesMetaSchema.safeParse(rec.metadata ?? {});
  const recorded = meta.success ? (meta.data.kubernetes?.nodes ?? []) : [];
  if (recorded.length === 0) {
    throw new CliError(`VNF instance ${rec.id} has no Kubernetes nodes recorded (metadata.kubernetes.nodes): its cluster was never installed; give the param file to check from this machine.`);
  }
  const info = vnfInfoSchema.safeParse(rec.instantiatedVnfInfo ?? {});
  const vnfcs = info.success ? info.data.vnfcResourceInfo : [];
  const nodes = recorded.map((n): NodeTarget => {
    const p = n.role === 'master' ? k8s.master_node : k8s.worker_node;
    const vnfc = vnfcs.find((v) => v.id === n.vnfcId);
    const sshIp = vnfc?.vnfcCpInfo.find((c) => c.cpdId === p.ssh_cp_name)?.cpProtocolInfo?.[0]?.ipOverEthernet?.ipAddresses[0]?.addresses[0];
    return {
      name: n.name,
      role: n.role,
      address: sshIp ?? n.ip,
      hostKeyId: `${rec.id}/${n.vnfcId}/${vnfc?.computeResource.resourceId ?? 'unknown-server'}`,
      username: p.username,
      password: p.password,
    };
  });
  return { registries, nodes, runtime: k8s.container_runtime };
}

/** The registries of an instantiate param file; CA files come from the package of `vnfdId`. */
export async function paramFileRegistries(store: Store, file: string, vnfdId?: string): Promise<RegistrySpec[]> {
  const { validateParamFile } = await import('../params/validate.js');
  const pkg = vnfdId ? (await loadPackage(store, vnfdId)).model : undefined;
  const request = await validateParamFile(file, pkg);
  const k8s: K8sClusterInstallationParam | undefined = request.additionalParams.k8s_cluster_installation_param;
  const entries = k8s?.private_registry_connection_info;
  if (!entries?.length) throw noRegistries(file);
  const withCa = entries.findIndex((e) => e.certificate_path !== undefined);
  if (!pkg && withCa >= 0) {
    throw new CliError(
      `private_registry_connection_info[${withCa}].certificate_path is a file of the VNF package: give the package with --vnfd-id.`,
      ExitCode.usage,
    );
  }
  // without a package no entry names a package file, so the root is never read
  return resolveRegistries(entries, { store, packageRoot: pkg?.root ?? process.cwd() });
}

/** sha256 of a registry's CA file (for the nodes' hint that their CA differs from the package's). */
export async function caSha256(reg: RegistrySpec): Promise<string | undefined> {
  return reg.caFile ? createHash('sha256').update(await readFile(reg.caFile)).digest('hex') : undefined;
}
