/**
 * The cross-field checks of a request, run by the zod schemas themselves (./schema.ts attaches
 * them with `superRefine`), so `vnflcm validate`, `instantiate` and whatever else parses a request
 * run the same code:
 *
 *  - checks within the request (duplicate ids, dangling references, overlapping CIDRs,
 *    certificate_path with HTTP, registry credentials in pairs, …);
 *  - with a VNF package, checks against it: flavour, instantiation level, CP names, scaling
 *    aspects, package files (inside the package, regular files, no escaping symlinks), one external
 *    virtual link for every CP of the flavour's VDUs.
 *
 * They run even where the per-value schema failed elsewhere (every problem at once), so they read
 * the value defensively; a path that already has a problem gets no second one.
 *
 * Over 400 lines: one checker sharing its context (the problems found, the package, the paths
 * already refused) across the request's parts; the two drivers' parameter checks read the same
 * external links and CP names as the rest.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { Flavour, VnfPackage } from '../package/model.js';
import { cidrsOverlap, ipVersion, parseCidr } from './address.js';
import { didYouMean, type Finding, suggest } from './checks.js';

/** zod message prefix of an unrecognized-keys issue; the known keys follow, comma-separated. */
export const UNKNOWN_KEYS_MARK = '\u0000known-keys:';

/** Keys of `additionalParams` vnflcm knows. Other keys are BaseHOT pass-through parameters. */
export const ADDITIONAL_PARAMS_KEYS = [
  'private_registry_installation_param',
  'k8s_cluster_installation_param',
  'lcm-operation-user-data',
  'lcm-operation-user-data-class',
  'nfv',
] as const;

export type Seg = string | number;

/** `a.b[0].c`; keys that are not identifier-like are written `["k e y"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** A cross-field problem; `found` replaces the rendering of the value at the path. */
interface Issue {
  path: Seg[];
  finding: Finding;
  found?: string;
}

/** Paths of zod issues as InputProblems name them (an unknown-keys issue: one path per key). */
function issuePaths(issues: readonly { code?: string; path?: readonly PropertyKey[]; keys?: readonly string[] }[]): string[] {
  const out: string[] = [];
  for (const iss of issues) {
    const path = (iss.path ?? []).filter((s): s is Seg => typeof s !== 'symbol');
    if (iss.code === 'unrecognized_keys' && iss.keys) for (const k of iss.keys) out.push(formatPath([...path, k]));
    else out.push(formatPath(path));
  }
  return out;
}

/** Collects problems; a second problem for a path that already has one (from zod or here) is dropped. */
class Problems {
  readonly list: Issue[] = [];
  private readonly taken: Set<string>;
  constructor(prior: Parameters<typeof issuePaths>[0]) {
    this.taken = new Set(issuePaths(prior));
  }
  has(path: readonly Seg[]): boolean {
    return this.taken.has(formatPath(path));
  }
  add(path: readonly Seg[], finding: Finding, found?: string): void {
    if (this.has(path)) return;
    this.push(path, finding, found);
  }
  /** Added even when the path has a problem (the whole-list problems of extVirtualLinks). */
  push(path: readonly Seg[], finding: Finding, found?: string): void {
    this.taken.add(formatPath(path));
    this.list.push({ path: [...path], finding, ...(found !== undefined ? { found } : {}) });
  }
}

// Raw-body accessors (the semantic checks run on the raw body, whatever zod said).
const asObj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// ---------------------------------------------------------------------------------------------
// Package helpers

export type Driver = 'registry' | 'k8s';

/** Which management driver deploys a flavour (from its Vnflcm hooks / artifacts). */
export function flavourDriver(f: Flavour): Driver | undefined {
  const names = [f.lcmHooks.instantiate_end, ...Object.values(f.lcmHooks), ...Object.keys(f.artifacts)].filter((n): n is string => !!n);
  for (const n of names) {
    const s = `${n} ${f.artifacts[n]?.file ?? ''}`.toLowerCase();
    if (/private[-_]registry/.test(s)) return 'registry';
    if (s.includes('kubernetes')) return 'k8s';
  }
  return undefined;
}

