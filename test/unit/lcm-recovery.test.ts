/**
 * The operations' retry and rollback paths and the image rule, replayed on stack inventories
 * recorded from the real OpenStack of test/env (test/fixtures/lcm) behind a CloudOps that records
 * what it is asked: a package that ships its worker image uploads it once at instantiate, and a
 * scale sends the same image id (no upload, no server rebuilt); a scale whose stack update failed is
 * retried to the same level (not one step further); an instantiate rollback deletes the stack and the
 * image and leaves the instance NOT_INSTANTIATED.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { CloudOps, StackRef } from '../../src/lib/lcm/cloud-ops.js';
import type { LcmEnv } from '../../src/lib/lcm/lcm-env.js';
import type { StackSpec } from '../../src/lib/lcm/heat-template.js';
import { OperationFailed } from '../../src/lib/lcm/op-occurrence.js';
import { instantiate, type InstantiateRequest } from '../../src/lib/lcm/instantiate.js';
import { retryOperation, rollbackOperation } from '../../src/lib/lcm/op-resolve.js';
import { scale } from '../../src/lib/lcm/scale.js';
import { recordingProgress } from '../../src/lib/lcm/progress.js';
import type { StackInventory } from '../../src/lib/lcm/vnf-info.js';
import type { VnfPackage } from '../../src/lib/package/model.js';
import { readPackage } from '../../src/lib/package/reader.js';
import { Store } from '../../src/lib/store/index.js';
import { ROOT, tempHome } from '../helpers/cli.js';
import { addImageArtifact, hooklessCopy, K8S_PKG } from '../helpers/packages.js';

const fixture = (name: string): StackInventory =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'lcm', `${name}.json`), 'utf8')) as StackInventory;

/** A cloud that answers from recorded inventories and records every change it is asked for. */
class RecordingCloud implements CloudOps {
  readonly vimId = null;
  uploads: string[] = [];
  deletedImages: string[] = [];
  created: StackSpec[] = [];
  updates: Array<Record<string, unknown>> = [];
  deletedStacks: string[] = [];
  failNextUpdate = false;
  stack: (StackRef & { status: string }) | undefined;
  inv: StackInventory = fixture('k8s-simple-inventory');

  async resolveImage(name: string) {
    return `glance-${name}`;
  }
  async uploadImage(name: string) {
    const id = `uploaded-${this.uploads.length + 1}`;
    this.uploads.push(name);
    return id;
  }
  async deleteImage(id: string) {
    this.deletedImages.push(id);
  }
  async resolveFlavor(name: string) {
    return `flavor-${name}`;
  }
  async resolveNetwork(name: string) {
    return name;
  }
  async findStack(name: string) {
    return this.stack && this.stack.name === name ? this.stack : undefined;
  }
  failNextCreate = false;
  async createStack(name: string, spec: StackSpec) {
    if (this.failNextCreate) {
      this.failNextCreate = false;
      throw new Error('Vnf instantiation failed: quota exceeded');
    }
    this.created.push(spec);
    this.stack = { id: this.inv.stackId, name, status: 'CREATE_COMPLETE' };
    return { id: this.inv.stackId, name };
  }
  async updateStack(_s: StackRef, patch: { parameters?: Record<string, unknown> }) {
    this.updates.push(patch.parameters ?? {});
    if (this.failNextUpdate) {
      this.failNextUpdate = false;
      throw new Error('VNF scaling failed for stack with status UPDATE_FAILED');
    }
    // Back to the instantiate parameters = the first inventory; anything else = the scaled one.
    const initial = JSON.stringify(patch.parameters) === JSON.stringify(this.created[0]?.parameters);
    this.inv = fixture(initial ? 'k8s-simple-inventory' : 'k8s-simple-scaled-inventory');
  }
  async deleteStack(s: StackRef) {
    this.deletedStacks.push(s.id);
    this.stack = undefined;
  }
  async waitStack() {}
  async inventory() {
    return this.inv;
  }
  marked: string[] = [];
  async markUnhealthy(_owner: StackRef, resourceName: string) {
    this.marked.push(resourceName);
  }
}

const workerImage = (params: Record<string, unknown>): unknown =>
  ((params.nfv as { VDU: Record<string, { image: string }> }).VDU.workerNode as { image: string }).image;

let pkg: VnfPackage;

before(async () => {
  const dir = hooklessCopy(K8S_PKG, ['Definitions/sample_kubernetes_df_simple.yaml'], 'aaaa0011-0000-4000-8000-000000000011', 'Definitions/sample_kubernetes_top.vnfd.yaml');
  addImageArtifact(dir, 'Definitions/sample_kubernetes_df_simple.yaml', 'workerNode');
  pkg = await readPackage(dir);
});

