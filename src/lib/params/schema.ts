/**
 * zod schemas (and the inferred types) of the parameter files vnflcm reads:
 *
 *  - the instantiate request (`vnflcm instantiate <id> <param-file>`, `create --I`): SOL003
 *    `InstantiateVnfRequest` as Tacker v1 takes it, with the two `additionalParams` shapes of the
 *    sample management drivers — `private_registry_installation_param` (Docker private registry
 *    VNF) and `k8s_cluster_installation_param` (Kubernetes cluster VNF);
 *  - the `--additional-param-file` of `heal` and `scale` (merged at the top level of the request).
 *
 * Per-value checks (formats, ranges, shell metacharacters) live here; cross-field and
 * package-dependent checks are in ./validate.ts. Every schema carries its own "expected" text as
 * the zod message, so issues convert 1:1 into InputProblems (see `issuesToProblems`).
 */
import { z } from 'zod';
import {
  checkCidr,
  checkHostsString,
  checkIp,
  checkK8sVersion,
  checkMacAddress,
  checkName,
  checkNoProxy,
  checkPortValue,
  checkProxyUrl,
  checkRegistryUser,
  checkRelativePath,
  checkServer,
  checkUserName,
  type Finding,
  HOSTS_WHAT,
  NO_PROXY_WHAT,
  PATH_WHAT,
  PROXY_WHAT,
  SERVER_WHAT,
  shellFinding,
  type TextKind,
} from './checks.js';

/** zod message prefix of an unrecognized-keys issue; the known keys follow, comma-separated. */
export const UNKNOWN_KEYS_MARK = '\u0000known-keys:';

/** A strict object whose own issues say `expected <what>`, and whose unknown-key issue carries the known keys. */
function obj<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? UNKNOWN_KEYS_MARK + Object.keys(shape).join(',') : what),
  });
}

function list<T extends z.ZodType>(item: T, what: string, min = 0) {
  const a = z.array(item, { error: what });
  return min > 0 ? a.min(min, { error: what }) : a;
}

function refineWith<T>(check: (v: T) => Finding | undefined) {
  return (v: T, ctx: z.core.$RefinementCtx<T>): void => {
    const f = check(v);
    if (f) ctx.addIssue({ code: 'custom', message: f.expected, params: f.hint ? { hint: f.hint } : {}, input: v });
  };
}

/**
 * A non-empty string of the given kind: metacharacter check first (the most specific problem),
 * then the format check.
 */
function text(what: string, kind: TextKind, format?: (v: string) => Finding | undefined) {
  return z.string({ error: what }).superRefine(
    refineWith((v: string) => {
      if (v === '') return { expected: what, hint: 'it must not be empty' };
      return shellFinding(v, kind, what) ?? format?.(v);
    }),
  );
}

const plain = (what: string) => text(what, 'plain');
const resName = (what: string) => text(what, 'name', (v) => checkName(v, what));
const userName = (what = 'a user name') => text(what, 'user', (v) => checkUserName(v, what));
const password = (what = 'a password') => text(what, 'password');
const pkgPath = (what = PATH_WHAT) => text(what, 'path', checkRelativePath);
const cidr = (what: string) => text(what, 'cidr', (v) => checkCidr(v, what));
const proxyUrl = () => text(PROXY_WHAT, 'url', checkProxyUrl);
const noProxy = () => text(NO_PROXY_WHAT, 'noproxy', checkNoProxy);
const anyObject = (what = 'an object') => z.record(z.string(), z.unknown(), { error: what });

const PORT_WHAT = 'a TCP port number 1–65535 (an integer or a string of digits)';
const portNo = z
  .union([z.string(), z.number()], { error: PORT_WHAT })
  .superRefine(refineWith(checkPortValue))
  .transform((v) => Number(v));

// ---------------------------------------------------------------------------------------------
// InstantiateVnfRequest (SOL003 v2.6.1 as Tacker's v1 API takes it)

