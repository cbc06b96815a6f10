// What `vnflcm registry check ID` reads from the store (src/lib/registry-check/targets.ts): the
// nodes the Kubernetes driver recorded, their SSH addresses and host key pins from
// instantiatedVnfInfo, the registries of the stored request; and the parsing of the node script's
// step lines (src/lib/registry-check/nodes.ts).
//
//   node --import tsx --test test/unit/registry-check-targets.test.ts
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addPackage } from '../../src/lib/lcm/packages.js';
import { parseStepLines } from '../../src/lib/registry-check/nodes.js';
import { instanceTargets } from '../../src/lib/registry-check/targets.js';
import { Store, type VnfInstanceRecord } from '../../src/lib/store/index.js';
import { ROOT } from '../helpers/cli.js';
import { instantiateVnfRequestSchema, type InstantiateVnfRequest } from '../../src/lib/params/schema.js';

let dir: string;
let store: Store;
let vnfdId: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vnflcm-regchk-targets-'));
  store = await Store.open(path.join(dir, 'home'));
  vnfdId = (await addPackage(store, path.join(ROOT, 'samples/kubernetes-cluster-vnf-package'))).record.vnfdId;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function k8sRequest(): InstantiateVnfRequest {
  return instantiateVnfRequestSchema.parse({
    flavourId: 'simple',
    additionalParams: {
      k8s_cluster_installation_param: {
        script_path: 'Scripts/install_k8s_cluster.sh',
        master_node: { aspect_id: 'master_instance', ssh_cp_name: 'masterNode_CP1', nic_cp_name: 'masterNode_CP1', username: 'mu', password: 'mp', cluster_cp_name: 'masterNode_CP1' },
        worker_node: { aspect_id: 'worker_instance', ssh_cp_name: 'workerNode_CP2', nic_cp_name: 'workerNode_CP2', username: 'wu', password: 'wp' },
        container_runtime: 'docker',
        private_registry_connection_info: [
          { connection_type: '0', server: '10.0.0.5:5000' },
          { connection_type: '1', server: 'reg.example.com', username: 'alice', password: 'pw', hosts_string: '10.0.0.6 reg.example.com' },
        ],
      },
    },
  });
}

const cp = (cpdId: string, ip: string) => ({ id: `cp-${ip}`, cpdId, cpProtocolInfo: [{ layerProtocol: 'IP_OVER_ETHERNET', ipOverEthernet: { ipAddresses: [{ type: 'IPV4', addresses: [ip] }] } }] });

async function instance(patch: Partial<VnfInstanceRecord>): Promise<VnfInstanceRecord> {
  const id = `inst-${Math.random().toString(36).slice(2, 10)}`;
  const rec: VnfInstanceRecord = {
    id,
    vnfInstanceName: id,
    vnfInstanceDescription: null,
    vnfdId,
    vnfPkgId: 'p',
    vnfProvider: 'x',
    vnfProductName: 'x',
    vnfSoftwareVersion: '1',
    vnfdVersion: '1',
    instantiationState: 'INSTANTIATED',
    vimConnectionInfo: [],
    createdAt: new Date().toISOString(),
    ...patch,
  };
  await store.createInstance(rec);
  return rec;
}

describe('registry check targets of an instance', () => {
  test('nodes: recorded names, SSH address of the ssh CP, the driver\'s host key pin, role credentials; registries resolved', async () => {
    const rec = await instance({
      internal: { request: k8sRequest() },
      metadata: {
        kubernetes: {
          nodes: [
            { name: 'master-aaaa1111', role: 'master', ip: '192.168.1.10', vnfcId: 'v-m' },
            { name: 'worker-bbbb2222', role: 'worker', ip: '192.168.1.11', vnfcId: 'v-w' },
          ],
        },
      },
      instantiatedVnfInfo: {
        vnfcResourceInfo: [
          { id: 'v-m', vduId: 'masterNode', computeResource: { resourceId: 'srv-m' }, vnfcCpInfo: [cp('masterNode_CP1', '172.16.0.10')] },
          { id: 'v-w', vduId: 'workerNode', computeResource: { resourceId: 'srv-w' }, vnfcCpInfo: [cp('workerNode_CP2', '172.16.0.11')] },
        ],
      },
    });
    const t = await instanceTargets(store, rec);
    assert.equal(t.runtime, 'docker');
    assert.deepEqual(t.nodes, [
      { name: 'master-aaaa1111', role: 'master', address: '172.16.0.10', hostKeyId: `${rec.id}/v-m/srv-m`, username: 'mu', password: 'mp' },
      { name: 'worker-bbbb2222', role: 'worker', address: '172.16.0.11', hostKeyId: `${rec.id}/v-w/srv-w`, username: 'wu', password: 'wp' },
    ]);
    assert.deepEqual(
      t.registries.map((r) => [r.server, r.secure, r.username ?? null, r.hostsLine ?? null]),
      [
        ['10.0.0.5:5000', false, null, null],
        ['reg.example.com', true, 'alice', '10.0.0.6 reg.example.com'],
      ],
    );
  });

  test('refusals: no cluster installed, not a Kubernetes VNF, no stored request', async () => {
    const noNodes = await instance({ internal: { request: k8sRequest() }, metadata: {} });
    await assert.rejects(instanceTargets(store, noNodes), /has no Kubernetes nodes recorded .* give the param file/);
    const registryVnf = await instance({ internal: { request: instantiateVnfRequestSchema.parse({ flavourId: 'simple', additionalParams: { private_registry_installation_param: { ssh_cp_name: 'CP1', ssh_username: 'u', ssh_password: 'p' } } }) } });
    await assert.rejects(instanceTargets(store, registryVnf), /is not a Kubernetes cluster VNF/);
    const fresh = await instance({ instantiationState: 'NOT_INSTANTIATED' });
    await assert.rejects(instanceTargets(store, fresh), /has no stored instantiate request/);
  });
});

describe('step lines of registry-check.py', () => {
  test('one row per step line; legacy check lines and noise ignored', () => {
    const out = [
      'noise',
      'check\tr:5000\tcontainerd\tok\tlegacy line',
      'step\tr:5000\tcontainerd\tdns\tok\tr -> 10.0.0.5\t',
      'step\treg\tdocker\ttls\tFAIL\tnot trusted\tre-run heal',
      'step\treg\tdocker\tlogin\tskip\tafter the failed tls check\t',
    ].join('\n');
    assert.deepEqual(parseStepLines('worker-1', out), [
      { node: 'worker-1', registry: 'r:5000', via: 'containerd', check: 'dns', result: 'ok', detail: 'r -> 10.0.0.5', hint: '' },
      { node: 'worker-1', registry: 'reg', via: 'docker', check: 'tls', result: 'FAIL', detail: 'not trusted', hint: 're-run heal' },
      { node: 'worker-1', registry: 'reg', via: 'docker', check: 'login', result: 'skip', detail: 'after the failed tls check', hint: '' },
    ]);
  });
});
