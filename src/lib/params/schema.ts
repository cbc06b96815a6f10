/**
 * zod schemas (and the inferred types) of the parameter files vnflcm reads:
 *
 *  - the instantiate request (`vnflcm instantiate <id> <param-file>`, `create --I`): SOL003
 *    `InstantiateVnfRequest` as Tacker v1 takes it, with the two `additionalParams` shapes of the
 *    sample management drivers — `private_registry_installation_param` (Docker private registry
 *    VNF) and `k8s_cluster_installation_param` (Kubernetes cluster VNF);
 *  - the `--additional-param-file` of `heal` and `scale` (merged at the top level of the request).
 *
 * Per-value checks (formats, ranges, shell metacharacters) live here; the cross-field and
 * package-dependent checks (./request-checks.ts) are refinements of these schemas, so whatever
 * parses a request runs them all. Every schema carries its own "expected" text as
 * the zod message, so issues convert 1:1 into InputProblems (see `issuesToProblems`).
 * `.meta({ description })` texts are documentation only: docs/params.md is generated from them
 * (src/lib/params/docs.ts); a value's "expected" text is its description when it has none.
 *
 * Over 400 lines: one schema per parameter of both drivers' param files, each with its expected
 * text; they compose into the request schema and are read together.
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
import { ADDITIONAL_PARAMS_KEYS, credentialPairChecks, instantiateRequestChecks, type RequestCheckOptions, UNKNOWN_KEYS_MARK } from './request-checks.js';

export { ADDITIONAL_PARAMS_KEYS, UNKNOWN_KEYS_MARK };

/** Refinements that run whatever failed before them (every problem at once). */
const ALWAYS = { when: () => true };

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
  return z
    .string({ error: what })
    .superRefine(
      refineWith((v: string) => {
        if (v === '') return { expected: what, hint: 'it must not be empty' };
        return shellFinding(v, kind, what) ?? format?.(v);
      }),
    )
    .meta({ description: what });
}