export const ipAddressDataSchema = obj(
  {
    type: z.enum(['IPV4', 'IPV6'], { error: 'the address type "IPV4" or "IPV6"' }),
    fixedAddresses: list(text('an IPv4 or IPv6 address', 'plain', checkIp), 'a list of IP addresses').optional(),
    numDynamicAddresses: z.number({ error: 'a number of addresses (an integer ≥ 1)' }).int({ error: 'a number of addresses (an integer ≥ 1)' }).min(1, { error: 'a number of addresses (an integer ≥ 1)' }).optional(),
    subnetId: plain('a subnet id').optional(),
  },
  'an IP address assignment {type, fixedAddresses | numDynamicAddresses, subnetId}',
);

export const cpProtocolDataSchema = obj(
  {
    layerProtocol: z.literal('IP_OVER_ETHERNET', { error: 'the layer protocol "IP_OVER_ETHERNET"' }),
    ipOverEthernet: obj(
      {
        macAddress: text('a MAC address such as fa:16:3e:12:34:56', 'plain', checkMacAddress).optional(),
        ipAddresses: list(ipAddressDataSchema, 'a list of IP address assignments').optional(),
      },
      'an object {macAddress, ipAddresses}',
    ).optional(),
  },
  'an object {layerProtocol, ipOverEthernet}',
);

export const vnfExtCpConfigSchema = obj(
  {
    cpInstanceId: plain('a CP instance id').optional(),
    linkPortId: plain('the id of an extLinkPorts entry').optional(),
    cpProtocolData: list(cpProtocolDataSchema, 'a list of CP protocol data').optional(),
  },
  'an object {cpInstanceId, linkPortId, cpProtocolData}',
);

export const vnfExtCpDataSchema = obj(
  {
    cpdId: plain('a CP name (cpdId) of the flavour'),
    cpConfig: list(vnfExtCpConfigSchema, 'a list of CP configurations').optional(),
  },
  'an external CP {cpdId, cpConfig}',
);

export const resourceHandleSchema = obj(
  {
    vimConnectionId: plain('a vimConnectionInfo id').optional(),
    resourceProviderId: plain('a resource provider id').optional(),
    resourceId: plain('a resource id (Neutron port UUID)'),
    vimLevelResourceType: plain('a resource type such as OS::Neutron::Port').optional(),
  },
  'a resource handle {vimConnectionId, resourceId, vimLevelResourceType}',
);

export const extLinkPortDataSchema = obj(
  { id: plain('an id'), resourceHandle: resourceHandleSchema },
  'an external link port {id, resourceHandle}',
);

export const extVirtualLinkDataSchema = obj(
  {
    id: plain('an id for the external virtual link'),
    vimConnectionId: plain('a vimConnectionInfo id').optional(),
    resourceProviderId: plain('a resource provider id').optional(),
    resourceId: plain('a network id (Neutron network UUID)'),
    extCps: list(vnfExtCpDataSchema, 'a non-empty list of external CPs', 1),
    extLinkPorts: list(extLinkPortDataSchema, 'a list of external link ports').optional(),
  },
  'an external virtual link {id, resourceId, extCps}',
);

export const extManagedVirtualLinkDataSchema = obj(
  {
    id: plain('an id'),
    vnfVirtualLinkDescId: plain('the name of an internal virtual link of the flavour'),
    resourceId: plain('a network id (Neutron network UUID)'),
    vimConnectionId: plain('a vimConnectionInfo id').optional(),
    resourceProviderId: plain('a resource provider id').optional(),
  },
  'an externally managed virtual link {id, vnfVirtualLinkDescId, resourceId}',
);

export const vimConnectionInfoSchema = obj(
  {
    id: plain('an id for this VIM connection'),
    vimId: plain('the id of a registered VIM').optional(),
    vimType: plain('a VIM type such as "openstack"'),
    interfaceInfo: anyObject().optional(),
    accessInfo: anyObject().optional(),
    extra: anyObject().optional(),
  },
  'a VIM connection {id, vimId, vimType}',
);

// ---------------------------------------------------------------------------------------------
// additionalParams.private_registry_installation_param