interface HotInfo {
  /** resource name -> type, over the top and nested templates. */
  resources: Map<string, string>;
  /** top-level parameters of the top template. */
  parameters: Set<string>;
}

function readBaseHot(pkg: VnfPackage, f: Flavour): HotInfo | undefined {
  if (!f.baseHot) return undefined;
  try {
    const info: HotInfo = { resources: new Map(), parameters: new Set() };
    const files = [f.baseHot.top, ...Object.values(f.baseHot.nested)];
    files.forEach((rel, i) => {
      const doc = asObj(parseYaml(readFileSync(resolve(pkg.root, rel), 'utf8')) as unknown);
      for (const [name, r] of Object.entries(asObj(doc?.resources) ?? {})) {
        info.resources.set(name, String(asObj(r)?.type ?? ''));
      }
      if (i === 0) for (const p of Object.keys(asObj(doc?.parameters) ?? {})) info.parameters.add(p);
    });
    return info;
  } catch {
    return undefined;
  }
}

const FILE_WHAT = 'a file inside the VNF package';

/** A package-relative path that must name a regular file inside `pkg.root` (symlinks resolved). */
export function checkPackageFile(pkg: VnfPackage, rel: string): Finding | undefined {
  const norm = rel.replace(/^(\.\/)+/, '');
  let root: string;
  try {
    root = realpathSync(pkg.root);
  } catch {
    return { expected: FILE_WHAT, hint: `the package directory ${pkg.root} cannot be read` };
  }
  const full = resolve(pkg.root, norm);
  try {
    lstatSync(full);
  } catch {
    const close = didYouMean(norm, pkg.files);
    return { expected: FILE_WHAT, hint: close ? `no such file in the package; did you mean ${close}?` : 'no such file in the package' };
  }
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return { expected: FILE_WHAT, hint: 'it is a symbolic link to a file that does not exist' };
  }
  if (real !== root && !real.startsWith(root + sep)) {
    return { expected: FILE_WHAT, hint: `it is a symbolic link that resolves outside the package (to ${real})` };
  }
  const st = statSync(real);
  if (st.isDirectory()) return { expected: FILE_WHAT, hint: 'it is a directory' };
  if (!st.isFile()) return { expected: FILE_WHAT, hint: 'it is not a regular file' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Instantiate

const P_REG = 'private_registry_installation_param';
const P_K8S = 'k8s_cluster_installation_param';

interface Ctx {
  probs: Problems;
  notes: string[];
  pkg?: VnfPackage;
  flavour?: Flavour;
  hot?: HotInfo;
}

function checkExtVirtualLinks(c: Ctx, req: Record<string, unknown>): void {
  const vimIds = new Set(asArr(req.vimConnectionInfo).map((v) => asStr(asObj(v)?.id)).filter((x): x is string => !!x));
  const seenVl = new Map<string, number>();
  const seenCp = new Map<string, string>();
  asArr(req.extVirtualLinks).forEach((vlRaw, i) => {
    const vl = asObj(vlRaw);
    if (!vl) return;
    const id = asStr(vl.id);
    if (id !== undefined) {
      const prev = seenVl.get(id);
      if (prev !== undefined) c.probs.add(['extVirtualLinks', i, 'id'], { expected: 'an id not used by another external virtual link', hint: `extVirtualLinks[${prev}] has the same id` });
      else seenVl.set(id, i);
    }
    const vimConn = asStr(vl.vimConnectionId);
    if (vimConn !== undefined && !vimIds.has(vimConn)) {
      c.probs.add(['extVirtualLinks', i, 'vimConnectionId'], { expected: 'the id of a vimConnectionInfo entry', ...(vimIds.size ? { hint: suggest(vimConn, [...vimIds], 'vimConnectionInfo ids') } : { hint: 'vimConnectionInfo is empty' }) });
    }
    const portIds = new Set(asArr(vl.extLinkPorts).map((p) => asStr(asObj(p)?.id)).filter((x): x is string => !!x));
    asArr(vl.extCps).forEach((cpRaw, j) => {
      const cp = asObj(cpRaw);
      if (!cp) return;
      const cpdId = asStr(cp.cpdId);
      const cpPath: Seg[] = ['extVirtualLinks', i, 'extCps', j, 'cpdId'];
      if (cpdId !== undefined) {
        const prev = seenCp.get(cpdId);
        if (prev !== undefined) {
          c.probs.add(cpPath, { expected: 'each CP in one external virtual link only', hint: `${cpdId} is already connected by ${prev}` });
        } else {
          seenCp.set(cpdId, formatPath(['extVirtualLinks', i, 'extCps', j]));
          if (c.flavour && !c.probs.has(cpPath) && !(cpdId in c.flavour.cps)) {
            c.probs.add(cpPath, { expected: `a CP of flavour ${c.flavour.id}`, hint: suggest(cpdId, Object.keys(c.flavour.cps), `CPs of flavour ${c.flavour.id}`) ?? `flavour ${c.flavour.id} has no CPs` });
          }
        }
      }
      asArr(cp.cpConfig).forEach((cfgRaw, k) => {
        const cfg = asObj(cfgRaw);
        if (!cfg) return;
        const lp = asStr(cfg.linkPortId);
        if (lp !== undefined && !portIds.has(lp)) {
          c.probs.add(['extVirtualLinks', i, 'extCps', j, 'cpConfig', k, 'linkPortId'], {
            expected: 'the id of an extLinkPorts entry of the same external virtual link',
            hint: portIds.size ? suggest(lp, [...portIds], 'extLinkPorts ids') : `extVirtualLinks[${i}] has no extLinkPorts`,
          });
        }
        asArr(cfg.cpProtocolData).forEach((pdRaw, l) => {
          asArr(asObj(asObj(pdRaw)?.ipOverEthernet)?.ipAddresses).forEach((ipRaw, m) => {
            const ip = asObj(ipRaw);
            if (!ip) return;
            const base: Seg[] = ['extVirtualLinks', i, 'extCps', j, 'cpConfig', k, 'cpProtocolData', l, 'ipOverEthernet', 'ipAddresses', m];
            if (ip.fixedAddresses !== undefined && ip.numDynamicAddresses !== undefined) {
              c.probs.add([...base, 'numDynamicAddresses'], { expected: 'either fixedAddresses or numDynamicAddresses, not both' });
            }
            const want = ip.type === 'IPV4' ? 4 : ip.type === 'IPV6' ? 6 : undefined;
            if (want === undefined) return;
            asArr(ip.fixedAddresses).forEach((a, n) => {
              const s = asStr(a);
              const v = s !== undefined ? ipVersion(s) : undefined;
              if (v !== undefined && v !== want) c.probs.add([...base, 'fixedAddresses', n], { expected: `an IPv${want} address (type is ${String(ip.type)})` });
            });
          });
        });
      });
    });
  });

  const seenVim = new Map<string, number>();
  asArr(req.vimConnectionInfo).forEach((v, i) => {
    const id = asStr(asObj(v)?.id);
    if (id === undefined) return;
    const prev = seenVim.get(id);
    if (prev !== undefined) c.probs.add(['vimConnectionInfo', i, 'id'], { expected: 'an id not used by another VIM connection', hint: `vimConnectionInfo[${prev}] has the same id` });
    else seenVim.set(id, i);
  });

  // Against the flavour: extManagedVirtualLinks, and a network for every CP of every VDU.
  const f = c.flavour;
  if (!f) return;
  asArr(req.extManagedVirtualLinks).forEach((m, i) => {
    const d = asStr(asObj(m)?.vnfVirtualLinkDescId);
    const path: Seg[] = ['extManagedVirtualLinks', i, 'vnfVirtualLinkDescId'];
    if (d !== undefined && !c.probs.has(path) && !(d in f.virtualLinks)) {
      c.probs.add(path, { expected: `an internal virtual link of flavour ${f.id}`, hint: suggest(d, Object.keys(f.virtualLinks), `virtual links of flavour ${f.id}`) ?? `flavour ${f.id} has no internal virtual links` });
    }
  });
  if (c.probs.has(['extVirtualLinks'])) return;
  for (const vdu of Object.values(f.vdus)) {
    for (const cpName of vdu.cps) {
      if (f.cps[cpName]?.virtualLink) continue;
      if (seenCp.has(cpName)) continue;
      c.probs.push(
        ['extVirtualLinks'],
        {
          expected: `an extCps entry with cpdId ${JSON.stringify(cpName)}`,
          hint: `${cpName} of VDU ${vdu.id} is external; without an external virtual link it would have no network`,
        },
        req.extVirtualLinks === undefined ? 'nothing' : `no extCps entry for ${cpName}`,
      );
    }
  }
}

/** The value must be a CP of the flavour or one of `extra`; `listed` extras are named in the hint. */
function checkCpName(c: Ctx, path: Seg[], value: unknown, what: string, extra: readonly string[] = [], listed: readonly string[] = extra): void {
  const f = c.flavour;
  const v = asStr(value);
  if (!f || v === undefined || c.probs.has(path)) return;
  if (v in f.cps || extra.includes(v)) return;
  const cps = Object.keys(f.cps);
  const close = didYouMean(v, [...cps, ...extra]);
  const names = [...new Set([...cps, ...listed])];
  const hint = close ? `did you mean ${close}?` : names.length ? `${listed.length ? 'candidates' : `CPs of flavour ${f.id}`}: ${names.join(', ')}` : `flavour ${f.id} has no CPs`;
  c.probs.add(path, { expected: what, hint });
}

function checkAspect(c: Ctx, path: Seg[], value: unknown): void {
  const f = c.flavour;
  const v = asStr(value);
  if (!f || v === undefined || c.probs.has(path)) return;
  if (v in f.scalingAspects) return;
  const aspects = Object.keys(f.scalingAspects);
  c.probs.add(path, {
    expected: `a scaling aspect of flavour ${f.id}`,
    hint: suggest(v, aspects, `aspects of flavour ${f.id}`) ?? `flavour ${f.id} has no scaling aspects; leave aspect_id out`,
  });
}

function checkPkgPath(c: Ctx, path: Seg[], value: unknown): void {
  const v = asStr(value);
  if (!c.pkg || v === undefined || c.probs.has(path)) return;
  const f = checkPackageFile(c.pkg, v);
  if (f) c.probs.add(path, f);
}

function checkRegistryParam(c: Ctx, p: Record<string, unknown>): void {
  const base: Seg[] = ['additionalParams', P_REG];
  const f = c.flavour;
  if (f) checkCpName(c, [...base, 'ssh_cp_name'], p.ssh_cp_name, `a CP of flavour ${f.id}`);
  checkPkgPath(c, [...base, 'image_path'], p.image_path);
}

function checkK8sParam(c: Ctx, p: Record<string, unknown>): void {
  const base: Seg[] = ['additionalParams', P_K8S];
  const f = c.flavour;
  const master = asObj(p.master_node);
  const worker = asObj(p.worker_node);
  const mPath: Seg[] = [...base, 'master_node'];
  const wPath: Seg[] = [...base, 'worker_node'];

  // CIDRs must not overlap each other.
  const cidrOf = (path: Seg[], v: unknown) => {
    const s = asStr(v);
    const parsed = s !== undefined && !c.probs.has(path) ? parseCidr(s) : undefined;
    return parsed && !parsed.hostBits ? parsed : undefined;
  };
  const pod = cidrOf([...mPath, 'pod_cidr'], master?.pod_cidr ?? '192.168.0.0/16');
  const svc = cidrOf([...mPath, 'cluster_cidr'], master?.cluster_cidr ?? '10.96.0.0/12');
  const node = cidrOf([...base, 'proxy', 'k8s_node_cidr'], asObj(p.proxy)?.k8s_node_cidr);
  if (pod && svc && cidrsOverlap(pod, svc)) {
    c.probs.add([...mPath, 'cluster_cidr'], { expected: `a service CIDR that does not overlap pod_cidr ${pod.text}`, hint: 'pods and services need separate address ranges' }, `${JSON.stringify(svc.text)}${master?.cluster_cidr === undefined ? ' (the default)' : ''}`);
  }
  if (node) {
    for (const [name, other] of [['pod_cidr', pod], ['cluster_cidr', svc]] as const) {
      if (other && cidrsOverlap(node, other)) {
        c.probs.add([...base, 'proxy', 'k8s_node_cidr'], { expected: `a node network CIDR that does not overlap ${name} ${other.text}`, hint: `change ${name} so that it does not contain the nodes' addresses` });
      }
    }
  }

  // Registries: unique servers, certificates only for HTTPS, .crt names for Docker.
  const seenServer = new Map<string, number>();
  asArr(p.private_registry_connection_info).forEach((rRaw, i) => {
    const r = asObj(rRaw);
    if (!r) return;
    const rPath: Seg[] = [...base, 'private_registry_connection_info', i];
    const server = asStr(r.server);
    if (server !== undefined) {
      const prev = seenServer.get(server);
      if (prev !== undefined) c.probs.add([...rPath, 'server'], { expected: 'each registry server once', hint: `private_registry_connection_info[${prev}] has the same server` });
      else seenServer.set(server, i);
    }
    const cert = asStr(r.certificate_path);
    if (cert !== undefined && (r.connection_type === '0' || r.connection_type === 0)) {
      c.probs.add([...rPath, 'certificate_path'], { expected: 'no certificate_path with connection_type "0" (HTTP)', hint: 'a CA certificate is only used for HTTPS: set connection_type to "1" or remove certificate_path' });
    }
    if (cert !== undefined && p.container_runtime === 'docker' && !cert.endsWith('.crt') && !c.probs.has([...rPath, 'certificate_path'])) {
      c.probs.add([...rPath, 'certificate_path'], { expected: 'a CA certificate file named *.crt', hint: 'Docker only reads CA certificates ending in .crt from /etc/docker/certs.d' });
    }
    checkPkgPath(c, [...rPath, 'certificate_path'], r.certificate_path);
    // vnflcm never assumes a default user or password.
    if (r.username !== undefined && r.password === undefined) c.probs.add([...rPath, 'password'], { expected: 'a registry password', hint: 'username is given; give both or neither' });
    if (r.password !== undefined && r.username === undefined) c.probs.add([...rPath, 'username'], { expected: 'a registry user name', hint: 'password is given; give both or neither' });
  });

  if (master && worker) {
    const ma = asStr(master.aspect_id);
    const wa = asStr(worker.aspect_id);
    if (ma !== undefined && ma === wa) c.probs.add([...wPath, 'aspect_id'], { expected: 'an aspect other than the master nodes\' one', hint: 'master and worker nodes are separate scaling groups' });
  }

  checkPkgPath(c, [...base, 'script_path'], p.script_path);
  checkPkgPath(c, [...base, 'helm_installation_script_path'], p.helm_installation_script_path);

  if (p.storage_server !== undefined) c.notes.push(`${formatPath([...base, 'storage_server'])} is accepted but not acted on yet: vnflcm does not set up an NFS storage server`);
  if (p.pv_registration_params !== undefined) c.notes.push(`${formatPath([...base, 'pv_registration_params'])} is accepted but not acted on yet: vnflcm does not register persistent volumes`);

  if (!f) return;
  const hotNames = c.hot ? [...c.hot.resources.keys()] : [];
  const hotOfType = (re: RegExp) => (c.hot ? [...c.hot.resources].filter(([, t]) => re.test(t)).map(([n]) => n) : []);
  const fips = hotOfType(/^OS::Neutron::FloatingIP$/);
  const ports = hotOfType(/^OS::Neutron::Port$/);
  const vduOfCp = (v: unknown) => {
    const s = asStr(v);
    return s !== undefined ? f.cps[s]?.vdu : undefined;
  };
  const aspectsOfVdu = (vdu: string) => Object.entries(f.aspectDeltas).filter(([, d]) => vdu in d).map(([a]) => a);

  const nodeVdus: Partial<Record<'master' | 'worker', string>> = {};
  for (const [node, nodePath, role] of [[master, mPath, 'master'], [worker, wPath, 'worker']] as const) {
    if (!node) continue;
    checkCpName(c, [...nodePath, 'ssh_cp_name'], node.ssh_cp_name, `a CP of flavour ${f.id}${fips.length ? ' or a floating IP of its BaseHOT' : ''}`, fips);
    checkCpName(c, [...nodePath, 'nic_cp_name'], node.nic_cp_name, `a CP of flavour ${f.id}`);
    checkAspect(c, [...nodePath, 'aspect_id'], node.aspect_id);
    // ssh_cp_name, nic_cp_name and aspect_id must all point at the same VDU; blame the odd one out.
    const nicVdu = c.probs.has([...nodePath, 'nic_cp_name']) ? undefined : vduOfCp(node.nic_cp_name);
    const sshVdu = c.probs.has([...nodePath, 'ssh_cp_name']) ? undefined : vduOfCp(node.ssh_cp_name);
    const aspect = c.probs.has([...nodePath, 'aspect_id']) ? undefined : asStr(node.aspect_id);
    const aspectVdus = aspect !== undefined ? Object.keys(f.aspectDeltas[aspect] ?? {}) : [];
    if (nicVdu && sshVdu && nicVdu !== sshVdu) {
      if (aspectVdus.includes(sshVdu)) {
        c.probs.add([...nodePath, 'nic_cp_name'], { expected: `a CP of VDU ${sshVdu}, like ssh_cp_name`, hint: `${String(node.nic_cp_name)} belongs to VDU ${nicVdu}` });
      } else {
        c.probs.add([...nodePath, 'ssh_cp_name'], { expected: `a CP of VDU ${nicVdu}, like nic_cp_name`, hint: `${String(node.ssh_cp_name)} belongs to VDU ${sshVdu}` });
      }
      continue;
    }
    const vdu = nicVdu ?? sshVdu;
    if (vdu && aspectVdus.length && !aspectVdus.includes(vdu)) {
      const right = aspectsOfVdu(vdu);
      c.probs.add([...nodePath, 'aspect_id'], {
        expected: `the aspect that scales VDU ${vdu} (the ${role} nodes)`,
        ...(right.length ? { hint: `did you mean ${right.join(' or ')}?` } : {}),
      });
      continue;
    }
    if (vdu) nodeVdus[role] = vdu;
    if (role === 'master') {
      const cc = asStr(node.cluster_cp_name);
      const ccPath: Seg[] = [...nodePath, 'cluster_cp_name'];
      if (cc !== undefined && c.pkg && !(cc in f.cps) && !(c.hot ? hotNames : ['vip_CP']).includes(cc)) {
        const elsewhere = Object.values(c.pkg.flavours).filter((o) => o !== f && c.pkg && readBaseHot(c.pkg, o)?.resources.has(cc)).map((o) => o.id);
        if (elsewhere.length) {
          c.probs.add(ccPath, {
            expected: `a CP of flavour ${f.id} or a port of its BaseHOT`,
            hint: `${cc} exists only in the BaseHOT of flavour ${elsewhere.join(', ')}; with flavour ${f.id} use ${Object.keys(f.cps).filter((n) => f.cps[n]?.vdu === nodeVdus.master || !nodeVdus.master).join(' or ')}`,
          });
        }
      }
      checkCpName(c, [...nodePath, 'cluster_cp_name'], node.cluster_cp_name, `a CP of flavour ${f.id} or a port of its BaseHOT`, c.hot ? hotNames : ['vip_CP'], c.hot ? ports : ['vip_CP']);
      const fip = asStr(node.cluster_fip_name);
      const fipPath: Seg[] = [...nodePath, 'cluster_fip_name'];
      if (fip !== undefined && c.hot && !c.probs.has(fipPath) && !c.hot.resources.has(fip)) {
        c.probs.add(fipPath, { expected: `a floating IP resource of the BaseHOT of flavour ${f.id}`, hint: suggest(fip, fips, 'floating IPs') ?? 'the BaseHOT has no floating IP resources' });
      }
    }
  }
  if (nodeVdus.master && nodeVdus.master === nodeVdus.worker) {
    c.probs.add([...wPath, 'nic_cp_name'], { expected: `a CP of a VDU other than the master nodes' (${nodeVdus.master})` });
  }
}

function withoutPackage(c: Ctx): Ctx {
  return { probs: c.probs, notes: c.notes };
}

function checkAdditionalParams(c: Ctx, req: Record<string, unknown>): void {
  const ap = asObj(req.additionalParams);
  if (!ap) return;
  const known: string[] = [...ADDITIONAL_PARAMS_KEYS];
  const hotParams = c.hot ? [...c.hot.parameters] : [];
  for (const key of Object.keys(ap)) {
    if (known.includes(key) || hotParams.includes(key)) continue;
    const close = didYouMean(key, known);
    if (close || c.pkg) {
      c.probs.add(['additionalParams', key], {
        expected: `a known key (${known.join(', ')}${hotParams.length ? `, or a BaseHOT parameter: ${hotParams.join(', ')}` : ''})`,
        ...(close ? { hint: `did you mean ${close}?` } : {}),
      }, `unknown key ${JSON.stringify(key)}`);
    } else {
      c.notes.push(`additionalParams.${key} is not a vnflcm parameter; it is passed on unchecked`);
    }
  }

  const hasReg = ap[P_REG] !== undefined;
  const hasK8s = ap[P_K8S] !== undefined;
  const driver = c.flavour ? flavourDriver(c.flavour) : undefined;
  if (driver === 'registry') {
    if (!hasReg) c.probs.add(['additionalParams', P_REG], { expected: `the private registry installation parameters (flavour ${c.flavour?.id} deploys a Docker private registry)` });
    if (hasK8s) c.probs.add(['additionalParams', P_K8S], { expected: `no Kubernetes parameters for flavour ${c.flavour?.id}`, hint: `this flavour deploys a Docker private registry; use ${P_REG}` });
  } else if (driver === 'k8s') {
    if (!hasK8s) c.probs.add(['additionalParams', P_K8S], { expected: `the Kubernetes cluster installation parameters (flavour ${c.flavour?.id} deploys a Kubernetes cluster)` });
    if (hasReg) c.probs.add(['additionalParams', P_REG], { expected: `no private registry parameters for flavour ${c.flavour?.id}`, hint: `this flavour deploys a Kubernetes cluster; use ${P_K8S}` });
  } else if (!hasReg && !hasK8s) {
    c.probs.add(['additionalParams'], { expected: `${P_REG} or ${P_K8S}` }, `keys ${JSON.stringify(Object.keys(ap))}`);
  } else if (hasReg && hasK8s) {
    c.probs.add(['additionalParams'], { expected: `only one of ${P_REG} and ${P_K8S}`, hint: 'one parameter file deploys one VNF' }, 'both');
  }

  // A parameter object of the wrong kind for the flavour is not checked against the flavour.
  const reg = asObj(ap[P_REG]);
  if (reg) checkRegistryParam(driver === 'k8s' ? withoutPackage(c) : c, reg);
  const k8s = asObj(ap[P_K8S]);
  if (k8s) checkK8sParam(driver === 'registry' ? withoutPackage(c) : c, k8s);
}

/**
 * Validate an instantiate request body (the param file's JSON), optionally against the VNF
 * package it will be instantiated from. Collects every problem.
 */
// ---------------------------------------------------------------------------------------------
// Heal / scale additional-param files

function checkCredentialPairs(probs: Problems, ap: Record<string, unknown> | undefined): void {
  if (!ap) return;
  for (const role of ['master_node', 'worker_node']) {
    const u = ap[`${role}_username`];
    const p = ap[`${role}_password`];
    if (u !== undefined && p === undefined) probs.add(['additionalParams', `${role}_password`], { expected: `an SSH password for the ${role.replace('_node', '')} nodes`, hint: `${role}_username is given; give both or neither` });
    if (p !== undefined && u === undefined) probs.add(['additionalParams', `${role}_username`], { expected: `an SSH user name for the ${role.replace('_node', '')} nodes`, hint: `${role}_password is given; give both or neither` });
  }
}

// ---------------------------------------------------------------------------------------------
// The refinements (./schema.ts attaches them with `when: () => true`: they run on the value as far
// as it parsed, whatever failed elsewhere)

type RefinementCtx = z.core.$RefinementCtx<unknown>;

function emit(ctx: RefinementCtx, probs: Problems): void {
  for (const p of probs.list) {
    ctx.addIssue({
      code: 'custom',
      path: p.path,
      message: p.finding.expected,
      params: { ...(p.finding.hint ? { hint: p.finding.hint } : {}), ...(p.found !== undefined ? { found: p.found } : {}) },
    });
  }
}

export interface RequestCheckOptions {
  /** Check against this VNF package too. */
  pkg?: VnfPackage;
  /** Receives what is accepted but worth telling (parameters not acted on yet, pass-through keys). */
  notes?: string[];
}

/** The cross-field (and, with a package, package) checks of an instantiate request. */
export function instantiateRequestChecks(o: RequestCheckOptions = {}) {
  return (body: unknown, ctx: RefinementCtx): void => {
    const probs = new Problems(ctx.issues);
    const c: Ctx = { probs, notes: o.notes ?? [], ...(o.pkg ? { pkg: o.pkg } : {}) };
    const req = asObj(body);
    if (!req) return;
    const pkg = o.pkg;
    const fid = asStr(req.flavourId);
    if (pkg && fid !== undefined && !probs.has(['flavourId'])) {
      const f = pkg.flavours[fid];
      if (f) {
        c.flavour = f;
        const hot = readBaseHot(pkg, f);
        if (hot) c.hot = hot;
      } else {
        const ids = Object.keys(pkg.flavours);
        probs.add(['flavourId'], { expected: 'a flavour of the VNF package', hint: suggest(fid, ids, 'flavours') ?? 'the package defines no flavours' });
      }
    }
    const lvl = asStr(req.instantiationLevelId);
    if (c.flavour && lvl !== undefined && !probs.has(['instantiationLevelId']) && !(lvl in c.flavour.instantiationLevels)) {
      const levels = Object.keys(c.flavour.instantiationLevels);
      probs.add(['instantiationLevelId'], { expected: `an instantiation level of flavour ${c.flavour.id}`, hint: suggest(lvl, levels, 'levels') ?? `flavour ${c.flavour.id} defines no instantiation levels` });
    }
    checkExtVirtualLinks(c, req);
    checkAdditionalParams(c, req);
    emit(ctx, probs);
  };
}

/** heal / scale additional parameters: SSH credential overrides come in pairs. */
export function credentialPairChecks(body: unknown, ctx: RefinementCtx): void {
  const probs = new Problems(ctx.issues);
  checkCredentialPairs(probs, asObj(asObj(body)?.additionalParams));
  emit(ctx, probs);
}
