/**
 * Heat templates from a VNF package and an instantiate request, built as Tacker's OpenStack
 * infra driver builds them.
 *
 * - Packages with `BaseHOT/<flavour>/`: the top template and its nested files as they are, and the
 *   `nfv` parameter built from the VNFD and the request: `nfv.VDU.<vdu>.{flavor,image,desired_capacity}`
 *   and `nfv.CP.<cp>.{network,fixed_ips[,mac_address]}`; `desired_capacity` follows the
 *   instantiation level (initial delta + aspect delta × scale level).
 * - Packages without BaseHOT (the registry package): a HOT generated from the VNFD: a server per VDU,
 *   a port per CP on the network of its extVirtualLink (fixed IPs/MAC when given), image and flavor
 *   as resolved by the caller (an OS::Nova::Flavor is generated when the VNFD names no flavor).
 *
 * Pure functions: the caller resolves names to ids (images, flavors, networks) first.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CliError } from '../errors.js';
import type { Flavour, VnfPackage } from '../package/model.js';

export interface CpBinding {
  network: string;
  fixedIps: Array<{ ip_address?: string; subnet?: string }>;
  macAddress?: string;
}

export interface ResolvedInputs {
  /** vduId -> Glance image id or name. */
  images: Record<string, string>;
  /** vduId -> Nova flavor id/name; absent = generate an OS::Nova::Flavor from virtual_compute. */
  flavors: Record<string, string | undefined>;
  /** cpdId -> network and addresses from extVirtualLinks. */
  cps: Record<string, CpBinding>;
  /** aspectId -> scale level (from the instantiation level, or the current scale status). */
  scaleLevels: Record<string, number>;
}

export interface StackSpec {
  template: Record<string, unknown> | string;
  files: Record<string, string>;
  parameters: Record<string, unknown>;
}

/** Number of instances of a VDU at the given scale levels. */
export function vduCount(flavour: Flavour, vduId: string, scaleLevels: Record<string, number>): number {
  let n = flavour.initialDeltas[vduId] ?? 1;
  for (const [aspectId, deltas] of Object.entries(flavour.aspectDeltas)) {
    const d = deltas[vduId];
    if (d) n += d * (scaleLevels[aspectId] ?? 0);
  }
  return n;
}

/** Scale levels of an instantiation level (default level when none is named; 0 for aspects it omits). */
export function levelScale(flavour: Flavour, levelId: string | undefined): Record<string, number> {
  const id = levelId ?? flavour.defaultInstantiationLevelId;
  const out: Record<string, number> = Object.fromEntries(Object.keys(flavour.scalingAspects).map((a) => [a, 0]));
  if (!id) return out;
  const level = flavour.instantiationLevels[id];
  if (!level) throw new CliError(`Instantiation level ${id} is not defined in flavour ${flavour.id}`);
  return { ...out, ...level.scaleInfo };
}

/** The VDU an aspect scales (the sample packages have one VDU per aspect). */
export function aspectVdus(flavour: Flavour, aspectId: string): string[] {
  return Object.keys(flavour.aspectDeltas[aspectId] ?? {});
}

export function nfvParameter(flavour: Flavour, inputs: ResolvedInputs): Record<string, unknown> {
  const VDU: Record<string, Record<string, unknown>> = {};
  for (const vdu of Object.values(flavour.vdus)) {
    const entry: Record<string, unknown> = {
      desired_capacity: vduCount(flavour, vdu.id, inputs.scaleLevels),
    };
    const flavor = inputs.flavors[vdu.id];
    if (flavor) entry.flavor = flavor;
    const image = inputs.images[vdu.id];
    if (image) entry.image = image;
    VDU[vdu.id] = entry;
  }
  const CP: Record<string, Record<string, unknown>> = {};
  for (const cp of Object.values(flavour.cps)) {
    const b = inputs.cps[cp.id];
    if (!b) continue;
    const entry: Record<string, unknown> = { network: b.network, fixed_ips: b.fixedIps };
    if (b.macAddress) entry.mac_address = b.macAddress;
    CP[cp.id] = entry;
  }
  return { VDU, CP };
}

export async function buildStackSpec(pkg: VnfPackage, flavour: Flavour, inputs: ResolvedInputs): Promise<StackSpec> {
  if (flavour.baseHot) {
    const template = await readFile(join(pkg.root, flavour.baseHot.top), 'utf8');
    const files: Record<string, string> = {};
    for (const [name, rel] of Object.entries(flavour.baseHot.nested)) {
      files[name] = await readFile(join(pkg.root, rel), 'utf8');
      // Heat resolves `type: nested/x.yaml` and `type: x.yaml` against the files map by name.
      files[`nested/${basename(name)}`] ??= files[name];
    }
    return { template, files, parameters: { nfv: nfvParameter(flavour, inputs) } };
  }
  return { template: generatedTemplate(flavour, inputs), files: {}, parameters: {} };
}

function generatedTemplate(flavour: Flavour, inputs: ResolvedInputs): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const vdu of Object.values(flavour.vdus)) {
    const count = vduCount(flavour, vdu.id, inputs.scaleLevels);
    if (count !== 1) {
      throw new CliError(
        `VDU ${vdu.id} of flavour ${flavour.id} needs ${count} instances; packages without BaseHOT/${flavour.id}/ ` +
          'support one instance per VDU. Add a BaseHOT with an OS::Heat::AutoScalingGroup.',
      );
    }
    const networks: Array<Record<string, unknown>> = [];
    for (const cpId of vdu.cps) {
      const b = inputs.cps[cpId];
      if (!b) {
        throw new CliError(`CP ${cpId} of VDU ${vdu.id} has no network: add an extVirtualLinks entry with an extCps cpdId "${cpId}"`, 3);
      }
      const port: Record<string, unknown> = { network: b.network };
      if (b.fixedIps.length > 0) port.fixed_ips = b.fixedIps;
      if (b.macAddress) port.mac_address = b.macAddress;
      resources[cpId] = { type: 'OS::Neutron::Port', properties: port };
      networks.push({ port: { get_resource: cpId } });
    }
    let flavor: unknown = inputs.flavors[vdu.id];
    if (!flavor) {
      resources[`${vdu.id}_flavor`] = {
        type: 'OS::Nova::Flavor',
        properties: {
          vcpus: vdu.compute.numCpus,
          ram: Math.max(1, Math.round(vdu.compute.memSize / 1024 ** 2)),
          disk: Math.round(vdu.compute.diskSize / 1024 ** 3),
        },
      };
      flavor = { get_resource: `${vdu.id}_flavor` };
    }
    const image = inputs.images[vdu.id];
    if (!image) throw new CliError(`VDU ${vdu.id} has no image: its sw_image_data names none`, 3);
    resources[vdu.id] = {
      type: 'OS::Nova::Server',
      properties: { name: vdu.id, flavor, image, networks },
    };
  }
  return {
    heat_template_version: '2016-10-14',
    description: `Generated by vnflcm for flavour ${flavour.id}`,
    resources,
    outputs: {},
  };
}