export const registryProxySchema = obj(
  {
    http_proxy: proxyUrl().optional(),
    https_proxy: proxyUrl().optional(),
    no_proxy: noProxy().optional(),
  },
  'an object {http_proxy, https_proxy, no_proxy}',
);

export const privateRegistryInstallationParamSchema = obj(
  {
    ssh_cp_name: resName('the name of the CP used for SSH'),
    ssh_username: userName('an SSH user name'),
    ssh_password: password('an SSH password'),
    image_path: pkgPath().optional(),
    port_no: portNo.default(5000),
    proxy: registryProxySchema.optional(),
  },
  'an object {ssh_cp_name, ssh_username, ssh_password, image_path, port_no, proxy}',
);

// ---------------------------------------------------------------------------------------------
// additionalParams.k8s_cluster_installation_param

export const masterNodeSchema = obj(
  {
    aspect_id: resName('a scaling aspect id of the flavour').optional(),
    ssh_cp_name: resName('the name of the CP used for SSH'),
    nic_cp_name: resName('the name of the CP carrying the cluster network'),
    username: userName('an SSH user name'),
    password: password('an SSH password'),
    pod_cidr: cidr('a pod network CIDR such as 192.168.0.0/16').default('192.168.0.0/16'),
    cluster_cidr: cidr('a service network CIDR such as 10.96.0.0/12').default('10.96.0.0/12'),
    cluster_cp_name: resName('the name of the CP (or VIP port) giving the API server address'),
    cluster_fip_name: resName('the name of the floating IP resource of the API server').optional(),
  },
  'an object {aspect_id, ssh_cp_name, nic_cp_name, username, password, pod_cidr, cluster_cidr, cluster_cp_name, cluster_fip_name}',
);

export const workerNodeSchema = obj(
  {
    aspect_id: resName('a scaling aspect id of the flavour').optional(),
    ssh_cp_name: resName('the name of the CP used for SSH'),
    nic_cp_name: resName('the name of the CP carrying the cluster network'),
    username: userName('an SSH user name'),
    password: password('an SSH password'),
  },
  'an object {aspect_id, ssh_cp_name, nic_cp_name, username, password}',
);

export const k8sProxySchema = obj(
  {
    http_proxy: proxyUrl().optional(),
    https_proxy: proxyUrl().optional(),
    no_proxy: noProxy().optional(),
    k8s_node_cidr: cidr('a node network CIDR such as 10.10.0.0/24').optional(),
  },
  'an object {http_proxy, https_proxy, no_proxy, k8s_node_cidr}',
);

const CONNECTION_TYPE_WHAT = 'a connection type: "0" (HTTP) or "1" (HTTPS)';
export const connectionTypeSchema = z
  .unknown()
  .superRefine(
    refineWith((v: unknown) => {
      if (v === '0' || v === '1' || v === 0 || v === 1) return undefined;
      if (typeof v === 'string' && /^https?$/i.test(v)) return { expected: CONNECTION_TYPE_WHAT, hint: `use ${v.toLowerCase() === 'http' ? '"0"' : '"1"'} for ${v.toUpperCase()}` };
      return { expected: CONNECTION_TYPE_WHAT };
    }),
  )
  .transform((v) => (String(v) === '1' ? '1' : '0') as '0' | '1');

export const privateRegistryConnectionSchema = obj(
  {
    connection_type: connectionTypeSchema,
    server: text(SERVER_WHAT, 'server', checkServer),
    username: text('a registry user name', 'user', (v) => checkRegistryUser(v, 'a registry user name')).optional(),
    password: password('a registry password').optional(),
    certificate_path: pkgPath().optional(),
    hosts_string: text(HOSTS_WHAT, 'hosts', checkHostsString).optional(),
  },
  'a registry connection {connection_type, server, username, password, certificate_path, hosts_string}',
);

