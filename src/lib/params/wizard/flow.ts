/**
 * The questions of `vnflcm params init`, in the order an operator meets them, and the
 * InstantiateVnfRequest built from the answers. Each question carries the field schema of
 * ../schema.ts for the key it fills; the package's own flavours, CPs and files, the cloud's
 * networks and this CLI's registry VNFs are offered as choices.
 */
import type { Flavour, VnfPackage } from '../../package/model.js';
import {
  extVirtualLinkDataSchema,
  instantiateVnfRequestSchema,
  k8sClusterInstallationParamSchema,
  k8sProxySchema,
  masterNodeSchema,
  privateRegistryConnectionSchema,
  privateRegistryInstallationParamSchema,
  registryProxySchema,
  workerNodeSchema,
} from '../schema.js';
import { checkPackageFile, flavourDriver } from '../validate.js';
import type { Asker, Choice, Question } from './ask.js';

/** Lists offered as choices; each may be absent (then the value is typed). */
export interface WizardSources {
  /** The cloud's networks (value: the network id); undefined when no cloud can be reached. */
  networks?: () => Promise<Choice[] | undefined>;
  /** Instantiated Docker private registry VNFs of this CLI (value: `vnf:<id>`). */
  registryVnfs?: () => Promise<Choice[]>;
}

const REG = 'additionalParams.private_registry_installation_param';
const K8S = 'additionalParams.k8s_cluster_installation_param';
const reqShape = instantiateVnfRequestSchema.shape;
const regShape = privateRegistryInstallationParamSchema.shape;
const k8sShape = k8sClusterInstallationParamSchema.shape;
const masterShape = masterNodeSchema.shape;
const workerShape = workerNodeSchema.shape;
const connShape = privateRegistryConnectionSchema.shape;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function cpChoices(f: Flavour, vdu?: string): Choice[] {
  return Object.values(f.cps)
    .filter((cp) => !vdu || cp.vdu === vdu)
    .map((cp) => ({ name: `${cp.id} (on ${cp.vdu})`, value: cp.id }));
}

function fileChoices(pkg: VnfPackage, match: RegExp, none?: string): Choice[] {
  const files = pkg.files.filter((f) => match.test(f)).map((f) => ({ name: f, value: f }));
  return none ? [{ name: none, value: '' }, ...files] : files;
}

function aspectOf(f: Flavour, vdu: string): string | undefined {
  return Object.entries(f.aspectDeltas).find(([, d]) => d[vdu] !== undefined)?.[0];
}

const packageFile = (pkg: VnfPackage) => (v: string) => {
  const f = checkPackageFile(pkg, v);
  return f ? `expected ${f.expected}${f.hint ? ` (${f.hint})` : ''}` : undefined;
};

/** Keys of the proxy flags; giving any of them answers "do the VMs need a proxy?" with yes. */
const PROXY_FLAGS = ['http-proxy', 'https-proxy', 'no-proxy', 'k8s-node-cidr'] as const;

async function proxy(a: Asker, base: string, k8s: boolean): Promise<Record<string, string> | undefined> {
  const shape = k8s ? k8sProxySchema.shape : registryProxySchema.shape;
  const wanted = await a.ask({
    flag: 'proxy',
    path: `${base}.proxy`,
    message: 'Do the VMs need an HTTP proxy to reach package mirrors?',
    kind: 'confirm',
    default: false,
    fromFlags: (_v, all) => (PROXY_FLAGS.some((f) => all[f]?.length) ? true : undefined),
  });
  if (wanted !== true) return undefined;
  const out: Record<string, string> = {};
  const path = `${base}.proxy`;
  const http = str(await a.ask({ flag: 'http-proxy', path: `${path}.http_proxy`, message: 'http_proxy URL (empty: none)', kind: 'input', schema: shape.http_proxy, optional: true }));
  if (http) out.http_proxy = http;
  const https = str(
    await a.ask({ flag: 'https-proxy', path: `${path}.https_proxy`, message: 'https_proxy URL (empty: none)', kind: 'input', schema: shape.https_proxy, optional: true, ...(http ? { default: http } : {}) }),
  );
  if (https) out.https_proxy = https;
  const np = str(await a.ask({ flag: 'no-proxy', path: `${path}.no_proxy`, message: 'no_proxy (comma-separated hosts, domains, IPs, CIDRs; empty: none)', kind: 'input', schema: shape.no_proxy, optional: true }));
  if (np) out.no_proxy = np;
  if (k8s) {
    const cidr = str(
      await a.ask({
        flag: 'k8s-node-cidr',
        path: `${path}.k8s_node_cidr`,
        message: 'k8s_node_cidr (the node network, kept as a CIDR in NO_PROXY; empty: none)',
        kind: 'input',
        schema: k8sProxySchema.shape.k8s_node_cidr,
        optional: true,
      }),
    );
    if (cidr) out.k8s_node_cidr = cidr;
  }
  return out;
}

