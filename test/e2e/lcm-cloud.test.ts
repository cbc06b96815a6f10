/**
 * The cloud side of instantiate/heal/scale/terminate against the real OpenStack of test/env:
 * Heat stacks, Nova servers, Neutron ports, Glance images. The packages are hook-less copies of the
 * samples, so no SSH provisioning runs here (the driver tests cover that).
 */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { addImageArtifact, hooklessCopy, K8S_PKG, REGISTRY_PKG, SAMPLES } from '../helpers/packages.js';
import { openCloud, resolveCloudConfig, type Cloud } from '../../src/lib/openstack/index.js';

const REG_ID = 'aaaa0001-0000-4000-8000-000000000001';
const K8S_ID = 'aaaa0002-0000-4000-8000-000000000002';

interface Vnfc {
  id: string;
  vduId: string;
  computeResource: { resourceId: string };
  vnfcCpInfo: Array<{ cpdId: string; cpProtocolInfo: Array<{ ipOverEthernet?: { ipAddresses: Array<{ addresses: string[] }> } }> }>;
}
interface VnfInfo {
  vnfcResourceInfo: Vnfc[];
  scaleStatus?: Array<{ aspectId: string; scaleLevel: number }>;
  vnfVirtualLinkResourceInfo: Array<{ vnfLinkPorts: Array<{ resourceHandle: { resourceId: string } }> }>;
  extCpInfo: Array<{ cpdId: string; associatedVnfcCpId: string }>;
}

function ipOf(v: Vnfc): string | undefined {
  return v.vnfcCpInfo[0]?.cpProtocolInfo[0]?.ipOverEthernet?.ipAddresses[0]?.addresses[0];
}

