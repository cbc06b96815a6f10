/**
 * A failed or interrupted operation leaves the operator in control, on the real OpenStack of
 * test/env with real provisioning: an instantiate killed with SIGKILL in the middle of the
 * provisioning hook is found FAILED_TEMP and `op retry` completes it skipping the finished stack;
 * `op rollback` of a failed instantiate leaves no stack and no image; `op fail` frees the instance
 * for terminate; a wrong region is refused before anything is recorded; SIGINT records where it
 * stopped and exits 130; a scale of a VNF whose package ships its image uploads nothing and
 * changes no server image.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, ROOT, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { addImageArtifact, hooklessCopy, K8S_PKG, REGISTRY_PKG, REGISTRY_VNFD, SAMPLES } from '../helpers/packages.js';
import { openCloud, resolveCloudConfig, type Cloud } from '../../src/lib/openstack/index.js';

const REG_IMG_ID = 'aaaa0009-0000-4000-8000-000000000009';
const K8S_IMG_ID = 'aaaa0010-0000-4000-8000-000000000010';

interface Op {
  ID: string;
  'Operation State': string;
  'VNF Instance ID': string;
  Operation: string;
}

/** True once an occurrence in the store records a running step that `match` accepts. */
/** A step of an operation of `instanceId` (other tests' occurrences in the same store do not count). */
function stepRunning(home: string, instanceId: string, match: (s: { node: string; name: string }) => boolean): boolean {
  let names: string[];
  try {
    names = readdirSync(join(home, 'ops')).filter((n) => n.endsWith('.json'));
  } catch {
    return false;
  }
  return names.some((n) => {
    try {
      const op = JSON.parse(readFileSync(join(home, 'ops', n), 'utf8')) as { vnfInstanceId?: string; runningSteps?: Array<{ node: string; name: string }> };
      return op.vnfInstanceId === instanceId && (op.runningSteps ?? []).some(match);
    } catch {
      return false;
    }
  });
}

/** Start the CLI and deliver `signal` once `when()` holds (checked every 25 ms); resolves with the outcome. */
function runUntil(args: string[], opts: { home: string; env: NodeJS.ProcessEnv }, when: () => boolean, signal: NodeJS.Signals, timeoutMs = 600_000) {
  return new Promise<CliResult & { signalled: boolean; signalCode: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '80', ...opts.env, VNFLCM_HOME: opts.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const poll = setInterval(() => {
      if (!signalled && when()) {
        signalled = true;
        child.kill(signal);
      }
    }, 25);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code: code ?? 128, stdout, stderr, signalled, signalCode: sig });
    });
  });
}