async function registries(a: Asker, pkg: VnfPackage, src: WizardSources): Promise<Array<Record<string, string>>> {
  const out: Array<Record<string, string>> = [];
  let vnfs: Choice[] | undefined;
  for (let i = 0; ; i++) {
    const more = await a.ask({
      flag: 'registry',
      index: i,
      path: `${K8S}.private_registry_connection_info`,
      message: i ? 'Add another private registry?' : 'Connect the cluster to a private registry?',
      kind: 'confirm',
      default: i === 0 && a.interactive,
      fromFlags: (_v, all) => (all['registry-server']?.length ? i < all['registry-server'].length : undefined),
    });
    if (more !== true) return out;
    const path = `${K8S}.private_registry_connection_info[${i}]`;
    const entry: Record<string, string> = {};
    const type = str(
      await a.ask({
        flag: 'registry-connection-type',
        index: i,
        path: `${path}.connection_type`,
        message: 'Connection type',
        kind: 'select',
        choices: [
          { name: 'HTTP (insecure registry, e.g. a registry VNF of vnflcm)', value: '0' },
          { name: 'HTTPS', value: '1' },
        ],
        default: '0',
        schema: connShape.connection_type,
      }),
    );
    if (type) entry.connection_type = type;
    vnfs ??= a.interactive && src.registryVnfs ? await src.registryVnfs() : [];
    const server = str(
      await a.ask({
        flag: 'registry-server',
        index: i,
        path: `${path}.server`,
        message: 'Registry server: host[:port] as in image references, or vnf:<registry VNF instance id>',
        kind: 'select',
        choices: vnfs,
        typed: true,
        schema: connShape.server,
      }),
    );
    if (server) entry.server = server;
    const user = str(await a.ask({ flag: 'registry-username', index: i, path: `${path}.username`, message: 'Registry user name (empty: no login)', kind: 'input', schema: connShape.username, optional: true }));
    if (user) {
      entry.username = user;
      const pw = str(
        await a.ask({
          flag: 'registry-password',
          index: i,
          path: `${path}.password`,
          message: `Password of ${user} on the registry`,
          kind: 'password',
          schema: privateRegistryConnectionSchema.shape.password.unwrap(),
          fromFlags: (v) => v[i] ?? (v.length === 1 ? v[0] : undefined),
          usage: '--registry-password-file FILE (or --registry-password, VNFLCM_REGISTRY_PASSWORD)',
        }),
      );
      if (pw) entry.password = pw;
    }
    if (type === '1') {
      const cert = str(
        await a.ask({
          flag: 'registry-certificate-path',
          index: i,
          path: `${path}.certificate_path`,
          message: 'CA certificate inside the package',
          kind: 'select',
          choices: fileChoices(pkg, /\.(crt|pem)$/i, 'none (the registry chains to a public CA)'),
          typed: true,
          optional: true,
          schema: connShape.certificate_path,
          check: packageFile(pkg),
        }),
      );
      if (cert) entry.certificate_path = cert;
    }
    const hosts = str(
      await a.ask({ flag: 'registry-hosts-string', index: i, path: `${path}.hosts_string`, message: "/etc/hosts line 'IP FQDN' for the registry (empty: none)", kind: 'input', schema: connShape.hosts_string, optional: true }),
    );
    if (hosts) entry.hosts_string = hosts;
    out.push(entry);
  }
}

async function networks(a: Asker, f: Flavour, src: WizardSources): Promise<Array<Record<string, unknown>>> {
  const cps = Object.values(f.cps).filter((c) => !c.virtualLink);
  const links: Array<Record<string, unknown>> = [];
  let offered: Choice[] | undefined;
  let last: string | undefined;
  for (const [i, cp] of cps.entries()) {
    if (offered === undefined && a.interactive && src.networks) offered = (await src.networks()) ?? [];
    const q: Question = {
      flag: 'network',
      index: i,
      path: `extVirtualLinks[${i}].resourceId`,
      message: `Network for ${cp.id} of ${cp.vdu}`,
      kind: 'select',
      choices: offered ?? [],
      typed: true,
      schema: extVirtualLinkDataSchema.shape.resourceId,
      fromFlags: (v) => v.find((x) => x.startsWith(`${cp.id}=`))?.slice(cp.id.length + 1) ?? v.find((x) => !/^[^=]+=/.test(x)),
      usage: `--network ${cp.id}=NETWORK (or --network NETWORK for every CP)`,
      ...(last ? { default: last } : {}),
    };
    const net = str(await a.ask(q));
    if (net) last = net;
    links.push({ id: `net_${cp.id}`, resourceId: net, extCps: [{ cpdId: cp.id, cpConfig: [{ cpProtocolData: [{ layerProtocol: 'IP_OVER_ETHERNET' }] }] }] });
  }
  return links;
}