/** Documentation of a parameter (docs/params.md). */
function doc<T extends z.ZodType>(schema: T, description: string): T {
  return schema.meta({ description });
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
/** The default sits inside, before the transform, so the JSON Schema of the input shows it. */
const portNo = (defaultPort: number) =>
  z
    .union([z.string(), z.number()], { error: PORT_WHAT })
    .default(defaultPort)
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

/**
 * The registry VM's proxy values go into apt.conf and a systemd unit, which cannot carry control
 * characters, double quotes or backslashes inside a quoted value (apt has no escapes).
 */
// eslint-disable-next-line no-control-regex
const UNREPRESENTABLE = /[\u0000-\u001f\u007f"\\]/;
function aptSafe(what: string, check: (v: string) => Finding | undefined) {
  return (v: string): Finding | undefined => {
    const bad = UNREPRESENTABLE.exec(v);
    if (!bad) return check(v);
    const c = bad[0] === '"' ? 'a double quote' : bad[0] === '\\' ? 'a backslash' : 'a control character';
    return { expected: `${what} without control characters, double quotes or backslashes`, hint: `it contains ${c} at character ${bad.index + 1}, which apt.conf and systemd units cannot carry; percent-encode it` };
  };
}

export const registryProxySchema = obj(
  {
    http_proxy: doc(text(PROXY_WHAT, 'url', aptSafe(PROXY_WHAT, checkProxyUrl)), 'HTTP proxy server address, e.g. http://proxy.example.com:3128').optional(),
    https_proxy: doc(text(PROXY_WHAT, 'url', aptSafe(PROXY_WHAT, checkProxyUrl)), 'HTTPS proxy server address').optional(),
    no_proxy: doc(text(NO_PROXY_WHAT, 'noproxy', aptSafe(NO_PROXY_WHAT, checkNoProxy)), 'Comma-separated addresses, networks and domains reached without the proxy').optional(),
  },
  'an object {http_proxy, https_proxy, no_proxy}',
);

export const privateRegistryInstallationParamSchema = obj(
  {
    ssh_cp_name: doc(resName('the name of the CP used for SSH'), 'CP name that vnflcm uses for SSH/SFTP access to the private registry VM'),
    ssh_username: doc(userName('an SSH user name'), 'User name that vnflcm uses for SSH/SFTP access to the private registry VM'),
    ssh_password: doc(password('an SSH password'), 'Password that vnflcm uses for SSH/SFTP access to the private registry VM'),
    image_path: doc(
      pkgPath(),
      'Path, inside the VNF package, of a `docker save` image file of the registry container, loaded on the VM. ' +
        'Without it the image registry:2 is pulled from Docker Hub',
    ).optional(),
    port_no: doc(portNo(5000), 'TCP port on which the private registry serves (a number or a string of digits)'),
    proxy: doc(registryProxySchema, 'Proxy settings for the VM (apt and Docker)').optional(),
  },
  'an object {ssh_cp_name, ssh_username, ssh_password, image_path, port_no, proxy}',
);

// ---------------------------------------------------------------------------------------------
// additionalParams.k8s_cluster_installation_param

export const masterNodeSchema = obj(
  {
    aspect_id: doc(resName('a scaling aspect id of the flavour'), 'Scaling aspect of the master nodes (needed to scale them)').optional(),
    ssh_cp_name: doc(resName('the name of the CP used for SSH'), 'CP name that vnflcm uses for SSH/SFTP access to the master VMs'),
    nic_cp_name: doc(resName('the name of the CP carrying the cluster network'), 'CP name of the NIC carrying the Kubernetes cluster network'),
    username: doc(userName('an SSH user name'), 'User name for SSH access to the master VMs'),
    password: doc(password('an SSH password'), 'Password for SSH access to the master VMs'),
    pod_cidr: doc(cidr('a pod network CIDR such as 192.168.0.0/16'), 'CIDR of the pod network').default('192.168.0.0/16'),
    cluster_cidr: doc(cidr('a service network CIDR such as 10.96.0.0/12'), 'CIDR of the service (virtual) network').default('10.96.0.0/12'),
    cluster_cp_name: doc(
      resName('the name of the CP (or VIP port) giving the API server address'),
      'CP name (or VIP port resource) whose address serves the Kubernetes API; with several masters, the VIP',
    ),
    cluster_fip_name: doc(resName('the name of the floating IP resource of the API server'), 'Floating IP resource of the API server, when one is used').optional(),
  },
  'an object {aspect_id, ssh_cp_name, nic_cp_name, username, password, pod_cidr, cluster_cidr, cluster_cp_name, cluster_fip_name}',
);

export const workerNodeSchema = obj(
  {
    aspect_id: doc(resName('a scaling aspect id of the flavour'), 'Scaling aspect of the worker nodes (needed to scale them)').optional(),
    ssh_cp_name: doc(resName('the name of the CP used for SSH'), 'CP name that vnflcm uses for SSH/SFTP access to the worker VMs'),
    nic_cp_name: doc(resName('the name of the CP carrying the cluster network'), 'CP name of the NIC carrying the Kubernetes cluster network'),
    username: doc(userName('an SSH user name'), 'User name for SSH access to the worker VMs'),
    password: doc(password('an SSH password'), 'Password for SSH access to the worker VMs'),
  },
  'an object {aspect_id, ssh_cp_name, nic_cp_name, username, password}',
);

export const k8sProxySchema = obj(
  {
    http_proxy: doc(proxyUrl(), 'HTTP proxy server address').optional(),
    https_proxy: doc(proxyUrl(), 'HTTPS proxy server address').optional(),
    no_proxy: doc(noProxy(), 'Comma-separated addresses, networks and domains reached without the proxy').optional(),
    k8s_node_cidr: doc(cidr('a node network CIDR such as 10.10.0.0/24'), 'CIDR of the node network, added to no_proxy').optional(),
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
  .transform((v) => (String(v) === '1' ? '1' : '0') as '0' | '1')
  .meta({ type: 'string', description: 'Type of connection: "0" HTTP, "1" HTTPS' });

export const privateRegistryConnectionSchema = obj(
  {
    connection_type: connectionTypeSchema,
    server: doc(
      text(SERVER_WHAT, 'server', checkServer),
      'The registry to use, HOST[:PORT] (e.g. 192.168.0.10:5000), or vnf:<instance id> for a private registry VNF of vnflcm',
    ),
    username: doc(text('a registry user name', 'user', (v) => checkRegistryUser(v, 'a registry user name')), 'User name to log in to the registry').optional(),
    password: doc(password('a registry password'), 'Password to log in to the registry').optional(),
    certificate_path: doc(pkgPath(), 'Path, inside the VNF package, of the CA certificate of an HTTPS registry').optional(),
    hosts_string: doc(
      text(HOSTS_WHAT, 'hosts', checkHostsString),
      'A line "<IP address> <FQDN>" added to /etc/hosts of every node (the cluster has no DNS server of its own)',
    ).optional(),
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
    script_path: doc(pkgPath(), 'Path, inside the VNF package, of the Kubernetes installation script'),
    vim_name: doc(resName('a VIM name'), 'Name under which the cluster is registered as a VIM (default: kubernetes_vim_<instance id>)').optional(),
    master_node: doc(masterNodeSchema, 'The master nodes'),
    worker_node: doc(workerNodeSchema, 'The worker nodes'),
    proxy: doc(k8sProxySchema, 'Proxy settings for the nodes').optional(),
    helm_installation_script_path: doc(pkgPath(), 'Path, inside the VNF package, of a Helm installation script').optional(),
    container_runtime: doc(
      z.enum(['containerd', 'docker'], { error: 'a container runtime: "containerd" or "docker"' }),
      'Container runtime of the nodes',
    ).default('containerd'),
    kubernetes_version: doc(
      text('a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4', 'version', checkK8sVersion),
      'Kubernetes version to install, MAJOR.MINOR.PATCH (default: the script\'s pinned version)',
    ).optional(),
    private_registry_connection_info: doc(
      list(privateRegistryConnectionSchema, 'a list of registry connections'),
      'Private registries the nodes pull images from',
    ).optional(),
    storage_server: doc(storageServerSchema, 'NFS storage server (accepted; not set up by vnflcm yet)').optional(),
    pv_registration_params: doc(
      list(pvRegistrationParamSchema, 'a list of {pv_manifest_file_path, nfs_server_cp}'),
      'Persistent volumes to register (accepted; not registered by vnflcm yet)',
    ).optional(),
  },
  'an object {script_path, vim_name, master_node, worker_node, proxy, …}',
);

// ---------------------------------------------------------------------------------------------
// additionalParams and the request

export const additionalParamsSchema = z.looseObject(
  {
    private_registry_installation_param: doc(privateRegistryInstallationParamSchema, 'Parameters of the Docker private registry VNF').optional(),
    k8s_cluster_installation_param: doc(k8sClusterInstallationParamSchema, 'Parameters of the Kubernetes cluster VNF').optional(),
    'lcm-operation-user-data': plain('a package-relative path of the LCM user-data script').optional(),
    'lcm-operation-user-data-class': plain('the LCM user-data class name').optional(),
    nfv: anyObject('an object (the Heat "nfv" parameter)').optional(),
  },
  { error: 'an object with private_registry_installation_param or k8s_cluster_installation_param' },
).meta({ description: 'Parameters of the management driver; other keys are passed to the BaseHOT as template parameters' });

/**
 * The request's per-value schema alone, without the cross-field checks: for reading back a request
 * that passed them when it was given (an INSTANTIATE occurrence's stored operationParams).
 */
export const instantiateVnfRequestShape = obj(
  {
    flavourId: doc(plain('a flavour id'), 'Deployment flavour of the VNFD, e.g. simple'),
    instantiationLevelId: doc(plain('an instantiation level id'), 'Instantiation level of the flavour (default: its default level)').optional(),
    extVirtualLinks: doc(list(extVirtualLinkDataSchema, 'a list of external virtual links'), 'External networks and the CPs connected to them').optional(),
    extManagedVirtualLinks: doc(
      list(extManagedVirtualLinkDataSchema, 'a list of externally managed virtual links'),
      'Existing networks used for internal virtual links of the flavour',
    ).optional(),
    vimConnectionInfo: doc(
      list(vimConnectionInfoSchema, 'a list of VIM connections'),
      'The cloud to deploy on (vimId of `vnflcm vim register`); without it the default cloud',
    ).optional(),
    localizationLanguage: plain('a language tag').optional(),
    additionalParams: additionalParamsSchema,
  },
  'an InstantiateVnfRequest object {flavourId, extVirtualLinks, vimConnectionInfo, additionalParams, …}',
);

/** The instantiate request with its cross-field checks and, given a package, the checks against it. */
export function instantiateVnfRequestSchemaFor(o: RequestCheckOptions = {}) {
  return instantiateVnfRequestShape.superRefine(instantiateRequestChecks(o), ALWAYS);
}

export const instantiateVnfRequestSchema = instantiateVnfRequestSchemaFor();

// ---------------------------------------------------------------------------------------------
// heal / scale --additional-param-file (merged at the top level of the request body)

const credentialOverrides = {
  master_node_username: doc(userName('an SSH user name for the master nodes'), 'SSH user name for the master nodes, instead of the one of the instantiate request').optional(),
  master_node_password: doc(password('an SSH password for the master nodes'), 'SSH password for the master nodes, instead of the one of the instantiate request').optional(),
  worker_node_username: doc(userName('an SSH user name for the worker nodes'), 'SSH user name for the worker nodes, instead of the one of the instantiate request').optional(),
  worker_node_password: doc(password('an SSH password for the worker nodes'), 'SSH password for the worker nodes, instead of the one of the instantiate request').optional(),
};

const healAll = doc(z.boolean({ error: 'true or false' }), "Tacker's flag to heal storage resources too (accepted; no effect in vnflcm)").optional();

function healFile<A extends z.ZodType>(additionalParams: A) {
  return obj(
    {
      cause: doc(plain('a cause text'), 'Why the VNF is healed').optional(),
      vnfcInstanceId: doc(
        list(plain('a VNFC instance id'), 'a list of VNFC instance ids'),
        'VNFCs to heal (ids of vnfcResourceInfo); without it the whole VNF is healed',
      ).optional(),
      additionalParams: additionalParams.optional(),
    },
    'a HealVnfRequest object {cause, vnfcInstanceId, additionalParams}',
  ).superRefine(credentialPairChecks, ALWAYS);
}

function scaleFile<A extends z.ZodType>(additionalParams: A) {
  return obj(
    {
      type: doc(z.enum(['SCALE_OUT', 'SCALE_IN'], { error: 'a scale type: "SCALE_OUT" or "SCALE_IN"' }), 'Direction of scaling').optional(),
      aspectId: doc(resName('a scaling aspect id'), 'Scaling aspect of the flavour').optional(),
      numberOfSteps: z.number({ error: 'a number of steps (an integer ≥ 1)' }).int({ error: 'a number of steps (an integer ≥ 1)' }).min(1, { error: 'a number of steps (an integer ≥ 1)' }).meta({ description: 'Number of scaling steps (default 1)' }).optional(),
      additionalParams: additionalParams.optional(),
    },
    'a ScaleVnfRequest object {type, aspectId, numberOfSteps, additionalParams}',
  ).superRefine(credentialPairChecks, ALWAYS);
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
// The operation requests as an occurrence stores them (operationParams): built by the commands
// from their flags and the validated --additional-param-file, parsed again only when read back.

const storedAdditionalParams = z.record(z.string(), z.unknown()).optional();

export const healVnfRequestSchema = z.looseObject({
  vnfcInstanceId: z.array(z.string()).optional(),
  cause: z.string().optional(),
  additionalParams: storedAdditionalParams,
});

export const scaleVnfRequestSchema = z.looseObject({
  type: z.enum(['SCALE_OUT', 'SCALE_IN']),
  aspectId: z.string(),
  numberOfSteps: z.number().int().min(1).optional(),
  additionalParams: storedAdditionalParams,
});

export const terminateVnfRequestSchema = z.looseObject({
  terminationType: z.enum(['GRACEFUL', 'FORCEFUL']),
  gracefulTerminationTimeout: z.number().int().optional(),
});

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
export type HealVnfRequest = z.output<typeof healVnfRequestSchema>;
export type ScaleVnfRequest = z.output<typeof scaleVnfRequestSchema>;
export type TerminateVnfRequest = z.output<typeof terminateVnfRequestSchema>;
