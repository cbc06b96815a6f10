/**
 * From the loaded Definitions files to the model: VNF properties (top VNFD) and flavours
 * (SOL001 node templates and policies). Node and policy types may be derived from the ETSI base
 * types; derivation is followed through the `node_types`/`policy_types`/`artifact_types` of the
 * file's import closure.
 *
 * Over 400 lines: one pass over the TOSCA documents with shared derivation lookups; its parts (properties,
 * VDUs, CPs, scaling aspects, instantiation levels, hooks) each read the others' results.
 */
import {
  LCM_HOOKS,
  type Flavour,
  type InstantiationLevel,
  type LcmHookName,
  type PackageWarning,
  type ScalingAspect,
  type SwImage,
  type Vdu,
  type VduCp,
  type VirtualCompute,
  type VirtualLink,
  type VnfProperties,
} from './model.js';
import { At, describe, isRecord, type Problems } from './problems.js';
import { relativeTo, resolveInPackage } from './paths.js';
import type { LoadedYaml } from './yamlfile.js';

export const T = {
  vnf: 'tosca.nodes.nfv.VNF',
  vdu: 'tosca.nodes.nfv.Vdu.Compute',
  cp: 'tosca.nodes.nfv.VduCp',
  vl: 'tosca.nodes.nfv.VnfVirtualLink',
  swImage: 'tosca.artifacts.nfv.SwImage',
  scalingAspects: 'tosca.policies.nfv.ScalingAspects',
  initialDelta: 'tosca.policies.nfv.VduInitialDelta',
  aspectDeltas: 'tosca.policies.nfv.VduScalingAspectDeltas',
  levels: 'tosca.policies.nfv.InstantiationLevels',
  vduLevels: 'tosca.policies.nfv.VduInstantiationLevels',
} as const;

type TypeKind = 'node_types' | 'policy_types' | 'artifact_types';

/** Type definitions visible from one file (its import closure); the first definition wins. */
export class Types {
  private readonly defs: Record<TypeKind, Map<string, Record<string, unknown>>> = {
    node_types: new Map(),
    policy_types: new Map(),
    artifact_types: new Map(),
  };

  constructor(files: LoadedYaml[]) {
    for (const f of files) {
      if (!isRecord(f.data)) continue;
      for (const kind of Object.keys(this.defs) as TypeKind[]) {
        const section = f.data[kind];
        if (!isRecord(section)) continue;
        for (const [name, def] of Object.entries(section)) {
          if (isRecord(def) && !this.defs[kind].has(name)) this.defs[kind].set(name, def);
        }
      }
    }
  }

  /** The chain `type, parent, grand-parent, ...` (stops at unknown types and cycles). */
  chain(kind: TypeKind, type: string): string[] {
    const out: string[] = [];
    let cur: string | undefined = type;
    while (cur !== undefined && !out.includes(cur)) {
      out.push(cur);
      const def = this.defs[kind].get(cur);
      cur = def && typeof def.derived_from === 'string' ? def.derived_from : undefined;
    }
    return out;
  }

  derives(kind: TypeKind, type: unknown, base: string): boolean {
    return typeof type === 'string' && this.chain(kind, type).includes(base);
  }

  /** The `default` of a property, looked up along the derivation chain. */
  propertyDefault(type: string, prop: string): unknown {
    for (const t of this.chain('node_types', type)) {
      const def = this.defs.node_types.get(t);
      const props = def && isRecord(def.properties) ? def.properties : undefined;
      const p = props ? props[prop] : undefined;
      if (isRecord(p) && p.default !== undefined) return p.default;
    }
    return undefined;
  }
}

function isGetInput(v: unknown): v is { get_input: unknown } {
  return isRecord(v) && Object.keys(v).length === 1 && 'get_input' in v;
}

/** Node templates of a file as [name, cursor] pairs. */
function nodeTemplates(file: LoadedYaml, problems: Problems): [string, At][] {
  return new At(problems, file.rel, '', file.data).dig('topology_template', 'node_templates').entries();
}

