/**
 * `instantiatedVnfInfo` in the shape Tacker's v1 API returns
 * (vnfcResourceInfo with computeResource and vnfcCpInfo, extCpInfo, vnfVirtualLinkResourceInfo), from what Heat and
 * Neutron report about the stack. VNFC identities survive refreshes: a VNFC keeps its id as long as
 * its Heat resource (stack + resource name) exists, so a VNFC heal changes only
 * `computeResource.resourceId`, while scale adds/removes entries.
 */
import { randomUUID } from 'node:crypto';
import type { Flavour } from '../package/model.js';
import type { VnfcRef } from '../mgmt/contract.js';

/** A Heat resource anywhere in the stack tree. */
export interface InventoryResource {
  stackId: string;
  /** Name of the (nested) stack holding the resource: Heat's resource URLs need name and id. */
  stackName: string;
  name: string;
  type: string;
  physicalId: string;
  status: string;
  creationTime: string;
}

export interface InventoryPort {
  id: string;
  networkId: string;
  macAddress: string;
  fixedIps: Array<{ ipAddress: string; subnetId: string }>;
  floatingIp?: string;
}

export interface StackInventory {
  stackId: string;
  resources: InventoryResource[];
  ports: Record<string, InventoryPort>;
}

/** What we keep (in the instance's internal record) to give VNFCs stable ids across refreshes. */
export interface VnfcIdentity {
  id: string;
  vduId: string;
  stackId: string;
  stackName: string;
  /** Heat resource name of the server (= vduId). */
  resourceName: string;
  cpIds: Record<string, string>;
  linkPortIds: Record<string, string>;
  vnfcInfoId: string;
}

export interface VnfInfoInputs {
  flavour: Flavour;
  request: {
    flavourId: string;
    instantiationLevelId?: string;
    extVirtualLinks?: Array<{ id: string; resourceId: string; extCps: Array<{ cpdId: string; cpConfig?: Array<Record<string, unknown>> }> }>;
    additionalParams?: Record<string, unknown>;
  };
  inventory: StackInventory;
  vimId: string | null;
  scaleLevels: Record<string, number>;
  /** Identities from the previous refresh (empty at instantiate). */
  previous: VnfcIdentity[];
  /** Previous extCp/extVL/VL ids to keep stable. */
  previousIds?: { extCp?: Record<string, string>; vl?: Record<string, string> };
}

export interface VnfInfoResult {
  info: Record<string, unknown>;
  identities: VnfcIdentity[];
  vnfcs: VnfcRef[];
  ids: { extCp: Record<string, string>; vl: Record<string, string> };
}

export function servers(inv: StackInventory, vduId: string): InventoryResource[] {
  return inv.resources
    .filter((r) => r.type === 'OS::Nova::Server' && r.name === vduId && r.physicalId)
    .sort((a, b) => (a.creationTime < b.creationTime ? -1 : a.creationTime > b.creationTime ? 1 : a.stackId.localeCompare(b.stackId)));
}