/** Documented Tacker shape; accepted, but vnflcm does not set up the NFS storage server yet. */
export const storageServerSchema = obj(
  {
    ssh_cp_name: plain('the name of the CP used for SSH'),
    nic_cp_name: plain('the name of the CP carrying the storage network'),
    username: plain('an SSH user name'),
    password: plain('an SSH password'),
    cinder_volume_setup_params: list(
      obj({ volume_resource_id: plain('a volume resource name'), mount_to: plain('a mount point') }, 'an object {volume_resource_id, mount_to}'),
      'a list of {volume_resource_id, mount_to}',
    ),
    nfs_server_setup_params: list(
      obj({ export_dir: plain('a directory to export'), export_to: plain('a client network (CIDR)') }, 'an object {export_dir, export_to}'),
      'a list of {export_dir, export_to}',
    ),
  },
  'an object {ssh_cp_name, nic_cp_name, username, password, cinder_volume_setup_params, nfs_server_setup_params}',
);

/** Documented Tacker shape; accepted, but vnflcm does not register persistent volumes yet. */
export const pvRegistrationParamSchema = obj(
  { pv_manifest_file_path: plain('a package-relative PV manifest path'), nfs_server_cp: plain('the name of the NFS server CP') },
  'an object {pv_manifest_file_path, nfs_server_cp}',
);

export const k8sClusterInstallationParamSchema = obj(
  {
    script_path: pkgPath(),
    vim_name: resName('a VIM name').optional(),
    master_node: masterNodeSchema,
    worker_node: workerNodeSchema,
    proxy: k8sProxySchema.optional(),
    helm_installation_script_path: pkgPath().optional(),
    container_runtime: z.enum(['containerd', 'docker'], { error: 'a container runtime: "containerd" or "docker"' }).default('containerd'),
    kubernetes_version: text('a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4', 'version', checkK8sVersion).optional(),
    private_registry_connection_info: list(privateRegistryConnectionSchema, 'a list of registry connections').optional(),
    storage_server: storageServerSchema.optional(),
    pv_registration_params: list(pvRegistrationParamSchema, 'a list of {pv_manifest_file_path, nfs_server_cp}').optional(),
  },
  'an object {script_path, vim_name, master_node, worker_node, proxy, …}',
);

// ---------------------------------------------------------------------------------------------
// additionalParams and the request

/** Keys of `additionalParams` vnflcm knows. Other keys are checked in validate.ts (BaseHOT pass-through). */
export const ADDITIONAL_PARAMS_KEYS = [
  'private_registry_installation_param',
  'k8s_cluster_installation_param',
  'lcm-operation-user-data',
  'lcm-operation-user-data-class',
  'nfv',
] as const;

export const additionalParamsSchema = z.looseObject(
  {
    private_registry_installation_param: privateRegistryInstallationParamSchema.optional(),
    k8s_cluster_installation_param: k8sClusterInstallationParamSchema.optional(),
    'lcm-operation-user-data': plain('a package-relative path of the LCM user-data script').optional(),
    'lcm-operation-user-data-class': plain('the LCM user-data class name').optional(),
    nfv: anyObject('an object (the Heat "nfv" parameter)').optional(),
  },
  { error: 'an object with private_registry_installation_param or k8s_cluster_installation_param' },
);

export const instantiateVnfRequestSchema = obj(
  {
    flavourId: plain('a flavour id'),
    instantiationLevelId: plain('an instantiation level id').optional(),
    extVirtualLinks: list(extVirtualLinkDataSchema, 'a list of external virtual links').optional(),
    extManagedVirtualLinks: list(extManagedVirtualLinkDataSchema, 'a list of externally managed virtual links').optional(),
    vimConnectionInfo: list(vimConnectionInfoSchema, 'a list of VIM connections').optional(),
    localizationLanguage: plain('a language tag').optional(),
    additionalParams: additionalParamsSchema,
  },
  'an InstantiateVnfRequest object {flavourId, extVirtualLinks, vimConnectionInfo, additionalParams, …}',
);

// ---------------------------------------------------------------------------------------------
// heal / scale --additional-param-file (merged at the top level of the request body)