async function setup() {
  const store = await Store.open(tempHome());
  const id = `i-${Math.random().toString(16).slice(2, 10)}`;
  await store.createInstance({
    id,
    vnfInstanceName: id,
    vnfInstanceDescription: null,
    vnfdId: 'aaaa0011-0000-4000-8000-000000000011',
    vnfPkgId: 'p',
    vnfProvider: 'x',
    vnfProductName: 'x',
    vnfSoftwareVersion: '1',
    vnfdVersion: '1',
    instantiationState: 'NOT_INSTANTIATED',
    vimConnectionInfo: [],
    createdAt: new Date().toISOString(),
  });
  const cloud = new RecordingCloud();
  const flavour = pkg.flavours.simple;
  assert.ok(flavour);
  const env: LcmEnv = { store, cloud, pkg, flavour, progress: recordingProgress(), options: { timeoutMs: 1000, acceptNewHostKey: false, concurrency: 1 } };
  const request: InstantiateRequest = {
    flavourId: 'simple',
    additionalParams: {},
    extVirtualLinks: [
      { id: 'net0', resourceId: 'net-uuid', extCps: [{ cpdId: 'masterNode_CP1' }, { cpdId: 'workerNode_CP2' }] },
    ],
  };
  return { store, cloud, env, id, request };
}

test('a package that ships its image: uploaded once at instantiate, reused by scale (same image id, nothing uploaded)', async () => {
  const { cloud, env, id, request } = await setup();
  await instantiate(env, id, request);
  assert.equal(cloud.uploads.length, 1);
  const image = workerImage((cloud.created[0] as StackSpec).parameters);
  assert.equal(image, 'uploaded-1');
  await scale(env, id, { type: 'SCALE_OUT', aspectId: 'worker_instance', numberOfSteps: 1 });
  assert.equal(cloud.uploads.length, 1, 'scale uploads nothing');
  assert.equal(cloud.updates.length, 1);
  assert.equal(workerImage(cloud.updates[0] as Record<string, unknown>), image, 'the PATCH keeps the image: Heat rebuilds no server');
  const rec = await env.store.getInstance(id);
  assert.deepEqual((rec?.internal as { imageByVdu: Record<string, string> }).imageByVdu, { workerNode: 'uploaded-1' });
});

test('a scale whose stack update failed: retry goes to the same level, not one step further', async () => {
  const { cloud, env, id, request } = await setup();
  await instantiate(env, id, request);
  cloud.failNextUpdate = true;
  const err = await scale(env, id, { type: 'SCALE_OUT', aspectId: 'worker_instance', numberOfSteps: 1 }).catch((e: unknown) => e);
  assert.ok(err instanceof OperationFailed);
  const failed = await env.store.getOp(err.opId);
  assert.equal(failed?.operationState, 'FAILED_TEMP');
  assert.match(failed?.error?.title ?? '', /^scale failed at step 'update stack vnf-.* \(worker_instance level 0 → 1\)'$/);
  await retryOperation(env, failed!);
  assert.equal(cloud.updates.length, 2);
  assert.deepEqual(cloud.updates[1], cloud.updates[0], 'the retry sends the same target');
  const rec = await env.store.getInstance(id);
  assert.deepEqual((rec?.internal as { scaleLevels: Record<string, number> }).scaleLevels, { master_instance: 0, worker_instance: 1 });
  assert.equal((await env.store.getOp(err.opId))?.operationState, 'COMPLETED');
  // Retrying the completed scale is refused; a retry after success would have scaled again.
  await assert.rejects(retryOperation(env, (await env.store.getOp(err.opId))!), { message: 'Cannot proceed with operation_state COMPLETED' });
  assert.equal(cloud.updates.length, 2);
});

test('instantiate rollback: stack and uploaded image deleted, NOT_INSTANTIATED, ROLLED_BACK', async () => {
  const { store, cloud, env, id, request } = await setup();
  // The stack comes up, then reading it fails: FAILED_TEMP with the stack and image in place.
  const inventory = cloud.inventory.bind(cloud);
  cloud.inventory = async () => {
    throw new Error('Neutron unavailable');
  };
  const err = (await instantiate(env, id, request).catch((e: unknown) => e)) as OperationFailed;
  assert.ok(err instanceof OperationFailed);
  cloud.inventory = inventory;
  const op = await store.getOp(err.opId);
  assert.equal(op?.operationState, 'FAILED_TEMP');
  await rollbackOperation(env, op!);
  assert.deepEqual(cloud.deletedStacks, [cloud.inv.stackId]);
  assert.deepEqual(cloud.deletedImages, ['uploaded-1']);
  const rec = await store.getInstance(id);
  assert.equal(rec?.instantiationState, 'NOT_INSTANTIATED');
  assert.equal(rec?.activeOpId, null);
  assert.deepEqual((rec?.internal as { images: string[]; stack?: unknown }).images, []);
  assert.equal((rec?.internal as { stack?: unknown }).stack, undefined);
  assert.equal((await store.getOp(err.opId))?.operationState, 'ROLLED_BACK');
});

