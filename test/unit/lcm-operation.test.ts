/**
 * Occurrence bookkeeping without a cloud: the operation lock and its owner token (a real second
 * process holds it and is killed with SIGKILL), reconciliation of occurrences whose process is gone,
 * Tacker's conflict rules and messages for retry/rollback/fail, the FAILED_TEMP block on the
 * instance, and the interrupt path (no new step after Ctrl-C, FAILED_TEMP naming the step).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { Store } from '../../src/lib/store/index.js';
import type { OpOccRecord, VnfInstanceRecord } from '../../src/lib/store/records.js';
import { ownerToken, OperationLockBusy, socketOperationLock } from '../../src/lib/store/oplock.js';
import {
  blockingReason,
  checkResumable,
  OperationFailed,
  OperationInterrupted,
  reconcileOps,
  resumeOperation,
  runOperation,
} from '../../src/lib/lcm/op-occurrence.js';
import type { LcmEnv } from '../../src/lib/lcm/lcm-env.js';
import { failOperation } from '../../src/lib/lcm/op-resolve.js';
import { recordingProgress } from '../../src/lib/lcm/progress.js';
import { Interrupt } from '../../src/lib/lcm/tracker.js';
import { ROOT, tempHome } from '../helpers/cli.js';
import { instanceRecord } from '../helpers/records.js';
import { TEST_STATE } from '../helpers/state.js';
import { waitUntil } from '../helpers/wait.js';

function instance(id: string): VnfInstanceRecord {
  return instanceRecord(id);
}

async function setup(): Promise<{ store: Store; env: LcmEnv; id: string; progress: ReturnType<typeof recordingProgress> }> {
  const store = await Store.open(tempHome());
  const id = `inst-${Math.random().toString(16).slice(2, 10)}`;
  await store.createInstance(instance(id));
  const progress = recordingProgress();
  const env = { store, progress, options: { timeoutMs: 1000, acceptNewHostKey: false, concurrency: 1 } } as unknown as LcmEnv;
  return { store, env, id, progress };
}

/** A second process that takes the instance's operation lock and records a PROCESSING occurrence like runOperation. */
function holder(storeRoot: string, instanceId: string, opId: string): Promise<ChildProcess> {
  const code = `
    import { Store } from './src/lib/store/index.js';
    import { ownerToken } from './src/lib/store/oplock.js';
    const store = await Store.open(${JSON.stringify(storeRoot)});
    await store.opLock().acquire(${JSON.stringify(instanceId)}, { ...ownerToken(), opId: ${JSON.stringify(opId)} });
    const now = new Date().toISOString();
    await store.putOp({ id: ${JSON.stringify(opId)}, operationState: 'PROCESSING', stateEnteredTime: now, startTime: now,
      vnfInstanceId: ${JSON.stringify(instanceId)}, grantId: null, operation: 'INSTANTIATE', isAutomaticInvocation: false,
      operationParams: { flavourId: 'simple' }, isCancelPending: false, error: null, owner: ownerToken(),
      runningSteps: [{ node: 'node-1', name: 'install docker', at: now }] });
    await store.updateInstance(${JSON.stringify(instanceId)}, (r) => ({ ...r, activeOpId: ${JSON.stringify(opId)} }));
    process.stdout.write('held\\n');
    setInterval(() => undefined, 1000);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => reject(new Error(`holder exited early (${c})`)));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('held')) resolve(child);
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('the operation lock: one holder, its token is readable, released by release()', async () => {
  const root = tempHome();
  const lock = socketOperationLock(root);
  const owner = { ...ownerToken(), opId: 'op-1' };
  assert.equal(await lock.holder('i1'), undefined);
  const held = await lock.acquire('i1', owner);
  assert.deepEqual(await lock.holder('i1'), owner);
  await assert.rejects(lock.acquire('i1', { ...owner, opId: 'op-2' }), (e: unknown) => e instanceof OperationLockBusy && e.holder !== 'unknown' && e.holder.opId === 'op-1');
  assert.equal(await lock.holder('i2'), undefined, 'locks are per instance');
  assert.equal(await socketOperationLock(tempHome()).holder('i1'), undefined, 'and per store');
  await held.release();
  assert.equal(await lock.holder('i1'), undefined);
  const again = await lock.acquire('i1', { ...owner, opId: 'op-3' });
  await again.release();
});

test('the socket-file backend (non-Linux): busy while held, taken again after release', async () => {
  const root = tempHome();
  const store = await Store.open(root);
  const lock = socketOperationLock(root, { abstract: false, withStoreLock: (n, fn) => store.withLock(n, fn) });
  const held = await lock.acquire('i1', { ...ownerToken(), opId: 'a' });
  await assert.rejects(lock.acquire('i1', { ...ownerToken(), opId: 'b' }), OperationLockBusy);
  await held.release();
  const next = await lock.acquire('i1', { ...ownerToken(), opId: 'c' });
  assert.equal(((await lock.holder('i1')) as { opId: string }).opId, 'c');
  await next.release();
});

test('an occurrence whose process was killed (SIGKILL) becomes FAILED_TEMP saying where; a live one is left alone', async () => {
  const { store, id } = await setup();
  const child = await holder(store.root, id, 'op-killed');
  // Alive: the lock answers with the same owner, nothing changes.
  const [live] = await reconcileOps(store);
  assert.equal(live?.operationState, 'PROCESSING');
  const busy = await blockingReason(store, (await store.getInstance(id)) as VnfInstanceRecord, 'terminate');
  assert.match(busy?.message ?? '', /in task_state INSTANTIATING\. Cannot terminate/);

  await killed(child);
  // The file store's lock is gone with the process; PostgreSQL frees a dead client's advisory lock
  // when its server process notices the closed connection: a moment later, so wait for it (bounded).
  const op = await waitUntil('the killed owner to be noticed', async () => {
    const [o] = await reconcileOps(store);
    return o?.operationState === 'FAILED_TEMP' ? o : undefined;
  }, { boundMs: 15_000 });
  assert.match(op?.error?.detail ?? '', /^Interrupted: the vnflcm process running this operation \(pid \d+ on .*\) ended without recording an outcome, during step 'install docker' on node node-1 \(last progress at .*\); found at /);
  assert.deepEqual(op?.failedStep?.name, 'install docker');
  const stored = await store.getOp('op-killed');
  assert.equal(stored?.operationState, 'FAILED_TEMP', 'the reconciliation is recorded');

  // The instance stays blocked until the occurrence is resolved.
  const blocked = await blockingReason(store, (await store.getInstance(id)) as VnfInstanceRecord, 'instantiate');
  assert.equal(
    blocked?.message,
    `Vnf ${id} in status ERROR. Cannot instantiate while the vnf is in this state.\n` +
      `Operation op-killed (INSTANTIATE) is FAILED_TEMP: Continue with 'vnflcm op retry op-killed', undo with 'vnflcm op rollback op-killed', or give up with 'vnflcm op fail op-killed'.`,
  );
});

// The file store's lock is per machine: another host's run cannot be judged from here. The shared
// (PostgreSQL) lock holds for every host: a run whose holder is gone is FAILED_TEMP wherever it ran.
test('an occurrence owned by another host: judged from here only with a shared lock', async () => {
  const { store, id } = await setup();
  const now = new Date().toISOString();
  const op: OpOccRecord = {
    id: 'op-remote',
    operationState: 'PROCESSING',
    stateEnteredTime: now,
    startTime: now,
    vnfInstanceId: id,
    grantId: null,
    operation: 'HEAL',
    isAutomaticInvocation: false,
    operationParams: {},
    isCancelPending: false,
    error: null,
    owner: { host: `not-${hostname()}`, pid: 1, startedAt: now },
  };
  await store.putOp(op);
  const [after] = await reconcileOps(store);
  assert.equal(store.opLock().shared === true, TEST_STATE === 'pg');
  assert.equal(after?.operationState, TEST_STATE === 'pg' ? 'FAILED_TEMP' : 'PROCESSING');
  assert.equal((await store.getOp('op-remote'))?.operationState, after?.operationState);
});

test('a failing body ends FAILED_TEMP with the failed step; retry completes it; only FAILED_TEMP can be retried or failed', async () => {
  const { store, env, id } = await setup();
  const err = await runOperation(env, id, 'INSTANTIATE', { flavourId: 'simple' }, 'NOT_INSTANTIATED', async () => {
    env.progress.step('', 'create stack vnf-x', 'start');
    env.progress.step('', 'create stack vnf-x', 'done');
    env.progress.step('vm-1', 'install docker', 'start');
    env.progress.step('vm-1', 'install docker', 'failed', 'exit 100');
    throw new Error('apt-get failed');
  }).catch((e: unknown) => e);
  assert.ok(err instanceof OperationFailed);
  const op = (await store.getOp(err.opId)) as OpOccRecord;
  assert.equal(op.operationState, 'FAILED_TEMP');
  assert.deepEqual(op.error, { title: "instantiate failed at step 'install docker' on node vm-1", status: 500, detail: 'apt-get failed' });
  assert.equal((await store.getInstance(id))?.activeOpId, op.id, 'the instance is blocked by the FAILED_TEMP occurrence');
  await assert.rejects(
    runOperation(env, id, 'INSTANTIATE', {}, 'NOT_INSTANTIATED', async () => 1),
    /in status ERROR\. Cannot instantiate while the vnf is in this state\./,
  );
  assert.equal((await store.listOps()).length, 1, 'a refused operation records nothing');

  const retried = await resumeOperation(env, op.id, 'retry', async (run) => {
    assert.equal(run.resumed, true);
    return 'ok';
  });
  assert.equal(retried.op.operationState, 'COMPLETED');
  assert.equal(retried.op.error, null);
  assert.equal((await store.getInstance(id))?.activeOpId, null);
  await assert.rejects(resumeOperation(env, op.id, 'retry', async () => 1), { message: 'Cannot proceed with operation_state COMPLETED' });
  await assert.rejects(failOperation(store, op.id), { message: 'Transitions to FAIL from state COMPLETED is not allowed' });
  await assert.rejects(failOperation(store, 'nope'), { message: 'table vnf_lcm_op_occs not Found' });
});

test('op fail: FAILED_TEMP -> FAILED, the instance is free again', async () => {
  const { store, env, id } = await setup();
  const err = (await runOperation(env, id, 'SCALE', { type: 'SCALE_OUT', aspectId: 'a' }, 'NOT_INSTANTIATED', async () => {
    throw new Error('boom');
  }).catch((e: unknown) => e)) as OperationFailed;
  const failed = await failOperation(store, err.opId);
  assert.equal(failed.operationState, 'FAILED');
  assert.equal(failed.error?.detail, 'boom');
  assert.equal((await store.getInstance(id))?.activeOpId, null);
  assert.equal(await blockingReason(store, (await store.getInstance(id)) as VnfInstanceRecord, 'terminate'), undefined);
});

test("Tacker's rollback rules: only FAILED_TEMP instantiate or scale-out", () => {
  const base = { operationState: 'FAILED_TEMP', operation: 'INSTANTIATE', operationParams: {} } as unknown as OpOccRecord;
  assert.doesNotThrow(() => checkResumable(base, 'rollback'));
  assert.throws(() => checkResumable({ ...base, operationState: 'COMPLETED' }, 'rollback'), { message: 'OperationState IS NOT FAILED_TEMP' });
  assert.throws(() => checkResumable({ ...base, operation: 'HEAL' }, 'rollback'), { message: 'OPERATION IS NOT INSTANTIATE/SCALE' });
  assert.throws(() => checkResumable({ ...base, operation: 'SCALE', operationParams: { type: 'SCALE_IN' } }, 'rollback'), { message: 'SCALE_IN CAN NOT ROLLBACK' });
  assert.doesNotThrow(() => checkResumable({ ...base, operation: 'SCALE', operationParams: { type: 'SCALE_OUT' } }, 'rollback'));
  assert.throws(() => checkResumable({ ...base, operationState: 'PROCESSING' }, 'retry'), { message: 'Cannot proceed with operation_state PROCESSING' });
});

test('an interrupt: no new step starts, running ones get a bounded wait, the occurrence is FAILED_TEMP at that step', async () => {
  const { store, env, id } = await setup();
  const interrupt = new Interrupt();
  env.interrupt = interrupt;
  env.interruptGraceMs = 200;
  let secondStarted = false;
  const err = await runOperation(env, id, 'INSTANTIATE', {}, 'NOT_INSTANTIATED', async () => {
    env.progress.step('vm-1', 'load image', 'start');
    interrupt.request('SIGINT');
    // The running step ends within the grace period; the next one is refused.
    await new Promise((r) => setTimeout(r, 20));
    env.progress.step('vm-1', 'load image', 'done');
    env.progress.step('vm-1', 'run registry', 'start');
    secondStarted = true;
  }).catch((e: unknown) => e);
  assert.ok(err instanceof OperationInterrupted);
  assert.equal(err.exitCode, 130);
  assert.equal(secondStarted, false);
  const op = (await store.getOp(err.opId)) as OpOccRecord;
  assert.equal(op.operationState, 'FAILED_TEMP');
  assert.match(op.error?.detail ?? '', /^Interrupted by SIGINT at step 'load image' on node vm-1, at /);

  // A step that never ends: the interrupt is recorded after the grace period anyway (SIGTERM: 143).
  await failOperation(store, op.id);
  const interrupt2 = new Interrupt();
  env.interrupt = interrupt2;
  const hung = await runOperation(env, id, 'INSTANTIATE', {}, 'NOT_INSTANTIATED', async () => {
    env.progress.step('vm-1', 'pull image', 'start');
    interrupt2.request('SIGTERM');
    await new Promise(() => undefined);
  }).catch((e: unknown) => e);
  assert.ok(hung instanceof OperationInterrupted);
  assert.equal(hung.exitCode, 143);
  assert.match((await store.getOp(hung.opId))?.error?.detail ?? '', /^Interrupted by SIGTERM at step 'pull image' on node vm-1/);
});

test('doctor (store checks): a FAILED_TEMP occurrence, one running on another host, duplicate VNFCs and Kubernetes nodes', async () => {
  const { doctor } = await import('../../src/lib/lcm/doctor.js');
  const { store, env, id } = await setup();
  assert.deepEqual(await doctor(store, {}, { cloud: false }), [], 'a clean store has no findings');
  const err = (await runOperation(env, id, 'INSTANTIATE', {}, 'NOT_INSTANTIATED', async () => {
    throw new Error('boom');
  }).catch((e: unknown) => e)) as OperationFailed;
  const now = new Date().toISOString();
  await store.putOp({
    id: 'op-elsewhere',
    operationState: 'PROCESSING',
    stateEnteredTime: now,
    startTime: now,
    vnfInstanceId: 'other',
    grantId: null,
    operation: 'HEAL',
    isAutomaticInvocation: false,
    operationParams: {},
    isCancelPending: false,
    error: null,
    owner: { host: 'far-away', pid: 7, startedAt: now },
  });
  const dup = instance('dup-1');
  dup.instantiatedVnfInfo = {
    vnfcResourceInfo: [
      { id: 'a', computeResource: { resourceId: 'srv-1' } },
      { id: 'b', computeResource: { resourceId: 'srv-1' } },
    ],
  };
  await store.createInstance(dup);
  const ip = (a: string) => [{ cpProtocolInfo: [{ ipOverEthernet: { ipAddresses: [{ addresses: [a] }] } }] }];
  const k8s = instance('dup-k8s');
  k8s.instantiatedVnfInfo = {
    vnfcResourceInfo: [
      { id: 'm', computeResource: { resourceId: 'srv-m' }, vnfcCpInfo: ip('10.0.0.1') },
      { id: 'w1', computeResource: { resourceId: 'srv-w1' }, vnfcCpInfo: ip('10.0.0.2') },
      { id: 'w2', computeResource: { resourceId: 'srv-w2' }, vnfcCpInfo: ip('10.0.0.2') },
    ],
  };
  k8s.metadata = {
    kubernetes: {
      nodes: [
        { name: 'master-m', role: 'master', ip: '10.0.0.1', vnfcId: 'm' },
        { name: 'worker-w1', role: 'worker', ip: '10.0.0.3', vnfcId: 'w1' },
        { name: 'worker-w1', role: 'worker', ip: '10.0.0.4', vnfcId: 'w9' },
        { name: 'worker-w3', role: 'worker', ip: '10.0.0.5', vnfcId: 'w1' },
      ],
    },
  };
  await store.createInstance(k8s);
  const clean = instance('k8s-ok');
  clean.instantiatedVnfInfo = { vnfcResourceInfo: [{ id: 'm', computeResource: { resourceId: 'srv-x' }, vnfcCpInfo: ip('10.0.0.9') }] };
  clean.metadata = { kubernetes: { nodes: [{ name: 'master-m', ip: '10.0.0.9', vnfcId: 'm' }, { name: 'worker-n', ip: '10.0.0.8', vnfcId: 'n' }] } };
  await store.createInstance(clean);
  const findings = await doctor(store, {}, { cloud: false });
  if (TEST_STATE === 'pg') {
    // shared lock: the far-away run holds no lock, so it is FAILED_TEMP (of an instance that does not exist: no finding)
    assert.deepEqual(findings.map((f) => [f.check, f.subject]), [
      ['occurrence', err.opId],
      ['duplicate node', 'dup-1'],
      ['duplicate node', 'dup-k8s'],
      ['duplicate node', 'dup-k8s'],
      ['duplicate node', 'dup-k8s'],
    ]);
    assert.equal((await store.getOp('op-elsewhere'))?.operationState, 'FAILED_TEMP');
    return;
  }
  assert.deepEqual(
    findings.map((f) => [f.check, f.subject]),
    [
      ['occurrence', err.opId],
      ['occurrence', 'op-elsewhere'],
      ['duplicate node', 'dup-1'],
      ['duplicate node', 'dup-k8s'],
      ['duplicate node', 'dup-k8s'],
      ['duplicate node', 'dup-k8s'],
    ],
  );
  assert.deepEqual(
    findings.filter((f) => f.subject === 'dup-k8s').map((f) => f.problem),
    [
      'VNFC w2 and VNFC w1 have the same address 10.0.0.2',
      'Kubernetes node worker-w1 (VNFC w9) and Kubernetes node worker-w1 (VNFC w1) have the same node name worker-w1',
      'Kubernetes node worker-w3 (VNFC w1) and Kubernetes node worker-w1 (VNFC w1) have the same VNFC w1',
    ],
  );
  assert.match(findings.at(-1)?.hint ?? '', /vnflcm heal dup-k8s/);
  assert.match(findings[0]?.hint ?? '', new RegExp(`vnflcm op retry ${err.opId}`));
  assert.match(findings[1]?.problem ?? '', /HEAL of other is PROCESSING \(run by pid 7 on far-away/);
  assert.equal(findings[2]?.problem, 'VNFC b and VNFC a have the same server srv-1');
});

test('an OpenStack API error: the stored detail names the service, the request and the status; the thrown message is the client\'s', async () => {
  const { OpenStackHttpError } = await import('../../src/lib/openstack/session.js');
  const { store, env, id } = await setup();
  const err = (await runOperation(env, id, 'INSTANTIATE', {}, 'NOT_INSTANTIATED', async () => {
    throw new OpenStackHttpError({ status: 503, service: 'orchestration', serviceMessage: 'The server is currently unavailable.', method: 'POST', url: 'http://127.0.0.1:8004/v1/p1/stacks' });
  }).catch((e: unknown) => e)) as OperationFailed;
  assert.ok(err instanceof OperationFailed);
  assert.equal(err.message.includes('Heat (orchestration)'), false, err.message);
  const op = await store.getOp(err.opId);
  assert.equal(op?.operationState, 'FAILED_TEMP');
  assert.equal(op?.error?.detail, 'Heat (orchestration) answered HTTP 503 to POST /v1/p1/stacks: The server is currently unavailable. (HTTP 503)');
});
