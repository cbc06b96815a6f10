// Commands called in this process, as python-openstackclient tests its commands: each `run()`
// returns its data (ShowResult / ListResult / a message), checked here field by field against the
// store, and BaseCommand prints exactly that data. Uses the real sample package and a real store
// in a temp VNFLCM_HOME. The spawned-process tests (cli-instances, op-show, ...) keep covering
// the real entry point bin/run.js.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import Create from '../../src/commands/create.js';
import Delete from '../../src/commands/delete.js';
import List from '../../src/commands/list.js';
import OpEvents from '../../src/commands/op/events.js';
import OpShow from '../../src/commands/op/show.js';
import PackageAdd from '../../src/commands/package/add.js';
import Show from '../../src/commands/show.js';
import type { ListResult, MessageResult, ShowResult } from '../../src/cli/results.js';
import { Store } from '../../src/lib/store/index.js';
import { tempHome } from '../helpers/cli.js';
import { runCommand } from '../helpers/in-process.js';
import { stateUrlOf } from '../helpers/state.js';
import { REGISTRY_PKG, REGISTRY_VNFD } from '../helpers/packages.js';
import { instanceRecord } from '../helpers/records.js';

/** The home's store (in the pg pass of the matrix, its own database). */
const openStore = (home: string): Promise<Store> => Store.open(home, { stateUrl: stateUrlOf(home) });

function field(r: ShowResult, label: string): unknown {
  const f = r.fields.find((x) => x.label === label);
  assert.ok(f, `no field ${label} in ${r.fields.map((x) => x.label).join(', ')}`);
  return f.value;
}

describe('commands in process: create, show, list, delete', () => {
  const home = tempHome();
  let id = '';

  before(async () => {
    const added = await runCommand(PackageAdd, [REGISTRY_PKG], { home });
    assert.equal(added.exitCode, 0, added.stderr);
    assert.equal(field(added.result, 'VNFD ID'), REGISTRY_VNFD);
  });

  test('create returns the new instance (what Tacker answers 201 with), stored NOT_INSTANTIATED', async () => {
    const r = await runCommand(Create, [REGISTRY_VNFD, '--name', 'reg-1', '--description', 'in-process'], { home });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.result.type, 'show');
    id = String(field(r.result, 'ID'));
    const rec = await (await openStore(home)).getInstance(id);
    assert.ok(rec, 'the instance is in the store');
    assert.equal(field(r.result, 'VNF Instance Name'), 'reg-1');
    assert.equal(field(r.result, 'VNF Instance Description'), 'in-process');
    assert.equal(field(r.result, 'VNFD ID'), REGISTRY_VNFD);
    assert.equal(field(r.result, 'Instantiation State'), 'NOT_INSTANTIATED');
    assert.equal(field(r.result, 'VNF Package ID'), rec.vnfPkgId);
    // create shows no VIM Connection Info (the real client's create columns)
    assert.ok(!r.result.fields.some((f) => f.label === 'VIM Connection Info'));
    // what was printed is the table of that data
    assert.match(r.stdout, new RegExp(`\\| ID +\\| ${id} +\\|`));
  });

  test('show returns the stored instance; -f json prints the same fields', async () => {
    const r = await runCommand(Show, [id, '-f', 'json'], { home });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(field(r.result, 'ID'), id);
    assert.equal(field(r.result, 'Instantiation State'), 'NOT_INSTANTIATED');
    assert.ok(r.result.fields.some((f) => f.label === 'VIM Connection Info'), 'show has the VIM Connection Info column');
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(printed).sort(), r.result.fields.map((f) => f.label).sort());
    assert.equal(printed.ID, id);
  });

  test('list returns one row per stored instance, in the list columns', async () => {
    await (await openStore(home)).createInstance(instanceRecord('0b9c3f46-2a54-4a57-9f8e-0d1e7f1b2c3d', { vnfInstanceName: 'other' }));
    const r = await runCommand(List, [], { home });
    assert.equal(r.exitCode, 0, r.stderr);
    const result: ListResult = r.result;
    assert.deepEqual(result.columns, ['ID', 'VNF Instance Name', 'Instantiation State', 'VNF Provider', 'VNF Software Version', 'VNF Product Name', 'VNFD ID']);
    const byId = new Map(result.rows.map((row) => [row[0], row]));
    assert.equal(byId.size, 2);
    assert.deepEqual(byId.get(id)?.slice(1, 3), ['reg-1', 'NOT_INSTANTIATED']);
    assert.equal(byId.get('0b9c3f46-2a54-4a57-9f8e-0d1e7f1b2c3d')?.[1], 'other');
  });

  test('show of an unknown id: no data, exit 1, the real client\'s message on stderr', async () => {
    const r = await runCommand(Show, ['9d1f5d2e-0000-4000-8000-000000000000'], { home });
    assert.equal(r.result, undefined);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /9d1f5d2e-0000-4000-8000-000000000000/);
  });

  test('delete returns its message and the instance is gone from the store', async () => {
    const r = await runCommand(Delete, ['0b9c3f46-2a54-4a57-9f8e-0d1e7f1b2c3d'], { home });
    assert.equal(r.exitCode, 0, r.stderr);
    const result: MessageResult = r.result;
    assert.deepEqual(result.lines, ["Vnf instance '0b9c3f46-2a54-4a57-9f8e-0d1e7f1b2c3d' is deleted successfully"]);
    assert.equal(r.stdout, `${result.lines[0]}\n`);
    assert.equal(await (await openStore(home)).getInstance('0b9c3f46-2a54-4a57-9f8e-0d1e7f1b2c3d'), undefined);
    assert.equal((await runCommand(List, [], { home })).result.rows.length, 1);
  });
});