describe('failed and interrupted operations', { timeout: 60 * 60_000 }, () => {
  let facts: EnvFacts;
  let env: NodeJS.ProcessEnv;
  let cloud: Cloud;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-recovery-'));
  const created: string[] = [];

  const cli = (args: string[], timeoutMs = 900_000): Promise<CliResult> => runCli(args, { home, env, timeoutMs });
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await cli(args);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const create = async (vnfd: string): Promise<string> => {
    const id = (await ok(['create', vnfd, '-f', 'value', '-c', 'ID'])).stdout.trim();
    created.push(id);
    return id;
  };
  const params = (name: string, sample: string, edit: (p: Record<string, unknown>) => void = () => undefined): string => {
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, sample));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    edit(p);
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(p, null, 2));
    return file;
  };
  const badIp = (p: Record<string, unknown>) => {
    const vl = (p.extVirtualLinks as Array<{ extCps: Array<{ cpConfig: Array<{ cpProtocolData: Array<Record<string, unknown>> }> }> }>)[0];
    const pd = vl?.extCps[0]?.cpConfig[0]?.cpProtocolData[0];
    if (pd) pd.ipOverEthernet = { ipAddresses: [{ type: 'IPV4', fixedAddresses: ['192.168.99.5'] }] };
  };
  const opsOf = async (id: string): Promise<Op[]> => (JSON.parse((await ok(['op', 'list', '-f', 'json'])).stdout) as Op[]).filter((o) => o['VNF Instance ID'] === id);
  const opShow = async (opId: string): Promise<Record<string, unknown>> => JSON.parse((await ok(['op', 'show', opId, '-f', 'json'])).stdout) as Record<string, unknown>;
  const stateOf = async (id: string): Promise<string> =>
    (JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiation State'])).stdout) as Record<string, string>)['Instantiation State'] ?? '';
  const imagesOf = async (id: string) => (await cloud.glance.listImages({ tag: 'vnflcm' })).filter((i) => (i.name ?? '').endsWith(id.slice(0, 8)));
  const endpointOf = async (id: string): Promise<string> => {
    const m = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'metadata'])).stdout) as { metadata: { private_registry: { endpoint: string } } };
    return m.metadata.private_registry.endpoint;
  };

  before(async () => {
    facts = ensureEnv();
    env = cloudEnv(facts);
    cloud = await openCloud(resolveCloudConfig({}, { env: { ...process.env, ...env } }), { tokenCache: false });
    await ok(['package', 'add', REGISTRY_PKG]);
    const reg = hooklessCopy(REGISTRY_PKG, ['Definitions/sample_vnfd_df_simple.yaml'], REG_IMG_ID, 'Definitions/sample_vnfd_top.yaml');
    addImageArtifact(reg, 'Definitions/sample_vnfd_df_simple.yaml', 'PrivateRegistryVDU');
    await ok(['package', 'add', reg]);
    const k8s = hooklessCopy(K8S_PKG, ['Definitions/sample_kubernetes_df_simple.yaml', 'Definitions/sample_kubernetes_df_complex.yaml'], K8S_IMG_ID, 'Definitions/sample_kubernetes_top.vnfd.yaml');
    mkdirSync(join(k8s, 'Files', 'images'), { recursive: true });
    addImageArtifact(k8s, 'Definitions/sample_kubernetes_df_simple.yaml', 'workerNode');
    await ok(['package', 'add', k8s]);
  });

  after(async () => {
    for (const id of created) {
      for (const o of await opsOf(id).catch(() => [])) if (o['Operation State'] === 'FAILED_TEMP') await cli(['op', 'fail', o.ID]);
      await cli(['terminate', id, '--D', '-q']);
    }
  });

  test('a wrong --os-region-name: the client\'s message, nothing accepted, no occurrence recorded', async () => {
    const id = await create(REG_IMG_ID);
    const r = await cli(['instantiate', id, params('region.json', 'private_registry_param_file.json'), '--os-region-name', 'RegionTwo']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [4, '', 'public endpoint for orchestration service in RegionTwo region not found\n']);
    assert.deepEqual(await opsOf(id), []);
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
    assert.deepEqual(await imagesOf(id), []);
  });

  test('instantiate killed with SIGKILL during provisioning: FAILED_TEMP (interrupted), doctor says so, op retry completes', async () => {
    const id = await create(REGISTRY_VNFD);
    const file = params('kill.json', 'private_registry_param_file.json');
    const killed = await runUntil(['instantiate', id, file], { home, env }, () => stepRunning(home, id, (s) => s.node !== ''), 'SIGKILL');
    assert.equal(killed.signalled, true, killed.stderr);
    assert.equal(killed.signalCode, 'SIGKILL');
    const [op] = await opsOf(id);
    assert.ok(op);
    assert.equal(op['Operation State'], 'FAILED_TEMP', 'op list reconciles the killed occurrence');
    const shown = await opShow(op.ID);
    const error = shown.Error as { title: string; detail: string };
    assert.match(error.detail, /^Interrupted: the vnflcm process running this operation \(pid \d+ on .+\) ended without recording an outcome, during step '[^']+' on node \S+ \(last progress at .+\); found at /);
    assert.match(error.title, /^instantiate interrupted at step '[^']+' on node \S+$/);

    const doc = await cli(['doctor', '-f', 'json']);
    assert.equal(doc.code, 1, doc.stderr);
    const findings = JSON.parse(doc.stdout) as Array<Record<string, string>>;
    assert.ok(findings.some((f) => f.Subject === op.ID && f.Check === 'occurrence' && /op retry/.test(f.Hint ?? '')), doc.stdout);

    const again = await cli(['instantiate', id, file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^Vnf ${id} in status ERROR\\. Cannot instantiate while the vnf is in this state\\.\\nOperation ${op.ID} \\(INSTANTIATE\\) is FAILED_TEMP`));
    assert.equal((await opsOf(id)).length, 1, 'the refused instantiate recorded nothing');

    const retry = await ok(['op', 'retry', op.ID]);
    assert.match(retry.stdout, new RegExp(`^Retry request for LCM operation ${op.ID} has been accepted\\n`));
    assert.match(retry.stderr, /= create stack vnf-[0-9a-f-]+ \(exists, CREATE_COMPLETE\)/, 'the finished stack is skipped');
    assert.deepEqual((await opsOf(id)).map((o) => [o.ID, o['Operation State']]), [[op.ID, 'COMPLETED']]);
    assert.equal(await stateOf(id), 'INSTANTIATED');
    const r = await fetch(`http://${await endpointOf(id)}/v2/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(r.status, 200);
    const retryAgain = await cli(['op', 'retry', op.ID]);
    assert.deepEqual([retryAgain.code, retryAgain.stderr], [1, 'Cannot proceed with operation_state COMPLETED\n']);
  });

  test('SIGINT during provisioning: FAILED_TEMP naming the step, exit 130, the commands to resolve it printed', async () => {
    const id = await create(REGISTRY_VNFD);
    const r = await runUntil(['instantiate', id, params('int.json', 'private_registry_param_file.json')], { home, env }, () => stepRunning(home, id, (s) => s.node !== ''), 'SIGINT');
    assert.equal(r.signalled, true);
    assert.equal(r.code, 130, r.stderr);
    const [op] = await opsOf(id);
    assert.ok(op);
    assert.match(r.stderr, new RegExp(`Instantiate of VNF Instance ${id} interrupted at step '[^']+' on node \\S+ \\(operation ${op.ID} is FAILED_TEMP\\)\\.\\nContinue with 'vnflcm op retry ${op.ID}', undo with 'vnflcm op rollback ${op.ID}'`));
    assert.equal(op['Operation State'], 'FAILED_TEMP');
    const error = (await opShow(op.ID)).Error as { detail: string };
    assert.match(error.detail, /^Interrupted by SIGINT at step '[^']+' on node \S+, at /);
  });

  test('op rollback of a failed instantiate: no stack, no image, NOT_INSTANTIATED, ROLLED_BACK', async () => {
    const id = await create(REG_IMG_ID);
    const r = await cli(['instantiate', id, params('rb.json', 'private_registry_param_file.json', badIp), '-q']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /undo with 'vnflcm op rollback /);
    const [op] = await opsOf(id);
    assert.ok(op);
    assert.ok(await cloud.heat.findStack(`vnf-${id}`), 'the failed stack is there');
    assert.equal((await imagesOf(id)).length, 1, 'the package image was uploaded');

    const heal = await cli(['op', 'rollback', 'no-such-op']);
    assert.deepEqual([heal.code, heal.stderr], [1, 'table vnf_lcm_op_occs not Found\n']);
    const rb = await ok(['op', 'rollback', op.ID]);
    assert.match(rb.stdout, new RegExp(`^Rollback request for LCM operation ${op.ID} has been accepted\\n`));
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
    assert.deepEqual(await imagesOf(id), []);
    assert.equal(await stateOf(id), 'NOT_INSTANTIATED');
    assert.deepEqual((await opsOf(id)).map((o) => o['Operation State']), ['ROLLED_BACK']);
    const twice = await cli(['op', 'rollback', op.ID]);
    assert.deepEqual([twice.code, twice.stderr], [1, 'OperationState IS NOT FAILED_TEMP\n']);
    // The instance is free: it can be deleted (nothing left on the cloud).
    await ok(['delete', id]);
    created.splice(created.indexOf(id), 1);
  });

  test('op fail: FAILED, printed as the client does; terminate then cleans up', async () => {
    const id = await create(REG_IMG_ID);
    const r = await cli(['instantiate', id, params('fail.json', 'private_registry_param_file.json', badIp), '-q']);
    assert.equal(r.code, 1);
    const [op] = await opsOf(id);
    assert.ok(op);
    const term = await cli(['terminate', id, '-q']);
    assert.equal(term.code, 1);
    assert.match(term.stderr, /in status ERROR\. Cannot terminate while the vnf is in this state\./);

    const failed = await ok(['op', 'fail', op.ID]);
    const labels = failed.stdout.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|')[1]?.trim());
    assert.deepEqual(labels.slice(0, 1), ['Field']);
    assert.ok(labels.includes('Operation State') && labels.includes('operationParams') && !labels.includes('Operation Parameters'), failed.stdout);
    assert.match(failed.stdout, /\| Operation State +\| FAILED +\|/);
    const again = await cli(['op', 'fail', op.ID]);
    assert.deepEqual([again.code, again.stderr], [1, 'Transitions to FAIL from state FAILED is not allowed\n']);

    await ok(['terminate', id, '--D', '-q']);
    created.splice(created.indexOf(id), 1);
    assert.equal(await cloud.heat.findStack(`vnf-${id}`), null);
    assert.deepEqual(await imagesOf(id), []);
  });

  test('doctor: a stack without an instance and an instance whose stack is gone, each with a hint', async () => {
    const orphanName = `vnf-${randomUUID()}`;
    const orphan = await cloud.heat.createStack({
      name: orphanName,
      template: { heat_template_version: '2015-04-30', resources: { nothing: { type: 'OS::Heat::None' } } },
      disableRollback: true,
    });
    try {
      await cloud.heat.waitForStack({ id: orphan.id, stack_name: orphanName }, { expect: 'CREATE_COMPLETE', timeoutMs: 120_000 });
      const id = await create(REG_IMG_ID);
      await ok(['instantiate', id, params('doc.json', 'private_registry_param_file.json'), '-q']);
      const stack = await cloud.heat.findStack(`vnf-${id}`);
      assert.ok(stack);
      await cloud.heat.deleteStack({ id: stack.id, stack_name: stack.stack_name });
      await cloud.heat.waitForStack({ id: stack.id, stack_name: stack.stack_name }, { expect: 'DELETE_COMPLETE', timeoutMs: 300_000 });

      const doc = await cli(['doctor', '-f', 'json']);
      assert.equal(doc.code, 1, doc.stderr);
      const findings = JSON.parse(doc.stdout) as Array<Record<string, string>>;
      const orphanFinding = findings.find((f) => f.Subject === orphanName);
      assert.equal(orphanFinding?.Check, 'orphan stack');
      assert.match(orphanFinding?.Hint ?? '', new RegExp(`openstack stack delete ${orphan.id}`));
      const missing = findings.find((f) => f.Subject === id);
      assert.equal(missing?.Check, 'stack');
      assert.match(missing?.Problem ?? '', /which is not in Heat/);
      assert.match(missing?.Hint ?? '', new RegExp(`vnflcm heal ${id}`));
    } finally {
      await cloud.heat.deleteStack({ id: orphan.id, stack_name: orphanName });
    }
  });

  test('scale of a VNF whose package ships its image uploads nothing and changes no server image; a killed scale-out is rolled back', async () => {
    const id = await create(K8S_IMG_ID);
    await ok(['instantiate', id, params('k8s-img.json', 'private_registry_kubernetes_param_file.json'), '-q']);
    const uploaded = await imagesOf(id);
    assert.equal(uploaded.length, 1);
    const workers = async () => {
      const info = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiated Vnf Info'])).stdout)['Instantiated Vnf Info'] as {
        vnfcResourceInfo: Array<{ vduId: string; computeResource: { resourceId: string } }>;
      };
      const ids = info.vnfcResourceInfo.filter((v) => v.vduId === 'workerNode').map((v) => v.computeResource.resourceId);
      return Promise.all(ids.map(async (s) => ({ id: s, image: ((await cloud.nova.getServer(s)).image as { id?: string } | undefined)?.id })));
    };
    const before = await workers();
    assert.ok(before.every((w) => w.image === uploaded[0]?.id), 'workers boot from the uploaded image');

    const out = await ok(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance']);
    assert.doesNotMatch(out.stderr, /upload image/);
    assert.deepEqual((await imagesOf(id)).map((i) => i.id), uploaded.map((i) => i.id), 'no new image');
    const afterOut = await workers();
    assert.equal(afterOut.length, before.length + 1);
    for (const w of before) assert.deepEqual(afterOut.find((x) => x.id === w.id), w, 'existing servers are the same, with the same image');
    assert.ok(afterOut.every((w) => w.image === uploaded[0]?.id));

    await ok(['scale', id, '--type', 'SCALE_IN', '--aspect-id', 'worker_instance', '-q']);
    assert.deepEqual((await imagesOf(id)).map((i) => i.id), uploaded.map((i) => i.id));
    const settled = await workers();

    // A scale-out killed while Heat updates the stack; its rollback removes exactly the added member.
    const killed = await runUntil(['scale', id, '--type', 'SCALE_OUT', '--aspect-id', 'worker_instance'], { home, env }, () => stepRunning(home, id, (s) => s.name.startsWith('update stack')), 'SIGKILL');
    assert.equal(killed.signalCode, 'SIGKILL', killed.stderr);
    const scaleOp = (await opsOf(id)).at(-1);
    assert.deepEqual([scaleOp?.Operation, scaleOp?.['Operation State']], ['SCALE', 'FAILED_TEMP']);
    const rb = await ok(['op', 'rollback', scaleOp?.ID ?? '']);
    assert.match(rb.stdout, /^Rollback request for LCM operation [0-9a-f-]+ has been accepted\n/);
    assert.deepEqual((await workers()).map((w) => w.id).sort(), settled.map((w) => w.id).sort(), 'the members before the scale-out remain, the added one is gone');
    assert.equal((await opsOf(id)).at(-1)?.['Operation State'], 'ROLLED_BACK');
    const level = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiated Vnf Info'])).stdout)['Instantiated Vnf Info'] as { scaleStatus: Array<{ aspectId: string; scaleLevel: number }> };
    assert.equal(level.scaleStatus.find((x) => x.aspectId === 'worker_instance')?.scaleLevel, 0);
  });
});