async function registryParam(a: Asker, pkg: VnfPackage, f: Flavour): Promise<Record<string, unknown>> {
  const cps = cpChoices(f);
  const param: Record<string, unknown> = {};
  param.ssh_cp_name = await a.ask({ flag: 'ssh-cp-name', path: `${REG}.ssh_cp_name`, message: 'CP used for SSH to the registry VM', kind: 'select', choices: cps, schema: regShape.ssh_cp_name, ...(cps.length === 1 ? { default: cps[0]?.value } : {}) });
  param.ssh_username = await a.ask({ flag: 'ssh-username', path: `${REG}.ssh_username`, message: 'SSH user', kind: 'input', default: 'ubuntu', schema: regShape.ssh_username });
  param.ssh_password = await a.ask({
    flag: 'ssh-password',
    path: `${REG}.ssh_password`,
    message: 'SSH password',
    kind: 'password',
    schema: regShape.ssh_password,
    usage: '--ssh-password-file FILE (or VNFLCM_SSH_PASSWORD, --ssh-password)',
  });
  param.image_path = await a.ask({
    flag: 'image-path',
    path: `${REG}.image_path`,
    message: 'Registry image (docker save tarball in the package)',
    kind: 'select',
    choices: fileChoices(pkg, /\.(tar|tar\.gz|tgz)$/i, 'none: pull registry:2'),
    typed: true,
    optional: true,
    schema: regShape.image_path,
    check: packageFile(pkg),
  });
  const port = str(await a.ask({ flag: 'port-no', path: `${REG}.port_no`, message: 'Registry port', kind: 'input', default: '5000', schema: regShape.port_no }));
  param.port_no = port === undefined ? undefined : Number(port);
  param.proxy = await proxy(a, REG, false);
  return param;
}