describe('commands in process: op show, show of an instantiated VNF', () => {
  const home = tempHome();
  const OP = '3c1e2f7a-8b9d-4c5e-a6f7-0e1d2c3b4a59';
  const INSTANCE = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
  const INSTANTIATED = '7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b';

  before(async () => {
    const store = await openStore(home);
    await store.createInstance(instanceRecord(INSTANCE));
    await store.putOp({
      id: OP,
      operationState: 'FAILED_TEMP',
      stateEnteredTime: '2026-12-03T09:00:05Z',
      startTime: '2026-12-03T09:00:00Z',
      vnfInstanceId: INSTANCE,
      grantId: null,
      operation: 'SCALE',
      isAutomaticInvocation: false,
      operationParams: { type: 'SCALE_OUT', aspectId: 'worker_instance', additionalParams: { ssh_password: 'pw-2' } },
      isCancelPending: false,
      error: { title: 'Scale failed', status: 500, detail: 'Step "join node" failed on ubuntu@10.0.0.7:22 with exit code 1.' },
    });
  });

  test('returns the occurrence: state, operation, instance, error, parameters with the password masked', async () => {
    const r = await runCommand(OpShow, [OP], { home });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(field(r.result, 'ID'), OP);
    assert.equal(field(r.result, 'Operation State'), 'FAILED_TEMP');
    assert.equal(field(r.result, 'Operation'), 'SCALE');
    assert.equal(field(r.result, 'VNF Instance ID'), INSTANCE);
    assert.deepEqual(field(r.result, 'Error'), { title: 'Scale failed', status: 500, detail: 'Step "join node" failed on ubuntu@10.0.0.7:22 with exit code 1.' });
    const params = JSON.parse(String(field(r.result, 'Operation Parameters'))) as { aspectId: string; additionalParams: { ssh_password: string } };
    assert.equal(params.aspectId, 'worker_instance');
    assert.equal(params.additionalParams.ssh_password, '********');
    assert.ok(!r.stdout.includes('pw-2'));
  });

  test('show masks passwords in the instantiated info unless --show-secrets', async () => {
    const store = await openStore(home);
    const info = { flavourId: 'simple', additionalParams: { private_registry_installation_param: { ssh_username: 'ubuntu', ssh_password: 'pw-1' } } };
    await store.createInstance(instanceRecord(INSTANTIATED, { instantiationState: 'INSTANTIATED', instantiatedVnfInfo: info }));
    const masked = await runCommand(Show, [INSTANTIATED], { home });
    assert.equal(masked.exitCode, 0, masked.stderr);
    const shownInfo = field(masked.result, 'Instantiated Vnf Info') as typeof info;
    assert.equal(shownInfo.additionalParams.private_registry_installation_param.ssh_password, '********');
    assert.equal(shownInfo.additionalParams.private_registry_installation_param.ssh_username, 'ubuntu');
    assert.ok(!masked.stdout.includes('pw-1'));
    const shown = await runCommand(Show, [INSTANTIATED, '--show-secrets'], { home });
    assert.deepEqual(field(shown.result, 'Instantiated Vnf Info'), info);
  });

  test('an unknown occurrence: no data, exit 1, Tacker\'s message', async () => {
    const r = await runCommand(OpShow, ['00000000-0000-4000-8000-000000000000'], { home });
    assert.equal(r.result, undefined);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stderr, 'table vnf_lcm_op_occs not Found\n');
  });
});

describe('commands in process: op events', () => {
  const home = tempHome();
  const OP = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

  test('the history of an occurrence: start, the step started, the state it ended in (both backends)', async () => {
    const store = await openStore(home);
    const step = { node: 'vm-1', name: 'pull image', at: '2026-12-03T09:00:02.000Z' };
    await store.putOp({
      id: OP,
      operationState: 'PROCESSING',
      stateEnteredTime: '2026-12-03T09:00:00.000Z',
      startTime: '2026-12-03T09:00:00.000Z',
      vnfInstanceId: 'i-events',
      grantId: null,
      operation: 'HEAL',
      isAutomaticInvocation: false,
      operationParams: {},
      isCancelPending: false,
      error: null,
    });
    await store.updateOp(OP, (o) => ({ ...o, runningSteps: [step] }));
    let r = await runCommand(OpEvents, [OP, '-f', 'json'], { home });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.result.columns, ['Time', 'Node', 'Step', 'Event']);
    assert.deepEqual(
      r.result.rows.map((row) => row.slice(1)),
      [
        ['', '', 'started HEAL'],
        ['vm-1', 'pull image', 'step started'],
      ],
    );
    await store.updateOp(OP, (o) => ({
      ...o,
      operationState: 'FAILED_TEMP',
      stateEnteredTime: '2026-12-03T09:00:09.000Z',
      failedStep: step,
      error: { title: 'Heal failed', status: 500, detail: 'boom' },
    }));
    r = await runCommand(OpEvents, [OP], { home });
    assert.deepEqual(r.result.rows.at(-1), ['2026-12-03T09:00:09.000Z', 'vm-1', 'pull image', 'FAILED_TEMP: Heal failed']);
    assert.match(r.stdout, /FAILED_TEMP: Heal failed/, 'printed as a table');
    const missing = await runCommand(OpEvents, ['no-such-op'], { home });
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /table vnf_lcm_op_occs not Found/);
  });
});
