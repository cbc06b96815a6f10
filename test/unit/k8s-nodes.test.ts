// Node naming, role discovery and the choice of the main master in the Kubernetes driver.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VnfcRef } from '../../src/lib/mgmt/contract.js';
import { assignNames, chooseMainMaster, classify, vduOf } from '../../src/lib/mgmt/kubernetes/nodes.js';
import type { Flavour } from '../../src/lib/package/model.js';

const ref = (id: string, vduId: string, ip: string, createdAt: string): VnfcRef => ({
  id,
  vduId,
  serverId: `srv-${id}`,
  stackId: `stk-${id}`,
  addresses: { [vduId === 'masterNode' ? 'masterNode_CP1' : 'workerNode_CP2']: { ip, portId: `p-${id}` } },
  createdAt,
});

const flavour = {
  id: 'simple',
  cps: { masterNode_CP1: { id: 'masterNode_CP1', vdu: 'masterNode' }, workerNode_CP2: { id: 'workerNode_CP2', vdu: 'workerNode' } },
  aspectDeltas: { master_instance: { masterNode: 1 }, worker_instance: { workerNode: 1 } },
} as unknown as Flavour;

describe('assignNames', () => {
  it('<role>-<first 8 characters of the VNFC id>; never derived from the address', () => {
    const a = ref('3f2a9c1b-1111-4000-8000-000000000001', 'masterNode', '10.0.0.11', 't1');
    const b = ref('7d01e4aa-2222-4000-8000-000000000002', 'workerNode', '10.0.1.11', 't2');
    const names = assignNames([
      { vnfc: a, role: 'master' },
      { vnfc: b, role: 'worker' },
    ]);
    assert.equal(names.get(a.id), 'master-3f2a9c1b');
    assert.equal(names.get(b.id), 'worker-7d01e4aa');
    // same last octet, no collision (Tacker: both "worker11"/"master11")
    assert.ok(![...names.values()].some((n) => n.includes('11')));
  });

  it('two ids with the same first 8 characters: the second gets more, names stay unique', () => {
    const a = ref('abcdef01-aaaa-4000-8000-000000000001', 'workerNode', '10.0.0.1', 't1');
    const b = ref('abcdef01-bbbb-4000-8000-000000000002', 'workerNode', '10.0.0.2', 't2');
    const names = assignNames([
      { vnfc: a, role: 'worker' },
      { vnfc: b, role: 'worker' },
    ]);
    assert.equal(names.get(a.id), 'worker-abcdef01');
    assert.equal(names.get(b.id), 'worker-abcdef01bbbb');
  });

  it('recorded names are kept (stable across re-runs and a VNFC heal), new ones avoid them', () => {
    const a = ref('abcdef01-aaaa-4000-8000-000000000001', 'workerNode', '10.0.0.1', 't1');
    const b = ref('abcdef01-bbbb-4000-8000-000000000002', 'workerNode', '10.0.0.2', 't2');
    const names = assignNames(
      [
        { vnfc: b, role: 'worker' },
        { vnfc: a, role: 'worker' },
      ],
      { [a.id]: 'worker-abcdef01' },
    );
    assert.equal(names.get(a.id), 'worker-abcdef01');
    assert.equal(names.get(b.id), 'worker-abcdef01bbbb');
  });

  it('valid DNS labels of at most 63 characters, also for odd ids', () => {
    const names = assignNames([
      { vnfc: ref('X_Y', 'workerNode', '10.0.0.1', 't'), role: 'worker' },
      { vnfc: ref('UPPER-case-ID-1234567890', 'masterNode', '10.0.0.2', 't'), role: 'master' },
    ]);
    for (const n of names.values()) assert.match(n, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    assert.equal(names.get('UPPER-case-ID-1234567890'), 'master-uppercas');
  });
});

describe('chooseMainMaster', () => {
  const m1 = ref('m1', 'masterNode', '10.0.0.3', '2024-01-01T00:00:02Z');
  const m2 = ref('m2', 'masterNode', '10.0.0.2', '2024-01-01T00:00:01Z');
  const m3 = ref('m3', 'masterNode', '10.0.0.1', '2024-01-01T00:00:01Z');

  it('the oldest master (then the smallest id), whatever the list order', () => {
    assert.equal(chooseMainMaster([m1, m2, m3]).id, 'm2');
    assert.equal(chooseMainMaster([m3, m1, m2]).id, 'm2');
  });

  it('the recorded main master while it exists, else the oldest again', () => {
    assert.equal(chooseMainMaster([m1, m2, m3], 'm1').id, 'm1');
    assert.equal(chooseMainMaster([m1, m2, m3], 'gone').id, 'm2');
  });

  it('no master: a clear error', () => {
    assert.throws(() => chooseMainMaster([]), /no master node/);
  });
});

describe('classify / vduOf', () => {
  it('the VDU comes from nic_cp_name (else the aspect); VNFCs of other VDUs are ignored', () => {
    assert.equal(vduOf(flavour, { ssh_cp_name: 'masterNode_CP1', nic_cp_name: 'masterNode_CP1' }, 'master'), 'masterNode');
    assert.equal(vduOf(flavour, { aspect_id: 'worker_instance', ssh_cp_name: 'x', nic_cp_name: 'y' }, 'worker'), 'workerNode');
    assert.throws(() => vduOf(flavour, { ssh_cp_name: 'x', nic_cp_name: 'y' }, 'worker'), /cannot tell which VDU holds the worker nodes/);
    const r = classify(
      [ref('w2', 'workerNode', '1', 't3'), ref('m', 'masterNode', '2', 't1'), ref('w1', 'workerNode', '3', 't2'), ref('s', 'storage', '4', 't0')],
      'masterNode',
      'workerNode',
    );
    assert.deepEqual(
      r.masters.map((v) => v.id),
      ['m'],
    );
    assert.deepEqual(
      r.workers.map((v) => v.id),
      ['w1', 'w2'],
    );
  });
});