function nodeType(node: At): string | undefined {
  return node.key('type').string();
}

/** VNF properties from the top VNFD's VNF node, or from its node type defaults. */
export function vnfProperties(top: LoadedYaml, types: Types, problems: Problems): VnfProperties | undefined {
  const nodes = nodeTemplates(top, problems).filter(([, n]) => types.derives('node_types', n.key('type').value, T.vnf));
  const inputs = new At(problems, top.rel, '', top.data).dig('topology_template', 'inputs');
  let node: At | undefined;
  let typeName: string | undefined;
  if (nodes.length > 1) {
    problems.add(
      `${top.rel}: topology_template.node_templates`,
      `one node of a type derived from ${T.vnf}`,
      `${nodes.length}: ${nodes.map(([n]) => n).join(', ')}`,
    );
    return undefined;
  }
  if (nodes.length === 1) {
    node = nodes[0]?.[1];
    typeName = node ? nodeType(node) : undefined;
  } else {
    // No VNF node in the top file: fall back to the VNF node type's defaults.
    const sm = new At(problems, top.rel, '', top.data).dig('topology_template', 'substitution_mappings', 'node_type');
    if (typeof sm.value === 'string') typeName = sm.value;
  }
  if (typeName === undefined) {
    problems.add(
      `${top.rel}: topology_template.node_templates`,
      `a node of a type derived from ${T.vnf} (the VNF node with descriptor_id, provider, ...)`,
      'none',
    );
    return undefined;
  }
  const tn = typeName;
  const value = (prop: string): At => {
    const base = node ? node.dig('properties', prop) : new At(problems, top.rel, `node_types.${tn}.properties.${prop}.default`, undefined);
    let v: unknown = base.value;
    if (v === undefined || v === null || isGetInput(v)) {
      const input = isGetInput(v) && typeof v.get_input === 'string' ? inputs.dig(v.get_input, 'default').value : undefined;
      v = types.propertyDefault(tn, prop) ?? input;
    }
    return new At(problems, base.file, base.keys, v);
  };
  const vnfm = value('vnfm_info');
  const vnfmInfo = typeof vnfm.value === 'string' ? [vnfm.value] : vnfm.stringList();
  if (vnfmInfo !== undefined && vnfmInfo.length === 0) vnfm.fail('a non-empty list of VNFM names (e.g. [Tacker])');
  const props = {
    descriptorId: value('descriptor_id').string(),
    descriptorVersion: value('descriptor_version').string(),
    provider: value('provider').string(),
    productName: value('product_name').string(),
    softwareVersion: value('software_version').string(),
  };
  if (Object.values(props).some((v) => v === undefined) || !vnfmInfo) return undefined;
  return { ...(props as Record<keyof typeof props, string>), vnfmInfo };
}

/** The flavour_id a Definitions file declares, if any. */
export function flavourIdOf(file: LoadedYaml): unknown {
  if (!isRecord(file.data)) return undefined;
  const tt = file.data.topology_template;
  const sm = isRecord(tt) ? tt.substitution_mappings : undefined;
  const props = isRecord(sm) ? sm.properties : undefined;
  return isRecord(props) ? props.flavour_id : undefined;
}

interface Ctx {
  root: string;
  problems: Problems;
  warnings: PackageWarning[];
}