async function k8sParam(a: Asker, pkg: VnfPackage, f: Flavour, src: WizardSources): Promise<Record<string, unknown>> {
  const vdus = Object.keys(f.vdus).map((v) => ({ name: v, value: v }));
  const vduOf = async (role: 'master' | 'worker'): Promise<string | undefined> => {
    const found = vdus.find((v) => new RegExp(role, 'i').test(v.value))?.value;
    return str(
      await a.ask({ flag: `${role}-vdu`, path: `${K8S}.${role}_node`, message: `VDU of the ${role}s`, kind: 'select', choices: vdus, ...(found ? { default: found, silent: true } : {}) }),
    );
  };
  const node = async (role: 'master' | 'worker', vdu: string | undefined): Promise<Record<string, unknown>> => {
    const shape = role === 'master' ? masterShape : workerShape;
    const base = `${K8S}.${role}_node`;
    const cps = cpChoices(f, vdu);
    const n: Record<string, unknown> = {};
    const aspect = vdu ? aspectOf(f, vdu) : undefined;
    n.aspect_id = await a.ask({ flag: `${role}-aspect-id`, path: `${base}.aspect_id`, message: `Scaling aspect of the ${role}s`, kind: 'select', choices: Object.keys(f.scalingAspects).map((s) => ({ name: s, value: s })), optional: true, silent: true, schema: shape.aspect_id, ...(aspect ? { default: aspect } : {}) });
    n.ssh_cp_name = await a.ask({ flag: `${role}-ssh-cp-name`, path: `${base}.ssh_cp_name`, message: `CP used for SSH to the ${role}s`, kind: 'select', choices: cps, schema: shape.ssh_cp_name, ...(cps.length === 1 ? { default: cps[0]?.value, silent: true } : {}) });
    const ssh = str(n.ssh_cp_name);
    n.nic_cp_name = await a.ask({ flag: `${role}-nic-cp-name`, path: `${base}.nic_cp_name`, message: `CP carrying the cluster network on the ${role}s`, kind: 'select', choices: cps, schema: shape.nic_cp_name, silent: true, ...(ssh ? { default: ssh } : {}) });
    n.username = await a.ask({ flag: `${role}-username`, path: `${base}.username`, message: `SSH user on the ${role}s`, kind: 'input', default: 'ubuntu', schema: shape.username });
    n.password = await a.ask({
      flag: `${role}-password`,
      path: `${base}.password`,
      message: `SSH password on the ${role}s`,
      kind: 'password',
      schema: shape.password,
      usage: `--${role}-password-file FILE (or VNFLCM_${role.toUpperCase()}_PASSWORD, --${role}-password)`,
    });
    return n;
  };
  const masterVdu = await vduOf('master');
  const workerVdu = await vduOf('worker');
  const master = await node('master', masterVdu);
  const mBase = `${K8S}.master_node`;
  master.pod_cidr = await a.ask({ flag: 'pod-cidr', path: `${mBase}.pod_cidr`, message: 'Pod network CIDR', kind: 'input', default: '192.168.0.0/16', schema: masterShape.pod_cidr });
  master.cluster_cidr = await a.ask({ flag: 'cluster-cidr', path: `${mBase}.cluster_cidr`, message: 'Service network CIDR', kind: 'input', default: '10.96.0.0/12', schema: masterShape.cluster_cidr });
  const ha = (f.initialDeltas[masterVdu ?? ''] ?? 1) > 1;
  const apiCp = ha ? 'vip_CP' : str(master.nic_cp_name);
  master.cluster_cp_name = await a.ask({
    flag: 'cluster-cp-name',
    path: `${mBase}.cluster_cp_name`,
    message: 'CP (or VIP port) giving the API server address',
    kind: 'input',
    silent: true,
    schema: masterShape.cluster_cp_name,
    ...(apiCp ? { default: apiCp } : {}),
  });
  const worker = await node('worker', workerVdu);
  const scripts = fileChoices(pkg, /\.sh$/i);
  const script = pkg.files.find((x) => /install_k8s_cluster\.sh$/.test(x));
  const param: Record<string, unknown> = {
    script_path: await a.ask({ flag: 'script-path', path: `${K8S}.script_path`, message: 'Install script in the package', kind: 'select', choices: scripts, typed: true, schema: k8sShape.script_path, check: packageFile(pkg), ...(script ? { default: script, silent: true } : {}) }),
    vim_name: await a.ask({ flag: 'vim-name', path: `${K8S}.vim_name`, message: 'Name of the Kubernetes VIM to register', kind: 'input', default: 'kubernetes_vim', schema: k8sShape.vim_name }),
    master_node: master,
    worker_node: worker,
  };
  param.container_runtime = await a.ask({
    flag: 'container-runtime',
    path: `${K8S}.container_runtime`,
    message: 'Container runtime',
    kind: 'select',
    choices: [
      { name: 'containerd', value: 'containerd' },
      { name: 'docker', value: 'docker' },
    ],
    default: 'containerd',
    schema: k8sShape.container_runtime,
  });
  param.kubernetes_version = await a.ask({ flag: 'kubernetes-version', path: `${K8S}.kubernetes_version`, message: 'Kubernetes version (empty: the script default)', kind: 'input', optional: true, silent: true, schema: k8sShape.kubernetes_version });
  param.proxy = await proxy(a, K8S, true);
  const regs = await registries(a, pkg, src);
  if (regs.length) param.private_registry_connection_info = regs;
  return param;
}

/** Run the questions once (answers already given are reused) and build the request. */
export async function buildRequest(pkg: VnfPackage, a: Asker, src: WizardSources): Promise<Record<string, unknown>> {
  const flavours = Object.values(pkg.flavours);
  const flavourId = str(
    await a.ask({
      flag: 'flavour',
      path: 'flavourId',
      message: 'Deployment flavour',
      kind: 'select',
      choices: flavours.map((f) => ({ name: `${f.id}: ${f.description}`, value: f.id })),
      schema: reqShape.flavourId,
      ...(flavours.length === 1 ? { default: flavours[0]?.id, silent: true } : {}),
    }),
  );
  const request: Record<string, unknown> = { flavourId };
  const f = flavourId === undefined ? undefined : pkg.flavours[flavourId];
  if (!f) return request;
  const levels = Object.keys(f.instantiationLevels);
  if (levels.length > 1) {
    request.instantiationLevelId = await a.ask({
      flag: 'instantiation-level',
      path: 'instantiationLevelId',
      message: 'Instantiation level',
      kind: 'select',
      choices: levels.map((l) => ({ name: `${l}${l === f.defaultInstantiationLevelId ? ' (default)' : ''}`, value: l })),
      schema: reqShape.instantiationLevelId,
      ...(f.defaultInstantiationLevelId ? { default: f.defaultInstantiationLevelId } : {}),
    });
  }
  request.extVirtualLinks = await networks(a, f, src);
  const driver = flavourDriver(f);
  if (driver === 'registry') request.additionalParams = { private_registry_installation_param: await registryParam(a, pkg, f) };
  else if (driver === 'k8s') request.additionalParams = { k8s_cluster_installation_param: await k8sParam(a, pkg, f, src) };
  return request;
}