const credentialOverrides = {
  master_node_username: userName('an SSH user name for the master nodes').optional(),
  master_node_password: password('an SSH password for the master nodes').optional(),
  worker_node_username: userName('an SSH user name for the worker nodes').optional(),
  worker_node_password: password('an SSH password for the worker nodes').optional(),
};

const healAll = z.boolean({ error: 'true or false' }).optional();

function healFile<A extends z.ZodType>(additionalParams: A) {
  return obj(
    {
      cause: plain('a cause text').optional(),
      vnfcInstanceId: list(plain('a VNFC instance id'), 'a list of VNFC instance ids').optional(),
      additionalParams: additionalParams.optional(),
    },
    'a HealVnfRequest object {cause, vnfcInstanceId, additionalParams}',
  );
}

function scaleFile<A extends z.ZodType>(additionalParams: A) {
  return obj(
    {
      type: z.enum(['SCALE_OUT', 'SCALE_IN'], { error: 'a scale type: "SCALE_OUT" or "SCALE_IN"' }).optional(),
      aspectId: resName('a scaling aspect id').optional(),
      numberOfSteps: z.number({ error: 'a number of steps (an integer ≥ 1)' }).int({ error: 'a number of steps (an integer ≥ 1)' }).min(1, { error: 'a number of steps (an integer ≥ 1)' }).optional(),
      additionalParams: additionalParams.optional(),
    },
    'a ScaleVnfRequest object {type, aspectId, numberOfSteps, additionalParams}',
  );
}

/** The Kubernetes driver's keys (also what is checked when the instance's driver is not known). */
export const healVnfRequestFileSchema = healFile(
  obj({ all: healAll, ...credentialOverrides }, 'an object {all, master_node_username, master_node_password, worker_node_username, worker_node_password}'),
);

export const scaleVnfRequestFileSchema = scaleFile(
  obj(credentialOverrides, 'an object {master_node_username, master_node_password, worker_node_username, worker_node_password}'),
);

/** The Docker private registry driver reads nothing from heal's additionalParams but Tacker's own `all`. */
export const registryHealVnfRequestFileSchema = healFile(obj({ all: healAll }, 'an object {all}'));

/** … and nothing from scale's. */
export const registryScaleVnfRequestFileSchema = scaleFile(obj({}, 'an empty object (the private registry driver takes no scale parameters)'));

// ---------------------------------------------------------------------------------------------
// Types (outputs: defaults applied, port_no a number, connection_type "0" | "1")

export type IpAddressData = z.output<typeof ipAddressDataSchema>;
export type CpProtocolData = z.output<typeof cpProtocolDataSchema>;
export type VnfExtCpConfig = z.output<typeof vnfExtCpConfigSchema>;
export type VnfExtCpData = z.output<typeof vnfExtCpDataSchema>;
export type ExtLinkPortData = z.output<typeof extLinkPortDataSchema>;
export type ExtVirtualLinkData = z.output<typeof extVirtualLinkDataSchema>;
export type ExtManagedVirtualLinkData = z.output<typeof extManagedVirtualLinkDataSchema>;
export type VimConnectionInfo = z.output<typeof vimConnectionInfoSchema>;
export type PrivateRegistryInstallationParam = z.output<typeof privateRegistryInstallationParamSchema>;
export type MasterNodeParam = z.output<typeof masterNodeSchema>;
export type WorkerNodeParam = z.output<typeof workerNodeSchema>;
export type K8sProxyParam = z.output<typeof k8sProxySchema>;
export type PrivateRegistryConnection = z.output<typeof privateRegistryConnectionSchema>;
export type K8sClusterInstallationParam = z.output<typeof k8sClusterInstallationParamSchema>;
export type AdditionalParams = z.output<typeof additionalParamsSchema>;
export type InstantiateVnfRequest = z.output<typeof instantiateVnfRequestSchema>;
export type HealVnfRequestFile = z.output<typeof healVnfRequestFileSchema>;
export type ScaleVnfRequestFile = z.output<typeof scaleVnfRequestFileSchema>;
