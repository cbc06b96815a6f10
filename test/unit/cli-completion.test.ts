/**
 * Shell completion: what `complete()` offers from the command table, the ids the hidden
 * `__complete` command reads from a real store, and the bash script run by a real bash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { complete, type CompletionCommand, completionLines, zshScript } from '../../src/cli/completion.js';
import { Store } from '../../src/lib/store/index.js';
import { BIN, ROOT, runCli, tempHome } from '../helpers/cli.js';

const TABLE: CompletionCommand[] = [
  { id: 'create', flags: [{ name: 'format', char: 'f', takesValue: true, options: ['json', 'table'] }, { name: 'I', takesValue: true }, { name: 'noindent', takesValue: false }], args: [{ name: 'vnfd-id' }], variadic: false },
  { id: 'delete', flags: [], args: [{ name: 'vnf-instance' }], variadic: true },
  {
    id: 'heal',
    flags: [{ name: 'vnfc-instance', takesValue: true, repeatable: true, greedy: true }, { name: 'cause', takesValue: true }],
    args: [{ name: 'vnf-instance' }],
    variadic: false,
  },
  { id: 'instantiate', flags: [], args: [{ name: 'vnf-instance' }, { name: 'param-file' }], variadic: false },
  { id: 'op list', flags: [{ name: 'column', char: 'c', takesValue: true, repeatable: true }], args: [], variadic: false },
  { id: 'op show', flags: [], args: [{ name: 'vnf-lcm-op-occ-id' }], variadic: false },
  {
    id: 'scale',
    flags: [{ name: 'type', takesValue: true, options: ['SCALE_OUT', 'SCALE_IN'] }, { name: 'aspect-id', takesValue: true }],
    args: [{ name: 'vnf-instance' }],
    variadic: false,
  },
  { id: 'completion', flags: [], args: [{ name: 'shell', options: ['bash', 'zsh'] }], variadic: false },
];

describe('complete(): what to offer for the last word', () => {
  const cases: Array<[string[], ReturnType<typeof complete>]> = [
    [[''], { kind: 'words', words: ['completion', 'create', 'delete', 'heal', 'instantiate', 'op', 'scale'] }],
    [['op', ''], { kind: 'words', words: ['list', 'show'] }],
    [['--os-cloud', 'prod', 'op', ''], { kind: 'words', words: ['list', 'show'] }],
    [['create', ''], { kind: 'ids', source: 'vnfds' }],
    [['create', '-'], { kind: 'words', words: ['--format', '--I', '--noindent'] }],
    [['create', '--noindent', '-'], { kind: 'words', words: ['--format', '--I'] }],
    [['create', '-f', ''], { kind: 'words', words: ['json', 'table'] }],
    [['create', '--I', ''], { kind: 'files' }],
    [['create', 'V', ''], { kind: 'words', words: [] }],
    [['instantiate', ''], { kind: 'ids', source: 'instances' }],
    [['instantiate', 'ID', ''], { kind: 'files' }],
    [['delete', 'A', 'B', ''], { kind: 'ids', source: 'instances' }],
    [['op', 'show', ''], { kind: 'ids', source: 'ops' }],
    [['op', 'list', '-c', 'ID', '-'], { kind: 'words', words: ['--column'] }],
    [['scale', 'ID', '--type', ''], { kind: 'words', words: ['SCALE_OUT', 'SCALE_IN'] }],
    [['scale', 'ID', '--aspect-id', ''], { kind: 'ids', source: 'aspects', instance: 'ID' }],
    [['scale', '--type', 'SCALE_OUT', 'ID', '--aspect-id', 'w'], { kind: 'ids', source: 'aspects', instance: 'ID' }],
    [['heal', 'ID', '--vnfc-instance', ''], { kind: 'ids', source: 'vnfcs', instance: 'ID' }],
    [['heal', 'ID', '--vnfc-instance', 'A', ''], { kind: 'ids', source: 'vnfcs', instance: 'ID' }], // greedy, as oclif parses it
    [['heal', 'ID', '--vnfc-instance', 'A', '-'], { kind: 'words', words: ['--vnfc-instance', '--cause'] }],
    [['completion', ''], { kind: 'words', words: ['bash', 'zsh'] }],
  ];
  for (const [words, want] of cases) {
    test(JSON.stringify(words), () => assert.deepEqual(complete(words, TABLE), want));
  }

  test('the lines __complete prints', () => {
    assert.equal(completionLines({ kind: 'files' }), 'files\n');
    assert.equal(completionLines({ kind: 'words', words: ['a', 'b'] }), 'words\na\nb\n');
    assert.equal(completionLines({ kind: 'ids', source: 'ops' }, ['x']), 'words\nx\n');
  });
});

describe('vnflcm __complete and the completion scripts', () => {
  const home = tempHome();
  const REG = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';
  const K8S = 'b1db0ce7-ebca-1fb7-95ed-4840d70a1163';
  let reg = '';
  let k8s = '';

  before(async () => {
    for (const p of ['private-registry-vnf-package', 'kubernetes-cluster-vnf-package']) {
      assert.equal((await runCli(['package', 'add', join(ROOT, 'samples', p)], { home })).code, 0);
    }
    reg = (await runCli(['create', REG, '-f', 'value', '-c', 'ID'], { home })).stdout.trim();
    k8s = (await runCli(['create', K8S, '-f', 'value', '-c', 'ID'], { home })).stdout.trim();
    const store = await Store.open(home);
    await store.updateInstance(k8s, async (rec) => ({ ...rec, instantiatedVnfInfo: { flavourId: 'simple', vnfcResourceInfo: [{ id: 'vnfc-1' }, { id: 'vnfc-2' }] } }));
    await store.putOp({
      id: 'op-1', operationState: 'FAILED_TEMP', stateEnteredTime: '2026-01-01T00:00:00Z', startTime: '2026-01-01T00:00:00Z', vnfInstanceId: reg,
      grantId: null, operation: 'INSTANTIATE', isAutomaticInvocation: false, operationParams: {}, isCancelPending: false,
    });
  });

  const words = async (...argv: string[]) => {
    const r = await runCli(['__complete', '--', ...argv], { home });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  test('ids from the store: VNFDs, instances, operations, an instance\'s aspects and VNFCs', async () => {
    const vnfds = (await words('create', '')).split('\n').slice(1, -1).sort();
    assert.deepEqual(vnfds, [REG, K8S].sort());
    assert.deepEqual((await words('show', '')).split('\n').slice(1, -1).sort(), [reg, k8s].sort());
    assert.equal(await words('op', 'show', ''), 'words\nop-1\n');
    assert.equal(await words('scale', k8s, '--aspect-id', ''), 'words\nmaster_instance\nworker_instance\n');
    assert.equal(await words('scale', reg, '--aspect-id', ''), 'words\n'); // the registry VNF has no aspect
    assert.equal(await words('heal', k8s, '--vnfc-instance', ''), 'words\nvnfc-1\nvnfc-2\n');
    assert.equal(await words('scale', 'no-such-instance', '--aspect-id', ''), 'words\n');
    assert.equal(await words('instantiate', reg, ''), 'files\n');
    assert.equal(await words('scale', reg, '--type', ''), 'words\nSCALE_OUT\nSCALE_IN\n');
  });

  test('the command list has the visible commands only', async () => {
    const cmds = (await words('')).split('\n').slice(1, -1);
    assert.ok(cmds.includes('create') && cmds.includes('op') && cmds.includes('help') && cmds.includes('completion'));
    assert.ok(!cmds.includes('__complete'));
    const list = (await words('list', '--')).split('\n');
    assert.ok(list.includes('--format') && list.includes('--sort-ascending'));
    assert.ok(!list.includes('--os-cloud'), 'global options of a no-cloud command stay out of the way');
    const inst = (await words('instantiate', reg, 'x', '--')).split('\n');
    assert.ok(inst.includes('--os-cloud') && inst.includes('--dry-run'));
  });

  test('bash: the script completes through __complete in a real bash', async () => {
    const script = await runCli(['completion', 'bash'], { home });
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /^# vnflcm completion for bash/);
    const file = join(home, 'vnflcm.bash');
    writeFileSync(file, script.stdout);
    const run = (...cwords: string[]) => {
      const r = spawnSync(
        'bash',
        ['-c', `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vnflcm_complete; printf '%s\\n' "\${COMPREPLY[@]}"`, file, BIN, ...cwords],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, VNFLCM_HOME: home, NO_COLOR: '1' } },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    assert.deepEqual(run('sc'), ['scale']);
    assert.deepEqual(run('op', 's'), ['show']);
    assert.deepEqual(run('scale', k8s, '--aspect-id', 'w'), ['worker_instance']);
    assert.deepEqual(run('show', reg.slice(0, 8)), [reg]);
    assert.deepEqual(run('op', 'show', ''), ['op-1']);
    assert.deepEqual(run('list', '-f', 'c'), ['csv']);
    assert.deepEqual(run('instantiate', reg, 'samples/private_registry_p'), ['samples/private_registry_param_file.json']);
  });

  test('zsh: the script defines the function and asks __complete', async () => {
    const r = await runCli(['completion', 'zsh'], { home });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, zshScript('vnflcm'));
    assert.match(r.stdout, /^#compdef vnflcm\n/);
    assert.match(r.stdout, /__complete -- /);
    assert.match(r.stdout, /\ncompdef _vnflcm vnflcm\n$/);
    const zsh = spawnSync('zsh', ['-n'], { input: r.stdout, encoding: 'utf8' });
    if (!zsh.error) assert.equal(zsh.status, 0, zsh.stderr); // syntax check where zsh is installed
  });

  test('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'fish'], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^usage: vnflcm completion \[-h\] <shell>\n/);
  });
});
