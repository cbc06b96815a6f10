/**
 * The param-file wizard (`vnflcm params init`): asks an operator at a terminal for what the
 * package cannot tell (networks, credentials, registries), offering the package's own flavours,
 * CPs and files as choices, and returns an InstantiateVnfRequest that passes `validate`.
 * The questions go through a `Prompter`, so the flow is tested with scripted answers; the command
 * plugs in @inquirer/prompts.
 */
import type { Flavour, VnfPackage } from '../package/model.js';
import { checkCidr, checkHostsString, checkNoProxy, checkProxyUrl, checkServer, type Finding } from './checks.js';
import { flavourDriver } from './validate.js';

export interface Choice {
  name: string;
  value: string;
  description?: string;
}

export interface Prompter {
  select(message: string, choices: Choice[], defaultValue?: string): Promise<string>;
  input(message: string, opts?: { default?: string; validate?: (v: string) => true | string }): Promise<string>;
  password(message: string): Promise<string>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
}

const asValidator =
  (check: (s: string) => Finding | undefined, optional = false) =>
  (v: string): true | string => {
    if (optional && v === '') return true;
    const f = check(v);
    return f ? `expected ${f.expected}${f.hint ? ` (${f.hint})` : ''}` : true;
  };

const required = (v: string): true | string => (v.trim() === '' ? 'a value is required' : true);
const port = (v: string): true | string => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? true : 'a port number 1-65535');

function cpChoices(f: Flavour, vduPrefix?: string): Choice[] {
  return Object.values(f.cps)
    .filter((cp) => !vduPrefix || cp.vdu === vduPrefix)
    .map((cp) => ({ name: `${cp.id} (on ${cp.vdu})`, value: cp.id }));
}

function fileChoices(pkg: VnfPackage, match: RegExp, none: string): Choice[] {
  return [{ name: none, value: '' }, ...pkg.files.filter((f) => match.test(f)).map((f) => ({ name: f, value: f }))];
}

function aspectOf(f: Flavour, vdu: string): string | undefined {
  return Object.entries(f.aspectDeltas).find(([, d]) => d[vdu] !== undefined)?.[0];
}

async function proxy(p: Prompter, k8s: boolean): Promise<Record<string, string> | undefined> {
  if (!(await p.confirm('Do the VMs need an HTTP proxy to reach package mirrors?', false))) return undefined;
  const out: Record<string, string> = {};
  out.http_proxy = await p.input('http_proxy URL', { validate: asValidator(checkProxyUrl) });
  out.https_proxy = await p.input('https_proxy URL', { default: out.http_proxy, validate: asValidator(checkProxyUrl) });
  const np = await p.input('no_proxy (comma-separated hosts, domains, IPs, CIDRs; empty for none)', { validate: asValidator(checkNoProxy, true) });
  if (np) out.no_proxy = np;
  if (k8s) {
    const cidr = await p.input('k8s_node_cidr (the node network, kept as a CIDR in NO_PROXY; empty to skip)', { validate: asValidator(checkCidr, true) });
    if (cidr) out.k8s_node_cidr = cidr;
  }
  return out;
}

async function registries(p: Prompter, pkg: VnfPackage): Promise<Array<Record<string, string>>> {
  const out: Array<Record<string, string>> = [];
  while (await p.confirm(out.length ? 'Add another private registry?' : 'Connect the cluster to a private registry?', out.length === 0)) {
    const entry: Record<string, string> = {};
    entry.connection_type = await p.select('Connection type', [
      { name: 'HTTP (insecure registry, e.g. a registry VNF of vnflcm)', value: '0' },
      { name: 'HTTPS', value: '1' },
    ]);
    entry.server = await p.input('Server: host[:port] as in image references, or vnf:<registry VNF instance id>', {
      validate: asValidator(checkServer),
    });
    const user = await p.input('Username (empty: no login)');
    if (user) {
      entry.username = user;
      entry.password = await p.password('Password');
    }
    if (entry.connection_type === '1') {
      const cert = await p.select('CA certificate inside the package', fileChoices(pkg, /\.(crt|pem)$/i, 'none (the registry chains to a public CA)'));
      if (cert) entry.certificate_path = cert;
    }
    const hosts = await p.input("/etc/hosts line 'IP FQDN' for the registry (empty: none)", { validate: asValidator(checkHostsString, true) });
    if (hosts) entry.hosts_string = hosts;
    out.push(entry);
  }
  return out;
}