/** Builds one flavour from its Definitions file (types from the file's import closure). */
export async function buildFlavour(ctx: Ctx, file: LoadedYaml, types: Types, id: string): Promise<Flavour> {
  const { problems } = ctx;
  const doc = new At(problems, file.rel, '', file.data);
  const tt = doc.key('topology_template');
  const smNodeType = tt.dig('substitution_mappings', 'node_type').value;
  const flavour: Flavour = {
    id,
    description: '',
    file: file.rel,
    vdus: {},
    cps: {},
    virtualLinks: {},
    scalingAspects: {},
    initialDeltas: {},
    aspectDeltas: {},
    instantiationLevels: {},
    lcmHooks: {},
    artifacts: {},
  };

  const nodes = nodeTemplates(file, problems);
  const vduNodes: [string, At][] = [];
  const cpNodes: [string, At][] = [];
  const vnfNodes: [string, At][] = [];
  for (const [name, node] of nodes) {
    const type = node.key('type');
    if (typeof type.value !== 'string') {
      type.fail('a node type name');
      continue;
    }
    if (types.derives('node_types', type.value, T.vdu)) vduNodes.push([name, node]);
    else if (types.derives('node_types', type.value, T.cp)) cpNodes.push([name, node]);
    else if (types.derives('node_types', type.value, T.vl)) {
      const vl = virtualLink(name, node);
      if (vl) flavour.virtualLinks[name] = vl;
    } else if (types.derives('node_types', type.value, T.vnf) || type.value === smNodeType) vnfNodes.push([name, node]);
  }

  if (vduNodes.length === 0) {
    problems.add(
      `${file.rel}: topology_template.node_templates`,
      `at least one node of type ${T.vdu} in flavour "${id}"`,
      nodes.length === 0 ? 'no node templates' : `none among ${nodes.map(([n]) => n).join(', ')}`,
    );
  }
  for (const [name, node] of vduNodes) {
    const vdu = await buildVdu(ctx, file, types, name, node);
    if (vdu) flavour.vdus[name] = vdu;
  }
  for (const [name, node] of cpNodes) {
    const cp = buildCp(name, node, vduNodes, flavour.virtualLinks);
    if (cp) flavour.cps[name] = cp;
  }
  for (const vdu of Object.values(flavour.vdus)) {
    vdu.cps = Object.values(flavour.cps)
      .filter((c) => c.vdu === vdu.id)
      .sort((a, b) => a.order - b.order)
      .map((c) => c.id);
  }

  if (vnfNodes.length > 1) {
    problems.add(
      `${file.rel}: topology_template.node_templates`,
      `at most one node of a type derived from ${T.vnf}`,
      `${vnfNodes.length}: ${vnfNodes.map(([n]) => n).join(', ')}`,
    );
  }
  const vnfNode = vnfNodes[0]?.[1];
  if (vnfNode) {
    flavour.description = vnfNode.dig('properties', 'flavour_description').optString('') ?? '';
    flavour.artifacts = await vnfArtifacts(ctx, file, vnfNode);
    flavour.lcmHooks = lcmHooks(vnfNode, flavour.artifacts);
  }

  readPolicies(ctx, tt.key('policies'), types, flavour, vduNodes);
  return flavour;
}

async function buildVdu(ctx: Ctx, file: LoadedYaml, types: Types, id: string, node: At): Promise<Vdu | undefined> {
  const props = node.key('properties');
  if (!props.map()) return undefined;
  const profile = props.key('vdu_profile');
  const min = profile.key('min_number_of_instances').int();
  const max = profile.key('max_number_of_instances').int(1);
  if (min !== undefined && max !== undefined && min > max) {
    profile.key('max_number_of_instances').fail(`a number ≥ min_number_of_instances (${min})`);
  }
  const name = props.key('name').string();
  const description = props.key('description').optString('') ?? '';
  const swImage = props.key('sw_image_data').present ? await buildSwImage(ctx, file, types, node) : undefined;
  if (!props.key('sw_image_data').present) {
    const art = swImageArtifact(types, node);
    if (art) art.fail(`no ${T.swImage} artifact without properties.sw_image_data (name, disk_format, ...)`);
  }
  const compute = virtualCompute(node.dig('capabilities', 'virtual_compute', 'properties'));
  if (name === undefined || min === undefined || max === undefined || !compute) return undefined;
  const vdu: Vdu = { id, name, description, minInstances: min, maxInstances: max, compute, cps: [] };
  if (swImage) vdu.swImage = swImage;
  return vdu;
}

function swImageArtifact(types: Types, node: At): At | undefined {
  for (const [, art] of node.key('artifacts').entries()) {
    if (types.derives('artifact_types', art.key('type').value, T.swImage)) return art;
  }
  return undefined;
}

