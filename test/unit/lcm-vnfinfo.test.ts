/**
 * instantiatedVnfInfo assembly and the Heat stack spec, replayed on stack inventories recorded from
 * the real OpenStack of test/env (test/fixtures/lcm/record.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { buildStackSpec, levelScale, nfvParameter, vduCount, type ResolvedInputs } from '../../src/lib/lcm/heat-template.js';
import { membersToRemove } from '../../src/lib/lcm/scale.js';
import { buildVnfInfo, type StackInventory, type VnfInfoInputs } from '../../src/lib/lcm/vnf-info.js';
import type { Flavour, VnfPackage } from '../../src/lib/package/model.js';
import { readPackage } from '../../src/lib/package/reader.js';
import { ROOT } from '../helpers/cli.js';
import { K8S_PKG, REGISTRY_PKG } from '../helpers/packages.js';

const fixture = (name: string): StackInventory =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'lcm', `${name}.json`), 'utf8')) as StackInventory;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function ext(cp: string, id: string) {
  return { id, resourceId: 'net-uuid', extCps: [{ cpdId: cp, cpConfig: [{ cpProtocolData: [{ layerProtocol: 'IP_OVER_ETHERNET' }] }] }] };
}

describe('instantiatedVnfInfo', () => {
  let reg: VnfPackage;
  let k8s: VnfPackage;
  before(async () => {
    reg = await readPackage(REGISTRY_PKG);
    k8s = await readPackage(K8S_PKG);
  });

  test('registry: the guide\'s shape, with real server and port ids and the port\'s address', () => {
    const inv = fixture('registry-inventory');
    const request: VnfInfoInputs['request'] = {
      flavourId: 'simple',
      extVirtualLinks: [ext('CP1', 'net0')],
      additionalParams: { private_registry_installation_param: { ssh_cp_name: 'CP1' } },
    };
    const r = buildVnfInfo({ flavour: reg.flavours.simple as Flavour, request, inventory: inv, vimId: 'vim-1', scaleLevels: {}, previous: [] });
    const info = r.info as Record<string, unknown>;
    assert.deepEqual(Object.keys(info), [
      'flavourId', 'vnfState', 'extCpInfo', 'extVirtualLinkInfo', 'vnfcResourceInfo', 'vnfVirtualLinkResourceInfo', 'vnfcInfo', 'additionalParams',
    ]);
    const server = inv.resources.find((x) => x.type === 'OS::Nova::Server');
    const port = inv.resources.find((x) => x.type === 'OS::Neutron::Port');
    const vnfc = (info.vnfcResourceInfo as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    assert.match(vnfc.id as string, UUID);
    assert.equal(vnfc.vduId, 'PrivateRegistryVDU');
    assert.deepEqual(vnfc.computeResource, { vimConnectionId: 'vim-1', resourceId: server?.physicalId, vimLevelResourceType: 'OS::Nova::Server' });
    assert.deepEqual(vnfc.storageResourceIds, []);
    const cp = (vnfc.vnfcCpInfo as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    assert.equal(cp.cpdId, 'CP1');
    assert.equal(cp.vnfExtCpId, null);
    const address = (inv.ports[port?.physicalId ?? ''] as StackInventory['ports'][string]).fixedIps[0]?.ipAddress;
    assert.deepEqual(cp.cpProtocolInfo, [
      {
        layerProtocol: 'IP_OVER_ETHERNET',
        ipOverEthernet: {
          macAddress: inv.ports[port?.physicalId ?? '']?.macAddress,
          ipAddresses: [{ type: 'IPV4', addresses: [address], isDynamic: true, subnetId: inv.ports[port?.physicalId ?? '']?.fixedIps[0]?.subnetId }],
        },
      },
    ]);
    const extCp = (info.extCpInfo as Array<Record<string, unknown>>)[0];
    assert.deepEqual(
      { cpdId: extCp?.cpdId, extLinkPortId: extCp?.extLinkPortId, associatedVnfcCpId: extCp?.associatedVnfcCpId, cpProtocolInfo: extCp?.cpProtocolInfo },
      { cpdId: 'CP1', extLinkPortId: null, associatedVnfcCpId: vnfc.id, cpProtocolInfo: [{ layerProtocol: 'IP_OVER_ETHERNET' }] },
    );
    assert.deepEqual(info.extVirtualLinkInfo, [{ id: 'net0', resourceHandle: { vimConnectionId: 'vim-1', resourceId: 'net-uuid', vimLevelResourceType: null } }]);
    const vl = (info.vnfVirtualLinkResourceInfo as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    assert.equal(vl.vnfVirtualLinkDescId, 'net0');
    assert.deepEqual(vl.vnfLinkPorts, [
      { id: cp.vnfLinkPortId, resourceHandle: { vimConnectionId: 'vim-1', resourceId: port?.physicalId, vimLevelResourceType: 'OS::Neutron::Port' }, cpInstanceId: cp.id },
    ]);
    assert.deepEqual(info.vnfcInfo, [{ id: r.identities[0]?.vnfcInfoId, vduId: 'PrivateRegistryVDU', vnfcState: 'STARTED' }]);
    assert.deepEqual(r.vnfcs[0]?.addresses.CP1, { ip: address, portId: port?.physicalId });
  });

  test('a refresh keeps VNFC ids; a healed server changes only computeResource', () => {
    const inv = fixture('registry-inventory');
    const request = { flavourId: 'simple', extVirtualLinks: [ext('CP1', 'net0')] };
    const flavour = reg.flavours.simple as Flavour;
    const first = buildVnfInfo({ flavour, request, inventory: inv, vimId: null, scaleLevels: {}, previous: [] });
    const healed: StackInventory = structuredClone(inv);
    const srv = healed.resources.find((x) => x.type === 'OS::Nova::Server');
    if (srv) srv.physicalId = '11111111-2222-4333-8444-555555555555';
    const second = buildVnfInfo({ flavour, request, inventory: healed, vimId: null, scaleLevels: {}, previous: first.identities, previousIds: first.ids });
    const a = (first.info.vnfcResourceInfo as Array<Record<string, unknown>>)[0];
    const b = (second.info.vnfcResourceInfo as Array<Record<string, unknown>>)[0];
    assert.equal(b?.id, a?.id);
    assert.deepEqual(b?.vnfcCpInfo, a?.vnfcCpInfo);
    assert.equal((b?.computeResource as { resourceId: string }).resourceId, '11111111-2222-4333-8444-555555555555');
    assert.deepEqual(second.info.extCpInfo, first.info.extCpInfo);
    const fresh = buildVnfInfo({ flavour, request, inventory: healed, vimId: null, scaleLevels: {}, previous: [] });
    assert.notEqual((fresh.info.vnfcResourceInfo as Array<{ id: string }>)[0]?.id, a?.id, 'entire heal: new ids');
  });

  test('k8s simple: one master, two workers, scale status; a scale out adds a VNFC and keeps the others', () => {
    const flavour = k8s.flavours.simple as Flavour;
    const request = { flavourId: 'simple', extVirtualLinks: [ext('masterNode_CP1', 'net0_master'), ext('workerNode_CP2', 'net0_worker')] };
    const r1 = buildVnfInfo({ flavour, request, inventory: fixture('k8s-simple-inventory'), vimId: null, scaleLevels: levelScale(flavour, undefined), previous: [] });
    const vdus = (r1.info.vnfcResourceInfo as Array<{ vduId: string }>).map((v) => v.vduId);
    assert.deepEqual(vdus, ['masterNode', 'workerNode', 'workerNode']);
    assert.deepEqual(r1.info.scaleStatus, [
      { aspectId: 'master_instance', scaleLevel: 0 },
      { aspectId: 'worker_instance', scaleLevel: 0 },
    ]);
    assert.ok(r1.vnfcs.every((v) => v.memberName && v.stackId !== fixture('k8s-simple-inventory').stackId), 'VNFCs live in member stacks');
    const r2 = buildVnfInfo({
      flavour, request, inventory: fixture('k8s-simple-scaled-inventory'), vimId: null,
      scaleLevels: { master_instance: 0, worker_instance: 1 }, previous: r1.identities, previousIds: r1.ids,
    });
    const ids1 = new Set(r1.vnfcs.map((v) => v.id));
    const added = r2.vnfcs.filter((v) => !ids1.has(v.id));
    assert.equal(added.length, 1);
    assert.equal(added[0]?.vduId, 'workerNode');
    assert.equal(r2.vnfcs.length, 4);
    const workers = (r2.info.vnfVirtualLinkResourceInfo as Array<{ vnfVirtualLinkDescId: string; vnfLinkPorts: unknown[] }>).find((l) => l.vnfVirtualLinkDescId === 'net0_worker');
    assert.equal(workers?.vnfLinkPorts.length, 3);
    // SCALE_IN removes the oldest worker member (the order Heat uses).
    const oldest = membersToRemove(r2.vnfcs, ['workerNode'], 1);
    assert.equal(oldest.length, 1);
    assert.ok(ids1.has(oldest[0]?.id ?? ''), 'not the newly added one');
  });
});

describe('Heat stack spec', () => {
  test('BaseHOT: template and nested files as they are, nfv parameter from the VNFD and the request', async () => {
    const k8s = await readPackage(K8S_PKG);
    const flavour = k8s.flavours.simple as Flavour;
    const inputs: ResolvedInputs = {
      images: { masterNode: 'img-1', workerNode: 'img-1' },
      flavors: { masterNode: 'm1.medium', workerNode: 'm1.medium' },
      cps: { masterNode_CP1: { network: 'net-1', fixedIps: [] }, workerNode_CP2: { network: 'net-1', fixedIps: [{ subnet: 'sub-1' }] } },
      scaleLevels: levelScale(flavour, 'instantiation_level_2'),
    };
    const spec = await buildStackSpec(k8s, flavour, inputs);
    assert.equal(typeof spec.template, 'string');
    assert.ok(Object.keys(spec.files).includes('simple_nested_master.yaml'));
    assert.deepEqual(spec.parameters, {
      nfv: {
        VDU: {
          masterNode: { desired_capacity: 3, flavor: 'm1.medium', image: 'img-1' },
          workerNode: { desired_capacity: 4, flavor: 'm1.medium', image: 'img-1' },
        },
        CP: {
          masterNode_CP1: { network: 'net-1', fixed_ips: [] },
          workerNode_CP2: { network: 'net-1', fixed_ips: [{ subnet: 'sub-1' }] },
        },
      },
    });
    const top = parse(spec.template as string) as { resources: Record<string, { properties: Record<string, unknown> }> };
    assert.deepEqual(top.resources.worker_instance?.properties.desired_capacity, { get_param: ['nfv', 'VDU', 'workerNode', 'desired_capacity'] });
    assert.equal(vduCount(flavour, 'workerNode', { worker_instance: 1 }), 3);
    assert.deepEqual(nfvParameter(flavour, { ...inputs, scaleLevels: {} }).VDU, {
      masterNode: { desired_capacity: 1, flavor: 'm1.medium', image: 'img-1' },
      workerNode: { desired_capacity: 2, flavor: 'm1.medium', image: 'img-1' },
    });
  });

  test('no BaseHOT: a generated HOT with a server and a port per CP (fixed IP, generated flavor)', async () => {
    const reg = await readPackage(REGISTRY_PKG);
    const flavour = reg.flavours.simple as Flavour;
    const spec = await buildStackSpec(reg, flavour, {
      images: { PrivateRegistryVDU: 'img-2' },
      flavors: { PrivateRegistryVDU: undefined },
      cps: { CP1: { network: 'net-2', fixedIps: [{ ip_address: '10.0.0.5', subnet: 'sub-2' }], macAddress: 'fa:16:3e:00:00:01' } },
      scaleLevels: {},
    });
    assert.deepEqual(spec.template, {
      heat_template_version: '2016-10-14',
      description: 'Generated by vnflcm for flavour simple',
      resources: {
        CP1: { type: 'OS::Neutron::Port', properties: { network: 'net-2', fixed_ips: [{ ip_address: '10.0.0.5', subnet: 'sub-2' }], mac_address: 'fa:16:3e:00:00:01' } },
        PrivateRegistryVDU_flavor: { type: 'OS::Nova::Flavor', properties: { vcpus: 1, ram: 2048, disk: 20 } },
        PrivateRegistryVDU: {
          type: 'OS::Nova::Server',
          properties: { name: 'PrivateRegistryVDU', flavor: { get_resource: 'PrivateRegistryVDU_flavor' }, image: 'img-2', networks: [{ port: { get_resource: 'CP1' } }] },
        },
      },
      outputs: {},
    });
    await assert.rejects(
      buildStackSpec(reg, flavour, { images: { PrivateRegistryVDU: 'i' }, flavors: {}, cps: {}, scaleLevels: {} }),
      /CP CP1 of VDU PrivateRegistryVDU has no network: add an extVirtualLinks entry with an extCps cpdId "CP1"/,
    );
  });
});