describe('LCM against the real OpenStack', { timeout: 30 * 60_000 }, () => {
  let facts: EnvFacts;
  let env: NodeJS.ProcessEnv;
  let cloud: Cloud;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-lcm-'));
  const instances: string[] = [];

  const cli = (args: string[], timeoutMs = 600_000): Promise<CliResult> => runCli(args, { home, env, timeoutMs });
  const ok = async (args: string[], timeoutMs?: number): Promise<CliResult> => {
    const r = await cli(args, timeoutMs);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r;
  };
  const info = async (id: string): Promise<VnfInfo> =>
    JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiated Vnf Info'])).stdout)['Instantiated Vnf Info'] as VnfInfo;
  const create = async (vnfd: string): Promise<string> => {
    const id = (await ok(['create', vnfd, '-f', 'value', '-c', 'ID'])).stdout.trim();
    instances.push(id);
    return id;
  };
  const paramFile = (name: string, sample: string, edit: (p: Record<string, unknown>) => void): string => {
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, sample));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    edit(p);
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(p, null, 2));
    return file;
  };

  before(async () => {
    facts = ensureEnv();
    env = cloudEnv(facts);
    cloud = await openCloud(resolveCloudConfig({}, { env: { ...process.env, ...env } }), { tokenCache: false });
    const reg = hooklessCopy(REGISTRY_PKG, ['Definitions/sample_vnfd_df_simple.yaml'], REG_ID, 'Definitions/sample_vnfd_top.yaml');
    addImageArtifact(reg, 'Definitions/sample_vnfd_df_simple.yaml', 'PrivateRegistryVDU');
    await ok(['package', 'add', reg]);
    const k8s = hooklessCopy(
      K8S_PKG,
      ['Definitions/sample_kubernetes_df_simple.yaml', 'Definitions/sample_kubernetes_df_complex.yaml'],
      K8S_ID,
      'Definitions/sample_kubernetes_top.vnfd.yaml',
    );
    await ok(['package', 'add', k8s]);
  });

  after(async () => {
    for (const id of instances) {
      await cli(['terminate', id, '--D', '-q']);
    }
  });

  test('registry VNF: instantiate, heal a VNFC, heal entire, terminate (stack and image gone)', async () => {
    const id = await create(REG_ID);
    const params = paramFile('reg.json', 'private_registry_param_file.json', () => undefined);
    const inst = await ok(['instantiate', id, params, '-q']);
    assert.match(inst.stdout, new RegExp(`^Instantiate request for VNF Instance ${id} has been accepted\\.\\n`));
    assert.match(inst.stdout, /Instantiate of VNF Instance .* completed in \d+ s \(operation [0-9a-f-]+\)\.\n$/);

    const state = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiation State'])).stdout) as Record<string, string>;
    assert.equal(state['Instantiation State'], 'INSTANTIATED');
    const v1 = await info(id);
    assert.equal(v1.vnfcResourceInfo.length, 1);
    const vnfc = v1.vnfcResourceInfo[0] as Vnfc;
    const server = await cloud.nova.getServer(vnfc.computeResource.resourceId);
    assert.equal(server.status, 'ACTIVE');
    const portId = v1.vnfVirtualLinkResourceInfo[0]?.vnfLinkPorts[0]?.resourceHandle.resourceId ?? '';
    const port = await cloud.neutron.getPort(portId);
    assert.equal(port.device_id, server.id);
    assert.equal(v1.extCpInfo[0]?.associatedVnfcCpId, vnfc.id);
    const ip = ipOf(vnfc);
    assert.equal(ip, port.fixed_ips[0]?.ip_address);
    const stack1 = await cloud.heat.findStack(`vnf-${id}`);
    assert.ok(stack1);
    const images = await cloud.glance.listImages({ tag: 'vnflcm' });
    const mine = images.filter((i) => (i.name ?? "").endsWith(id.slice(0, 8)));
    assert.equal(mine.length, 1, 'the package image was uploaded to Glance');

    // VNFC heal: new server, same port and IP, same vnfcResourceInfo id.
    const heal = await ok(['heal', id, '--vnfc-instance', vnfc.id, '-q']);
    assert.match(heal.stdout, new RegExp(`^Heal request for VNF Instance ${id} has been accepted\\.`));
    const v2 = await info(id);
    const healed = v2.vnfcResourceInfo[0] as Vnfc;
    assert.equal(healed.id, vnfc.id);
    assert.notEqual(healed.computeResource.resourceId, vnfc.computeResource.resourceId);
    assert.equal(ipOf(healed), ip);

    // Entire heal: a new stack, new ids.
    await ok(['heal', id, '-q']);
    const stack2 = await cloud.heat.findStack(`vnf-${id}`);
    assert.ok(stack2 && stack2.id !== stack1.id, 'entire heal re-creates the stack');
    const v3 = await info(id);
    assert.notEqual(v3.vnfcResourceInfo[0]?.id, vnfc.id);

    const ops = JSON.parse((await ok(['op', 'list', '-f', 'json'])).stdout) as Array<Record<string, string>>;
    const mineOps = ops.filter((o) => o['VNF Instance ID'] === id);
    assert.deepEqual(mineOps.map((o) => [o.Operation, o['Operation State']]), [
      ['INSTANTIATE', 'COMPLETED'],
      ['HEAL', 'COMPLETED'],
      ['HEAL', 'COMPLETED'],
    ]);

    const term = await ok(['terminate', id, '-q']);
    assert.match(term.stdout, new RegExp(`^Terminate request for VNF Instance '${id}' has been accepted\\.`));
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
    const left = (await cloud.glance.listImages({ tag: 'vnflcm' })).filter((i) => (i.name ?? "").endsWith(id.slice(0, 8)));
    assert.deepEqual(left, [], 'uploaded images are deleted on terminate');
    const shown = JSON.parse((await ok(['show', id, '-f', 'json'])).stdout) as Record<string, unknown>;
    assert.equal(shown['Instantiation State'], 'NOT_INSTANTIATED');
    assert.equal('Instantiated Vnf Info' in shown, false);
  });

  test('Kubernetes VNF (simple): instantiate, scale out/in within limits, terminate', async () => {
    const id = await create(K8S_ID);
    const params = paramFile('k8s.json', 'private_registry_kubernetes_param_file.json', () => undefined);
    await ok(['instantiate', id, params, '-q']);
    const v1 = await info(id);
    const count = (v: VnfInfo, vdu: string) => v.vnfcResourceInfo.filter((x) => x.vduId === vdu).length;
    assert.equal(count(v1, 'masterNode'), 1);
    assert.equal(count(v1, 'workerNode'), 2);
    assert.deepEqual(v1.scaleStatus, [
      { aspectId: 'master_instance', scaleLevel: 0 },
      { aspectId: 'worker_instance', scaleLevel: 0 },
    ]);

    const out = await ok(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance', '--number-of-steps', '2', '-q']);
    assert.match(out.stdout, new RegExp(`^Scale request for VNF Instance ${id} has been accepted\\.`));
    const v2 = await info(id);
    assert.equal(count(v2, 'workerNode'), 4);
    assert.equal(v2.scaleStatus?.find((s) => s.aspectId === 'worker_instance')?.scaleLevel, 2);
    const workersBefore = v2.vnfcResourceInfo.filter((x) => x.vduId === 'workerNode');
    for (const w of v1.vnfcResourceInfo) assert.ok(v2.vnfcResourceInfo.some((x) => x.id === w.id), 'existing VNFC ids survive a scale out');

    const past = await cli(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance', '-q']);
    assert.equal(past.code, 1);
    assert.match(past.stderr, /exceeds max_scale_level 2/);

    await ok(['scale', id, '--type', 'SCALE_IN', '--aspect-id', 'worker_instance', '-q']);
    const v3 = await info(id);
    assert.equal(count(v3, 'workerNode'), 3);
    const removed = workersBefore.filter((w) => !v3.vnfcResourceInfo.some((x) => x.id === w.id));
    assert.equal(removed.length, 1);
    assert.ok(
      v1.vnfcResourceInfo.some((x) => x.id === removed[0]?.id),
      'SCALE_IN removed one of the oldest workers',
    );

    const wrong = await cli(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'nope', '-q']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Aspect nope is not a scaling aspect of flavour simple/);
    await ok(['terminate', id, '--D', '-q']);
    instances.splice(instances.indexOf(id), 1);
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
  });

  test('a Heat failure ends FAILED_TEMP with Heat\'s reason; after op fail, terminate cleans the failed stack up', async () => {
    const id = await create(REG_ID);
    const params = paramFile('bad-ip.json', 'private_registry_param_file.json', (p) => {
      const vl = (p.extVirtualLinks as Array<{ extCps: Array<{ cpConfig: Array<{ cpProtocolData: Array<Record<string, unknown>> }> }> }>)[0];
      const pd = vl?.extCps[0]?.cpConfig[0]?.cpProtocolData[0];
      if (pd) pd.ipOverEthernet = { ipAddresses: [{ type: 'IPV4', fixedAddresses: ['192.168.99.5'] }] };
    });
    const r = await cli(['instantiate', id, params, '-q']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Instantiate of VNF Instance .* failed \(operation ([0-9a-f-]+) is FAILED_TEMP\): .*(IP address|in use|already)/is);
    const opId = /operation ([0-9a-f-]{36})/.exec(r.stderr)?.[1] ?? '';
    const op = JSON.parse((await ok(['op', 'show', opId, '-f', 'json'])).stdout) as Record<string, unknown>;
    assert.equal(op['Operation State'], 'FAILED_TEMP');
    assert.match(JSON.stringify(op.Error), /CREATE_FAILED|IP address|in use/);

    // The failed stack is not leaked: delete refuses while it exists, terminate removes it.
    assert.ok(await cloud.heat.findStack(`vnf-${id}`), 'the failed stack is still there');
    const del = await cli(['delete', id]);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /in status ERROR\. Cannot delete while the vnf is in this state\./);
    await ok(['op', 'fail', opId]);
    const del2 = await cli(['delete', id]);
    assert.equal(del2.code, 1);
    assert.match(del2.stderr, /still has stack vnf-.* from a failed instantiate\. Run 'vnflcm terminate/);
    await ok(['terminate', id, '--D', '-q']);
    instances.splice(instances.indexOf(id), 1);
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
  });

  test('heal and terminate of a NOT_INSTANTIATED instance are refused with Tacker\'s wording', async () => {
    const id = await create(REG_ID);
    const r = await cli(['heal', id]);
    assert.deepEqual([r.code, r.stderr], [1, `Vnf instance ${id} in instantiation_state NOT_INSTANTIATED. Cannot heal while the vnf instance is in this state.\n`]);
  });

  test('bad credentials and an unknown cloud give the openstackclient messages', async () => {
    const id = await create(REG_ID);
    const params = paramFile('reg2.json', 'private_registry_param_file.json', () => undefined);
    const bad = await runCli(['instantiate', id, params, '--os-password', 'wrong'], { home, env });
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /^The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\)\n$/);
    const nope = await runCli(['instantiate', id, params], { home, env: { ...env, OS_CLOUD: 'nope' } });
    assert.deepEqual([nope.code, nope.stderr], [4, 'Cloud nope was not found.\n']);
  });
});