async function buildSwImage(ctx: Ctx, file: LoadedYaml, types: Types, node: At): Promise<SwImage | undefined> {
  const d = node.dig('properties', 'sw_image_data');
  if (!d.map()) return undefined;
  const img = {
    name: d.key('name').string(),
    containerFormat: d.key('container_format').string(),
    diskFormat: d.key('disk_format').string(),
    minDisk: d.key('min_disk').size(),
    minRam: d.key('min_ram').optSize(0),
    size: d.key('size').size(),
  };
  const version = d.key('version').optString();
  let checksum: SwImage['checksum'];
  const ck = d.key('checksum');
  if (ck.present && ck.map()) {
    const algorithm = ck.key('algorithm').string();
    const hash = ck.key('hash').string();
    if (algorithm !== undefined && hash !== undefined) checksum = { algorithm, hash };
  }
  const art = swImageArtifact(types, node);
  let fileRel: string | undefined;
  let url: string | undefined;
  if (art) {
    const f = art.key('file');
    const ref = f.string();
    if (ref !== undefined) {
      if (/^https?:\/\//i.test(ref)) url = ref;
      else fileRel = await packageFile(ctx, file, f, ref, true);
    }
  }
  if (Object.values(img).some((v) => v === undefined)) return undefined;
  const out: SwImage = img as { [K in keyof typeof img]: Exclude<(typeof img)[K], undefined> };
  if (version !== undefined) out.version = version;
  if (checksum) out.checksum = checksum;
  if (fileRel !== undefined) out.file = fileRel;
  if (url !== undefined) out.url = url;
  return out;
}

/**
 * A file reference relative to the Definitions file's directory, as a package-relative path.
 * Outside the root: always a problem. Missing: a problem when `mustExist`, else a warning.
 */
async function packageFile(ctx: Ctx, file: LoadedYaml, at: At, ref: string, mustExist: boolean): Promise<string | undefined> {
  const rel = relativeTo(file.rel, ref);
  const r = rel === undefined ? undefined : await resolveInPackage(ctx.root, rel);
  if (!r || r.kind === 'outside') {
    at.fail('a file inside the package (relative to the Definitions file\'s directory)');
    return undefined;
  }
  if (r.kind !== 'file') {
    if (mustExist) {
      ctx.problems.add(at.path, 'an existing file (relative to the Definitions file\'s directory)', `no such file: ${describe(r.rel)}`);
    } else {
      ctx.warnings.push({ path: at.path, message: `${r.rel} is not in the package (not needed: vnflcm has this driver built in)` });
    }
    return undefined;
  }
  return r.rel;
}

function virtualCompute(p: At): VirtualCompute | undefined {
  if (!p.map()) return undefined;
  const memSize = p.dig('virtual_memory', 'virtual_mem_size').size();
  const numCpus = p.dig('virtual_cpu', 'num_virtual_cpu').int(1);
  const storage = p.key('virtual_local_storage');
  let diskSize: number | undefined = 0;
  if (storage.present) {
    const first = Array.isArray(storage.value) ? storage.index(0) : storage;
    diskSize = first.key('size_of_storage').optSize(0);
  }
  let flavorName: string | undefined;
  const extra = p.key('requested_additional_capabilities');
  const entries = extra.entries();
  const withName = entries.find(([k]) => k === 'properties') ?? entries.find(([, e]) => isRecord(e.value) && 'requested_additional_capability_name' in e.value);
  if (withName) flavorName = withName[1].key('requested_additional_capability_name').string();
  if (memSize === undefined || numCpus === undefined || diskSize === undefined) return undefined;
  const vc: VirtualCompute = { memSize, numCpus, diskSize };
  if (flavorName !== undefined) vc.flavorName = flavorName;
  return vc;
}

/** `requirements: [ {virtual_binding: VDU1}, {virtual_link: {node: VL1}} ]` → name → target. */
function requirements(node: At): Map<string, At> {
  const out = new Map<string, At>();
  for (const item of node.key('requirements').items()) {
    for (const [k, v] of item.entries()) {
      if (!out.has(k)) out.set(k, v);
    }
  }
  return out;
}

function requirementTarget(r: At): string | undefined {
  if (typeof r.value === 'string' && r.value !== '') return r.value;
  if (isRecord(r.value) && typeof r.value.node === 'string') return r.value.node;
  return r.fail('a node name (or {node: <name>})');
}

function buildCp(id: string, node: At, vdus: [string, At][], vls: Record<string, VirtualLink>): VduCp | undefined {
  const props = node.key('properties');
  const layerProtocols = props.key('layer_protocols').stringList();
  const order = props.key('order').optInt(0);
  const reqs = requirements(node);
  const binding = reqs.get('virtual_binding');
  let vdu: string | undefined;
  if (!binding) {
    node.key('requirements').fail('a virtual_binding requirement naming the VDU of this CP');
  } else {
    vdu = requirementTarget(binding);
    if (vdu !== undefined && !vdus.some(([n]) => n === vdu)) {
      binding.fail(`the name of a ${T.vdu} node of this flavour (${vdus.map(([n]) => n).join(', ') || 'none'})`);
      vdu = undefined;
    }
  }
  let virtualLink: string | undefined;
  const link = reqs.get('virtual_link');
  if (link) {
    virtualLink = requirementTarget(link);
    if (virtualLink !== undefined && !(virtualLink in vls)) {
      link.fail(`the name of a ${T.vl} node of this flavour (${Object.keys(vls).join(', ') || 'none'})`);
      virtualLink = undefined;
    }
  }
  if (vdu === undefined || layerProtocols === undefined || order === undefined) return undefined;
  const cp: VduCp = { id, vdu, order, layerProtocols };
  if (virtualLink !== undefined) cp.virtualLink = virtualLink;
  return cp;
}

function virtualLink(id: string, node: At): VirtualLink | undefined {
  const props = node.key('properties');
  const layerProtocols = props.dig('connectivity_type', 'layer_protocols').stringList();
  if (layerProtocols === undefined) return undefined;
  const vl: VirtualLink = { id, layerProtocols };
  const data = props.dig('vl_profile', 'virtual_link_protocol_data');
  const first = Array.isArray(data.value) ? data.index(0) : data;
  const cidr = first.dig('l3_protocol_data', 'cidr');
  if (cidr.present) {
    const c = cidr.string();
    if (c !== undefined) vl.cidr = c;
  }
  return vl;
}

async function vnfArtifacts(ctx: Ctx, file: LoadedYaml, node: At): Promise<Flavour['artifacts']> {
  const out: Flavour['artifacts'] = {};
  for (const [name, art] of node.key('artifacts').entries()) {
    let type = '';
    let fileAt: At | undefined;
    if (typeof art.value === 'string') {
      fileAt = art;
    } else if (art.map()) {
      type = art.key('type').optString('') ?? '';
      if (art.key('file').present) fileAt = art.key('file');
    } else {
      continue;
    }
    const entry: { type: string; file?: string } = { type };
    const ref = fileAt?.string();
    if (fileAt && ref !== undefined && !/^https?:\/\//i.test(ref)) {
      const rel = await packageFile(ctx, file, fileAt, ref, false);
      if (rel !== undefined) entry.file = rel;
    }
    out[name] = entry;
  }
  return out;
}

function lcmHooks(node: At, artifacts: Flavour['artifacts']): Flavour['lcmHooks'] {
  const out: Flavour['lcmHooks'] = {};
  const vnflcm = node.dig('interfaces', 'Vnflcm');
  const ops = vnflcm.key('operations').present ? vnflcm.key('operations') : vnflcm;
  for (const [hook, op] of ops.entries()) {
    if (!(LCM_HOOKS as readonly string[]).includes(hook)) continue;
    let implAt: At = op;
    if (isRecord(op.value)) {
      implAt = op.key('implementation');
      if (isRecord(implAt.value)) implAt = implAt.key('primary');
    }
    const impl = implAt.string();
    if (impl === undefined) continue;
    if (!(impl in artifacts)) {
      implAt.fail(`the name of an artifact of this VNF node (${Object.keys(artifacts).join(', ') || 'none declared'})`);
      continue;
    }
    out[hook as LcmHookName] = impl;
  }
  return out;
}

/** Policies: a list of single-key maps (TOSCA 1.2+) or a map. */
function policyEntries(policies: At): [string, At][] {
  if (Array.isArray(policies.value)) {
    const out: [string, At][] = [];
    for (const item of policies.items()) {
      const e = item.entries();
      if (e.length !== 1) {
        item.fail('a single-key mapping {<policy name>: {type, properties, targets}}');
        continue;
      }
      const [name, body] = e[0] as [string, At];
      out.push([name, body]);
    }
    return out;
  }
  return policies.entries();
}

function vduTargets(body: At, vdus: [string, At][]): string[] {
  const out: string[] = [];
  for (const t of body.key('targets').items()) {
    const name = t.string();
    if (name === undefined) continue;
    if (!vdus.some(([n]) => n === name)) {
      t.fail(`the name of a ${T.vdu} node of this flavour (${vdus.map(([n]) => n).join(', ') || 'none'})`);
      continue;
    }
    out.push(name);
  }
  if (!body.key('targets').present) body.key('targets').fail('a list of VDU names');
  return out;
}

function readPolicies(ctx: Ctx, policies: At, types: Types, f: Flavour, vdus: [string, At][]): void {
  const entries = policyEntries(policies);
  const is = (body: At, base: string): boolean => types.derives('policy_types', body.key('type').value, base);
  const deltaPolicies: [At, string, string[]][] = [];
  const levelPolicies: At[] = [];
  const vduLevelPolicies: [At, string[]][] = [];

  for (const [, body] of entries) {
    if (is(body, T.scalingAspects)) {
      for (const [aid, a] of body.dig('properties', 'aspects').entries()) {
        const maxScaleLevel = a.key('max_scale_level').int();
        const stepDeltas = a.key('step_deltas').stringList();
        if (maxScaleLevel === undefined || stepDeltas === undefined) continue;
        if (maxScaleLevel > 0 && stepDeltas.length === 0) a.key('step_deltas').fail('at least one delta id (e.g. [delta_1])');
        const aspect: ScalingAspect = {
          id: aid,
          name: a.key('name').optString(aid) ?? aid,
          description: a.key('description').optString('') ?? '',
          maxScaleLevel,
          stepDeltas,
        };
        f.scalingAspects[aid] = aspect;
      }
    } else if (is(body, T.initialDelta)) {
      const n = body.dig('properties', 'initial_delta', 'number_of_instances').int();
      for (const vdu of vduTargets(body, vdus)) if (n !== undefined) f.initialDeltas[vdu] = n;
    } else if (is(body, T.aspectDeltas)) {
      const aspect = body.dig('properties', 'aspect').string();
      const targets = vduTargets(body, vdus);
      if (aspect !== undefined) deltaPolicies.push([body, aspect, targets]);
    } else if (is(body, T.levels)) {
      levelPolicies.push(body);
    } else if (is(body, T.vduLevels)) {
      vduLevelPolicies.push([body, vduTargets(body, vdus)]);
    }
  }

  for (const [body, aspectId, targets] of deltaPolicies) {
    const aspect = f.scalingAspects[aspectId];
    if (!aspect) {
      body.dig('properties', 'aspect').fail(`an aspect of the ScalingAspects policy (${Object.keys(f.scalingAspects).join(', ') || 'none'})`);
      continue;
    }
    const deltas = body.dig('properties', 'deltas');
    const deltaId = aspect.stepDeltas[0] ?? Object.keys(deltas.map() ?? {})[0];
    if (deltaId === undefined) continue;
    const n = deltas.dig(deltaId, 'number_of_instances');
    if (!n.present) {
      deltas.key(deltaId).fail(`the delta "${deltaId}" named first in step_deltas of aspect ${aspectId}, with number_of_instances`);
      continue;
    }
    const count = n.int();
    if (count === undefined) continue;
    const perVdu = (f.aspectDeltas[aspectId] ??= {});
    for (const vdu of targets) perVdu[vdu] = count;
  }

  for (const body of levelPolicies) {
    const props = body.key('properties');
    for (const [lid, l] of props.key('levels').entries()) {
      const level: InstantiationLevel = { id: lid, description: l.key('description').optString('') ?? '', scaleInfo: {} };
      for (const [aid, si] of l.key('scale_info').entries()) {
        const aspect = f.scalingAspects[aid];
        if (!aspect) {
          si.fail(`scale info for an aspect of the ScalingAspects policy (${Object.keys(f.scalingAspects).join(', ') || 'none'})`);
          continue;
        }
        const sl = si.key('scale_level').int();
        if (sl === undefined) continue;
        if (sl > aspect.maxScaleLevel) {
          si.key('scale_level').fail(`a level ≤ max_scale_level of aspect ${aid} (${aspect.maxScaleLevel})`);
          continue;
        }
        level.scaleInfo[aid] = sl;
      }
      f.instantiationLevels[lid] = level;
    }
    const def = props.key('default_level');
    if (def.present) {
      const d = def.string();
      if (d !== undefined && !(d in f.instantiationLevels)) {
        def.fail(`one of the levels (${Object.keys(f.instantiationLevels).join(', ') || 'none'})`);
      } else if (d !== undefined) {
        f.defaultInstantiationLevelId = d;
      }
    }
  }

  // Defaults and consistency with vdu_profile.
  for (const [vduId] of vdus) f.initialDeltas[vduId] ??= 1;
  for (const [vduId, node] of vdus) {
    const vdu = f.vdus[vduId];
    if (!vdu) continue;
    const initial = f.initialDeltas[vduId] ?? 1;
    const profile = node.dig('properties', 'vdu_profile');
    if (initial < vdu.minInstances || initial > vdu.maxInstances) {
      ctx.problems.add(
        `${f.file}: topology_template.policies (VduInitialDelta of ${vduId})`,
        `an initial number of instances within vdu_profile (${vdu.minInstances}..${vdu.maxInstances})`,
        String(initial),
      );
      continue;
    }
    for (const [aid, perVdu] of Object.entries(f.aspectDeltas)) {
      const delta = perVdu[vduId];
      const aspect = f.scalingAspects[aid];
      if (delta === undefined || !aspect) continue;
      const top = initial + delta * aspect.maxScaleLevel;
      if (top > vdu.maxInstances) {
        profile.key('max_number_of_instances').fail(
          `at least ${top} (initial ${initial} + ${delta} × max_scale_level ${aspect.maxScaleLevel} of aspect ${aid})`,
        );
      }
    }
  }

  // VduInstantiationLevels are informational (Tacker ignores them): only warn when inconsistent.
  for (const [body, targets] of vduLevelPolicies) {
    for (const [lid, l] of body.dig('properties', 'levels').entries()) {
      const level = f.instantiationLevels[lid];
      const n = l.key('number_of_instances').value;
      if (!level || typeof n !== 'number') continue;
      for (const vduId of targets) {
        const expected = instancesAtLevel(f, vduId, level);
        if (expected !== n) {
          ctx.warnings.push({
            path: l.key('number_of_instances').path,
            message: `${vduId} has ${expected} instances at ${lid} (initial delta + aspect deltas × scale levels), not ${n}`,
          });
        }
      }
    }
  }
}

/** Instances of a VDU at an instantiation level: initial delta + Σ delta × scale level. */
export function instancesAtLevel(f: Flavour, vduId: string, level: InstantiationLevel | undefined): number {
  let n = f.initialDeltas[vduId] ?? 1;
  if (!level) return n;
  for (const [aid, perVdu] of Object.entries(f.aspectDeltas)) {
    const d = perVdu[vduId];
    if (d !== undefined) n += d * (level.scaleInfo[aid] ?? 0);
  }
  return n;
}
