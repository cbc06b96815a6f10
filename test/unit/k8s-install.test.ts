// The Kubernetes driver's side of the install script (config, output, overrides), the node
// bundle (tar + manifest), etcd member parsing, and the refusals that happen before any SSH.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordingProgress } from '../../src/lib/lcm/progress.js';
import { etcdMemberId } from '../../src/lib/mgmt/kubernetes/op-remove.js';
import { createKubernetesDriver } from '../../src/lib/mgmt/kubernetes/driver.js';
import { createHarnessInstance, harnessContext, vnfcFor, type HarnessOptions } from '../helpers/k8s-harness.js';
import {
  endpointOf,
  joinInfoFrom,
  loadScriptOverrides,
  newBootstrapToken,
  newCertificateKey,
  parseKeyValueFile,
  parseScriptOutput,
  renderScriptConfig,
} from '../../src/lib/mgmt/kubernetes/install.js';
import { parseCheckLines } from '../../src/lib/mgmt/kubernetes/node-ops.js';
import type { VnfPackage } from '../../src/lib/package/model.js';
import { readPackage } from '../../src/lib/package/reader.js';
import { Store } from '../../src/lib/store/index.js';

const SAMPLE = fileURLToPath(new URL('../../samples/kubernetes-cluster-vnf-package/', import.meta.url));
const dirs: string[] = [];
const tmp = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('install script config and output', () => {
  it('KEY=VALUE lines; empty values left out; no line breaks', () => {
    assert.equal(renderScriptConfig({ MODE: 'init', NODE_IP: '10.0.0.1', HTTP_PROXY: undefined, NO_PROXY: '' }), '# vnflcm: install_k8s_cluster.sh configuration\nMODE=init\nNODE_IP=10.0.0.1\n');
    assert.throws(() => renderScriptConfig({ NODE_NAME: 'a\nMODE=join-worker' }), /cannot contain a line break/);
  });

  it('the script\'s key:value output; log lines ignored; join data checked', () => {
    const out = parseScriptOutput('status:installed\nsome log\napi_server:https://10.0.0.1:6443\njoin_token:abcdef.0123456789abcdef\nca_cert_hash:sha256:aa\ncertificate_key:bb\n');
    assert.equal(out.status, 'installed');
    assert.deepEqual(joinInfoFrom(out, 'x'), { apiServer: 'https://10.0.0.1:6443', token: 'abcdef.0123456789abcdef', caCertHash: 'sha256:aa', certificateKey: 'bb' });
    assert.throws(() => joinInfoFrom({ api_server: 'https://x' }, 'init on m'), /init on m: the install script printed no join_token, ca_cert_hash, certificate_key/);
    assert.equal(endpointOf('https://10.0.0.100:16443'), '10.0.0.100:16443');
  });

  it('tokens and certificate keys in kubeadm\'s formats', () => {
    for (let i = 0; i < 20; i++) assert.match(newBootstrapToken(), /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.match(newCertificateKey(), /^[0-9a-f]{64}$/);
  });

  it('the package overrides file: allowed keys only, quotes removed, CNI manifest from the package', async () => {
    assert.deepEqual(parseKeyValueFile('# c\nKUBERNETES_VERSION="1.29.3"\n\nSANDBOX_IMAGE=r/p:3.9\n', 'f', ['KUBERNETES_VERSION', 'SANDBOX_IMAGE']), {
      KUBERNETES_VERSION: '1.29.3',
      SANDBOX_IMAGE: 'r/p:3.9',
    });
    assert.throws(() => parseKeyValueFile('MODE=init\n', 'Scripts/x.conf', ['SANDBOX_IMAGE']), /Scripts\/x\.conf:1: MODE cannot be set here/);
    assert.throws(() => parseKeyValueFile('lower=1\n', 'f', []), /f:1: expected KEY=VALUE/);
    const root = tmp('k8s-ov-');
    cpSync(SAMPLE, root, { recursive: true });
    assert.deepEqual(await loadScriptOverrides(root, 'Scripts/install_k8s_cluster.sh'), { values: {} });
    writeFileSync(join(root, 'Scripts/install_k8s_cluster.conf'), 'CNI_MANIFEST=Definitions/sample_kubernetes_top.vnfd.yaml\nK8S_APT_REPO=https://mirror.local/k8s/\n');
    const ov = await loadScriptOverrides(root, 'Scripts/install_k8s_cluster.sh');
    assert.equal(ov.file, 'Scripts/install_k8s_cluster.conf');
    assert.ok(ov.cniLocalFile?.endsWith('Definitions/sample_kubernetes_top.vnfd.yaml'));
    writeFileSync(join(root, 'Scripts/install_k8s_cluster.conf'), 'CNI_MANIFEST=Files/none.yaml\n');
    await assert.rejects(loadScriptOverrides(root, 'Scripts/install_k8s_cluster.sh'), /CNI_MANIFEST Files\/none\.yaml: no such file/);
    writeFileSync(join(root, 'Scripts/install_k8s_cluster.conf'), 'CNI_MANIFEST=https://example.com/calico.yaml\n');
    assert.equal((await loadScriptOverrides(root, 'Scripts/install_k8s_cluster.sh')).cniLocalFile, undefined);
  });
});

describe('registry check output', () => {
  it('registry check lines', () => {
    assert.deepEqual(parseCheckLines('noise\ncheck\tr:5000\tcontainerd\tok\tpulls via http://r:5000\ncheck\treg\tdocker\tfail\tno CA\n'), [
      { server: 'r:5000', view: 'containerd', ok: true, detail: 'pulls via http://r:5000' },
      { server: 'reg', view: 'docker', ok: false, detail: 'no CA' },
    ]);
  });
});

describe('etcd member list', () => {
  it('finds the member id by the node name (exact match)', () => {
    const list = '8e9e05c52164694d, started, master-aaaa1111, https://10.0.0.1:2380, https://10.0.0.1:2379, false\n91bc3c398fb3c146, started, master-aaaa11112, https://10.0.0.2:2380, https://10.0.0.2:2379, false\n';
    assert.equal(etcdMemberId(list, 'master-aaaa1111'), '8e9e05c52164694d');
    assert.equal(etcdMemberId(list, 'master-aaaa11112'), '91bc3c398fb3c146');
    assert.equal(etcdMemberId(list, 'master-x'), undefined);
    assert.equal(etcdMemberId('', 'master-x'), undefined);
  });
});

// ------------------------------------------------------------------------------------ refusals before SSH

describe('driver refusals (no VM is contacted)', () => {
  let pkg: VnfPackage;
  before(async () => {
    const root = tmp('k8s-pkg-');
    cpSync(SAMPLE, root, { recursive: true });
    const script = readFileSync(join(root, 'Scripts/install_k8s_cluster.sh'));
    const meta = join(root, 'TOSCA-Metadata/TOSCA.meta');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^Hash: .*$/m, `Hash: ${createHash('sha256').update(script).digest('hex')}`));
    pkg = await readPackage(root);
  });

  const request = (clusterCp = 'masterNode_CP1') => ({
    flavourId: 'simple',
    additionalParams: {
      k8s_cluster_installation_param: {
        script_path: 'Scripts/install_k8s_cluster.sh',
        master_node: { aspect_id: 'master_instance', ssh_cp_name: 'masterNode_CP1', nic_cp_name: 'masterNode_CP1', username: 'u', password: 'p', cluster_cp_name: clusterCp },
        worker_node: { aspect_id: 'worker_instance', ssh_cp_name: 'workerNode_CP2', nic_cp_name: 'workerNode_CP2', username: 'u', password: 'p' },
      },
    },
  });

  async function opts(req: Record<string, unknown>, vnfcs: ReturnType<typeof vnfcFor>[]): Promise<HarnessOptions> {
    const store = await Store.open(tmp('k8s-store-'));
    const instanceId = 'inst-refusals';
    await createHarnessInstance({ store, pkg, instanceId });
    return { store, pkg, flavourId: 'simple', instanceId, request: req, vnfcs: () => vnfcs, progress: recordingProgress(), logFile: join(tmp('k8s-log-'), 'op.log') };
  }

  // unroutable addresses: a test that tried SSH would hang and time out instead of passing
  const master = vnfcFor('masterNode', 'masterNode_CP1', '192.0.2.1', '2024-01-01T00:00:00Z');
  const master2 = vnfcFor('masterNode', 'masterNode_CP1', '192.0.2.2', '2024-01-01T00:00:01Z');
  const worker = vnfcFor('workerNode', 'workerNode_CP2', '192.0.2.3', '2024-01-01T00:00:02Z');

  it('heal of the only master: refused, telling to heal the entire VNF', async () => {
    const o = await opts(request(), [master, worker]);
    await assert.rejects(
      async () => createKubernetesDriver().heal_start?.(await harnessContext('heal_start', o, { heal: { entire: false, vnfcIds: [master.id] } })),
      /master-[0-9a-f]{8} is the only master node.*Heal the entire VNF instead/s,
    );
  });

  it('several masters without a VIP port: refused before any install', async () => {
    const o = await opts(request(), [master, master2, worker]);
    await assert.rejects(async () => createKubernetesDriver().instantiate_end?.(await harnessContext('instantiate_end', o)), /2 master nodes need a virtual IP.*vip_CP/s);
  });

  it('a VIP port the stack does not have: refused', async () => {
    const o = await opts(request('vip_CP'), [master, master2, worker]);
    await assert.rejects(async () => createKubernetesDriver().instantiate_end?.(await harnessContext('instantiate_end', o)), /cluster_cp_name "vip_CP" is neither a CP of the master VDU nor a port of the stack/);
  });

  it('scaling the master aspect of a cluster without VIP: refused at scale_start', async () => {
    const o = await opts(request(), [master, worker]);
    await assert.rejects(
      async () =>
        createKubernetesDriver().scale_start?.(
          await harnessContext('scale_start', o, { scale: { type: 'SCALE_OUT', aspectId: 'master_instance', steps: 1, removed: [], added: [] } }),
        ),
      /scales the master nodes, but this cluster has a single API endpoint/,
    );
  });

  it('terminate_end / heal_start (entire) without a registered VIM: nothing to do, no error', async () => {
    const o = await opts(request(), [master, worker]);
    await createKubernetesDriver().terminate_end?.(await harnessContext('terminate_end', o));
    await createKubernetesDriver().heal_start?.(await harnessContext('heal_start', o, { heal: { entire: true, vnfcIds: [] } }));
    assert.ok((o.progress as ReturnType<typeof recordingProgress>).lines.some((l) => l.includes('no VIM named kubernetes_vim_inst-refusals')));
  });
});