test('instantiate retry: the stack that exists is skipped and the image is not uploaded again', async () => {
  const { store, cloud, env, id, request } = await setup();
  const inventory = cloud.inventory.bind(cloud);
  cloud.inventory = async () => {
    throw new Error('Neutron unavailable');
  };
  const err = (await instantiate(env, id, request).catch((e: unknown) => e)) as OperationFailed;
  cloud.inventory = inventory;
  const progress = recordingProgress();
  env.progress = progress;
  await retryOperation(env, (await store.getOp(err.opId))!);
  assert.equal(cloud.created.length, 1, 'no second stack');
  assert.equal(cloud.uploads.length, 1, 'no second upload');
  assert.ok(progress.lines.some((l) => /^skipped create stack vnf-.* \(exists, CREATE_COMPLETE\)$/.test(l)), progress.lines.join('\n'));
  assert.equal((await store.getInstance(id))?.instantiationState, 'INSTANTIATED');
  assert.equal((await store.getOp(err.opId))?.operationState, 'COMPLETED');
});

test('scale-out rollback: the added member is marked for removal and the stack goes back to the level before', async () => {
  const { store, cloud, env, id, request } = await setup();
  await instantiate(env, id, request);
  const before = fixture('k8s-simple-inventory');
  // The stack update succeeds, then reading the scaled stack fails: FAILED_TEMP with a member added.
  let calls = 0;
  const inventory = cloud.inventory.bind(cloud);
  cloud.inventory = async () => {
    calls += 1;
    if (calls === 2) throw new Error('Heat unavailable');
    return inventory();
  };
  const err = (await scale(env, id, { type: 'SCALE_OUT', aspectId: 'worker_instance', numberOfSteps: 1 }).catch((e: unknown) => e)) as OperationFailed;
  assert.ok(err instanceof OperationFailed, String(err));
  cloud.inventory = inventory;
  await rollbackOperation(env, (await store.getOp(err.opId))!);
  // Group members: resources whose nested stack holds a server.
  const members = (inv: StackInventory) =>
    inv.resources.filter((r) => inv.resources.some((x) => x.type === 'OS::Nova::Server' && x.stackId === r.physicalId && r.stackId !== r.physicalId)).map((r) => r.name);
  const addedMember = members(fixture('k8s-simple-scaled-inventory')).filter((n) => !members(before).includes(n));
  assert.equal(addedMember.length, 1);
  assert.deepEqual(cloud.marked, addedMember, 'exactly the added member is marked (Heat removes failed members first)');
  assert.deepEqual(cloud.updates.at(-1), cloud.created[0]?.parameters, 'the stack is patched back to the levels before');
  const rec = await store.getInstance(id);
  assert.deepEqual((rec?.internal as { scaleLevels: Record<string, number> }).scaleLevels, { master_instance: 0, worker_instance: 0 });
  const vnfcs = (rec?.instantiatedVnfInfo?.vnfcResourceInfo ?? []) as unknown[];
  assert.equal(vnfcs.length, 3);
  assert.equal((await store.getOp(err.opId))?.operationState, 'ROLLED_BACK');
});

test('entire heal whose re-creation failed: retry does not delete again, uploads the image once, creates the stack', async () => {
  const { store, cloud, env, id, request } = await setup();
  await instantiate(env, id, request);
  cloud.failNextCreate = true;
  const { heal } = await import('../../src/lib/lcm/heal.js');
  const err = (await heal(env, id, {}).catch((e: unknown) => e)) as OperationFailed;
  assert.ok(err instanceof OperationFailed, String(err));
  assert.equal(cloud.deletedStacks.length, 1);
  assert.deepEqual(cloud.deletedImages, ['uploaded-1']);
  assert.equal(cloud.uploads.length, 2, 'heal entire uploads the image again (the stack is re-created)');
  const progress = recordingProgress();
  env.progress = progress;
  await retryOperation(env, (await store.getOp(err.opId))!);
  assert.equal(cloud.deletedStacks.length, 1, 'the old stack is not deleted twice');
  assert.equal(cloud.uploads.length, 2, 'the image uploaded by the failed run is reused');
  assert.equal(cloud.created.length, 2);
  assert.equal(workerImage((cloud.created[1] as StackSpec).parameters), 'uploaded-2');
  assert.ok(progress.lines.some((l) => /^skipped delete stack vnf-.* \(deleted by the failed run\)$/.test(l)), progress.lines.join('\n'));
  assert.equal((await store.getOp(err.opId))?.operationState, 'COMPLETED');
});

test('a scale or heal request Tacker would refuse records no occurrence (and so blocks nothing)', async () => {
  const { store, env, id, request } = await setup();
  await instantiate(env, id, request);
  await assert.rejects(scale(env, id, { type: 'SCALE_OUT', aspectId: 'worker_instance', numberOfSteps: 5 }), /exceeds max_scale_level 2/);
  await assert.rejects(scale(env, id, { type: 'SCALE_OUT', aspectId: 'nope' }), /Aspect nope is not a scaling aspect of flavour simple/);
  const { heal } = await import('../../src/lib/lcm/heal.js');
  await assert.rejects(heal(env, id, { vnfcInstanceId: ['nope'] }), /vnfcInstanceId nope is not a vnfcResourceInfo id of this instance/);
  assert.deepEqual((await store.listOps()).map((o) => [o.operation, o.operationState]), [['INSTANTIATE', 'COMPLETED']]);
  await scale(env, id, { type: 'SCALE_OUT', aspectId: 'worker_instance', numberOfSteps: 1 });
});