export function buildVnfInfo(inp: VnfInfoInputs): VnfInfoResult {
  const { flavour, request, inventory } = inp;
  const vimId = inp.vimId;
  const prevByKey = new Map(inp.previous.map((p) => [`${p.stackId}/${p.resourceName}`, p]));
  const identities: VnfcIdentity[] = [];
  const vnfcResourceInfo: Array<Record<string, unknown>> = [];
  const vnfcs: VnfcRef[] = [];
  const cpConfigOf = new Map<string, unknown[]>();
  for (const vl of request.extVirtualLinks ?? []) {
    for (const cp of vl.extCps) {
      const data = (cp.cpConfig ?? []).flatMap((c) => (Array.isArray(c.cpProtocolData) ? (c.cpProtocolData as unknown[]) : []));
      cpConfigOf.set(cp.cpdId, data);
    }
  }
  // Link ports per CP, gathered for vnfVirtualLinkResourceInfo.
  const linkPorts = new Map<string, Array<Record<string, unknown>>>();

  for (const vdu of Object.values(flavour.vdus)) {
    for (const server of servers(inventory, vdu.id)) {
      const key = `${server.stackId}/${server.name}`;
      const prev = prevByKey.get(key);
      const ident: VnfcIdentity = prev ?? {
        id: randomUUID(),
        vduId: vdu.id,
        stackId: server.stackId,
        stackName: server.stackName,
        resourceName: server.name,
        cpIds: {},
        linkPortIds: {},
        vnfcInfoId: randomUUID(),
      };
      ident.stackName = server.stackName;
      const vnfcCpInfo: Array<Record<string, unknown>> = [];
      const addresses: VnfcRef['addresses'] = {};
      for (const cpId of vdu.cps) {
        const portRes = inventory.resources.find((r) => r.stackId === server.stackId && r.name === cpId && r.type === 'OS::Neutron::Port');
        if (!portRes) continue;
        const port = inventory.ports[portRes.physicalId];
        ident.cpIds[cpId] ??= randomUUID();
        ident.linkPortIds[cpId] ??= randomUUID();
        const protocol = port ? cpProtocolInfo(port) : ((cpConfigOf.get(cpId) as unknown[] | undefined) ?? []);
        vnfcCpInfo.push({
          id: ident.cpIds[cpId],
          cpdId: cpId,
          vnfExtCpId: null,
          vnfLinkPortId: ident.linkPortIds[cpId],
          cpProtocolInfo: protocol,
        });
        const list = linkPorts.get(cpId) ?? [];
        list.push({
          id: ident.linkPortIds[cpId],
          resourceHandle: { vimConnectionId: vimId, resourceId: portRes.physicalId, vimLevelResourceType: 'OS::Neutron::Port' },
          cpInstanceId: ident.cpIds[cpId],
        });
        linkPorts.set(cpId, list);
        const v4 = port?.fixedIps.find((f) => !f.ipAddress.includes(':')) ?? port?.fixedIps[0];
        if (v4) addresses[cpId] = { ip: v4.ipAddress, portId: portRes.physicalId, ...(port?.floatingIp ? { floatingIp: port.floatingIp } : {}) };
      }
      vnfcResourceInfo.push({
        id: ident.id,
        vduId: vdu.id,
        computeResource: { vimConnectionId: vimId, resourceId: server.physicalId, vimLevelResourceType: 'OS::Nova::Server' },
        storageResourceIds: [],
        vnfcCpInfo,
      });
      identities.push(ident);
      vnfcs.push({
        id: ident.id,
        vduId: vdu.id,
        serverId: server.physicalId,
        stackId: server.stackId,
        memberName: member(inventory, server.stackId)?.name,
        addresses,
        // A group member's creation time (stable across VNFC heals, and what Heat orders members by).
        createdAt: member(inventory, server.stackId)?.creationTime ?? server.creationTime,
      });
    }
  }

  const extCpIds: Record<string, string> = { ...(inp.previousIds?.extCp ?? {}) };
  const vlIds: Record<string, string> = { ...(inp.previousIds?.vl ?? {}) };
  const extCpInfo: Array<Record<string, unknown>> = [];
  const extVirtualLinkInfo: Array<Record<string, unknown>> = [];
  const vnfVirtualLinkResourceInfo: Array<Record<string, unknown>> = [];
  for (const vl of request.extVirtualLinks ?? []) {
    for (const cp of vl.extCps) {
      extCpIds[cp.cpdId] ??= randomUUID();
      const owner = vnfcResourceInfo.find((v) => (v.vnfcCpInfo as Array<{ cpdId: string }>).some((c) => c.cpdId === cp.cpdId));
      extCpInfo.push({
        id: extCpIds[cp.cpdId],
        cpdId: cp.cpdId,
        extLinkPortId: null,
        associatedVnfcCpId: owner ? owner.id : null,
        cpProtocolInfo: cpConfigOf.get(cp.cpdId) ?? [],
      });
    }
    extVirtualLinkInfo.push({
      id: vl.id,
      resourceHandle: { vimConnectionId: vimId, resourceId: vl.resourceId, vimLevelResourceType: null },
    });
    vlIds[vl.id] ??= randomUUID();
    vnfVirtualLinkResourceInfo.push({
      id: vlIds[vl.id],
      vnfVirtualLinkDescId: vl.id,
      networkResource: { vimConnectionId: vimId, resourceId: vl.resourceId, vimLevelResourceType: 'OS::Neutron::Net' },
      vnfLinkPorts: vl.extCps.flatMap((cp) => linkPorts.get(cp.cpdId) ?? []),
    });
  }

  const info: Record<string, unknown> = { flavourId: request.flavourId, vnfState: 'STARTED' };
  const aspects = Object.keys(flavour.scalingAspects);
  if (aspects.length > 0) info.scaleStatus = aspects.map((aspectId) => ({ aspectId, scaleLevel: inp.scaleLevels[aspectId] ?? 0 }));
  info.extCpInfo = extCpInfo;
  info.extVirtualLinkInfo = extVirtualLinkInfo;
  info.vnfcResourceInfo = vnfcResourceInfo;
  info.vnfVirtualLinkResourceInfo = vnfVirtualLinkResourceInfo;
  info.vnfcInfo = identities.map((i) => ({ id: i.vnfcInfoId, vduId: i.vduId, vnfcState: 'STARTED' }));
  if (request.additionalParams) info.additionalParams = request.additionalParams;
  return { info, identities, vnfcs, ids: { extCp: extCpIds, vl: vlIds } };
}

function cpProtocolInfo(port: InventoryPort): unknown[] {
  return [
    {
      layerProtocol: 'IP_OVER_ETHERNET',
      ipOverEthernet: {
        macAddress: port.macAddress,
        ipAddresses: port.fixedIps.map((f) => ({
          type: f.ipAddress.includes(':') ? 'IPV6' : 'IPV4',
          addresses: [f.ipAddress],
          isDynamic: true,
          subnetId: f.subnetId,
        })),
      },
    },
  ];
}

/** The group member resource whose nested stack is `stackId` (undefined for the top stack). */
function member(inv: StackInventory, stackId: string): InventoryResource | undefined {
  return inv.resources.find((r) => r.physicalId === stackId && r.stackId !== stackId);
}