export async function paramWizard(pkg: VnfPackage, p: Prompter): Promise<Record<string, unknown>> {
  const flavours = Object.values(pkg.flavours);
  const flavourId =
    flavours.length === 1
      ? (flavours[0] as Flavour).id
      : await p.select('Deployment flavour', flavours.map((f) => ({ name: `${f.id}: ${f.description}`, value: f.id })));
  const f = pkg.flavours[flavourId] as Flavour;
  const request: Record<string, unknown> = { flavourId };
  const levels = Object.keys(f.instantiationLevels);
  if (levels.length > 1) {
    request.instantiationLevelId = await p.select(
      'Instantiation level',
      levels.map((l) => ({ name: `${l}${l === f.defaultInstantiationLevelId ? ' (default)' : ''}`, value: l })),
      f.defaultInstantiationLevelId,
    );
  }
  const extVirtualLinks: Array<Record<string, unknown>> = [];
  let lastNet = '';
  for (const cp of Object.values(f.cps).filter((c) => !c.virtualLink)) {
    lastNet = await p.input(`Network (Neutron name or id) for ${cp.id} of ${cp.vdu}`, { default: lastNet || undefined, validate: required });
    extVirtualLinks.push({
      id: `net_${cp.id}`,
      resourceId: lastNet,
      extCps: [{ cpdId: cp.id, cpConfig: [{ cpProtocolData: [{ layerProtocol: 'IP_OVER_ETHERNET' }] }] }],
    });
  }
  request.extVirtualLinks = extVirtualLinks;

  const driver = flavourDriver(f);
  if (driver === 'registry') {
    const param: Record<string, unknown> = {};
    param.ssh_cp_name = await p.select('CP used for SSH to the registry VM', cpChoices(f));
    param.ssh_username = await p.input('SSH user', { default: 'ubuntu', validate: required });
    param.ssh_password = await p.password('SSH password');
    const image = await p.select('Registry image (docker save tarball in the package)', fileChoices(pkg, /\.(tar|tar\.gz|tgz)$/i, 'none: pull registry:2'));
    if (image) param.image_path = image;
    param.port_no = Number(await p.input('Registry port', { default: '5000', validate: port }));
    const px = await proxy(p, false);
    if (px) param.proxy = px;
    request.additionalParams = { private_registry_installation_param: param };
  } else if (driver === 'k8s') {
    const vdus = Object.keys(f.vdus);
    const masterVdu = vdus.find((v) => /master/i.test(v)) ?? (await p.select('VDU of the masters', vdus.map((v) => ({ name: v, value: v }))));
    const workerVdu = vdus.find((v) => /worker/i.test(v)) ?? (await p.select('VDU of the workers', vdus.map((v) => ({ name: v, value: v }))));
    const node = async (role: string, vdu: string): Promise<Record<string, unknown>> => {
      const cps = cpChoices(f, vdu);
      const n: Record<string, unknown> = {};
      const aspect = aspectOf(f, vdu);
      if (aspect) n.aspect_id = aspect;
      n.ssh_cp_name = cps.length === 1 ? cps[0]?.value : await p.select(`CP used for SSH to the ${role}s`, cps);
      n.nic_cp_name = n.ssh_cp_name;
      n.username = await p.input(`SSH user on the ${role}s`, { default: 'ubuntu', validate: required });
      n.password = await p.password(`SSH password on the ${role}s`);
      return n;
    };
    const master = await node('master', masterVdu);
    master.pod_cidr = await p.input('Pod network CIDR', { default: '192.168.0.0/16', validate: asValidator(checkCidr) });
    master.cluster_cidr = await p.input('Service CIDR', { default: '10.96.0.0/12', validate: asValidator(checkCidr) });
    const ha = (f.initialDeltas[masterVdu] ?? 1) > 1;
    master.cluster_cp_name = ha ? 'vip_CP' : master.nic_cp_name;
    const worker = await node('worker', workerVdu);
    const param: Record<string, unknown> = {
      script_path: pkg.files.find((x) => /install_k8s_cluster\.sh$/.test(x)) ?? (await p.input('Install script in the package', { validate: required })),
      vim_name: await p.input('Name of the Kubernetes VIM to register', { default: 'kubernetes_vim', validate: required }),
      master_node: master,
      worker_node: worker,
    };
    param.container_runtime = await p.select('Container runtime', [
      { name: 'containerd', value: 'containerd' },
      { name: 'docker', value: 'docker' },
    ]);
    const px = await proxy(p, true);
    if (px) param.proxy = px;
    const regs = await registries(p, pkg);
    if (regs.length) param.private_registry_connection_info = regs;
    request.additionalParams = { k8s_cluster_installation_param: param };
  }
  return request;
}
