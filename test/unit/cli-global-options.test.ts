/**
 * OSC's global options before the command (`openstack --os-cloud prod vnflcm list` → `vnflcm
 * --os-cloud prod list`) as well as after it, on every command: the argv pre-parser, and the CLI
 * acting on them (cloud commands use them, the others accept and ignore them).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { globalOptionSpan, reorder } from '../../src/cli/argv.js';
import { ROOT, runCli, tempHome } from '../helpers/cli.js';

const IDS = ['list', 'show', 'heal', 'instantiate', 'op list', 'op show', 'vim register'];

describe('reorder: leading global options go after the command id', () => {
  const cases: Array<[string[], string[]]> = [
    [['--os-cloud', 'prod', 'list'], ['list', '--os-cloud', 'prod']],
    [['--os-cloud=prod', 'op', 'show', 'X', '-f', 'json'], ['op', 'show', '--os-cloud=prod', 'X', '-f', 'json']],
    [
      ['-vv', '--debug', '--os-region-name', 'R', '--insecure', 'instantiate', 'ID', 'F'],
      ['instantiate', '--verbose', '--debug', '--os-region-name', 'R', '--insecure', 'ID', 'F'],
    ],
    [['-q', '--os-tacker-api-version', '1', 'vim', 'register', 'a'], ['vim', 'register', '-q', '--os-tacker-api-version', '1', 'a']],
    [['--os-cloud', 'x', 'heal', '--vnfc-instance', 'A', '--', 'ID'], ['heal', '--os-cloud', 'x', '--vnfc-instance', 'A', '--', 'ID']],
    // unchanged: nothing in front, or global options already after the command
    [['list'], ['list']],
    [['show', 'ID', '--os-cloud', 'x', '--debug'], ['show', 'ID', '--os-cloud', 'x', '--debug']],
    // -vv after the command too (oclif has no counted flags), but not after --
    [['show', '-vvv', '--', '-vv'], ['show', '--verbose', '--', '-vv']],
    // an unknown command keeps its words in front (its not-found message names them)
    [['--debug', 'frob', 'x', '--y'], ['frob', 'x', '--debug', '--y']],
    [['--os-cloud'], []],
    // a topic with a word that is none of its commands: one id, so that oclif reports it not found
    [['op', 'frob', 'x'], ['op:frob', 'x']],
    [['--debug', 'op', 'frob'], ['op:frob', '--debug']],
    [['op'], ['op']],
    // no command: global options alone are the overview; --version/--help still come first for oclif
    [['--debug'], []],
    [['--os-cloud', 'x', '--version'], ['--version', '--os-cloud', 'x']],
    [['--os-cloud', 'x', '--help'], ['--help', '--os-cloud', 'x']],
  ];
  for (const [argv, want] of cases) {
    test(argv.join(' '), () => assert.deepEqual(reorder(argv, IDS), want));
  }

  test('which options take a value: every --os-* but --os-beta-command, and --log-file', () => {
    assert.equal(globalOptionSpan(['--os-project-domain-name', 'Default'], 0), 2);
    assert.equal(globalOptionSpan(['--os-project-domain-name=Default'], 0), 1);
    assert.equal(globalOptionSpan(['--os-beta-command', 'list'], 0), 1);
    assert.equal(globalOptionSpan(['--log-file', '/tmp/x'], 0), 2);
    for (const flag of ['--debug', '-v', '-vv', '--verbose', '-q', '--quiet', '--insecure', '--verify', '--timing']) assert.equal(globalOptionSpan([flag, 'x'], 0), 1, flag);
    for (const other of ['list', '-f', '--format', '--name', '--help']) assert.equal(globalOptionSpan([other, 'x'], 0), 0, other);
  });

  test('the default command table is the CLI\'s own', () => {
    assert.deepEqual(reorder(['--os-cloud', 'p', 'op', 'list']), ['op', 'list', '--os-cloud', 'p']);
    assert.deepEqual(reorder(['--os-cloud', 'p', 'package', 'show', 'X']), ['package', 'show', '--os-cloud', 'p', 'X']);
  });
});

describe('the CLI with global options before and after the command', () => {
  const home = tempHome();
  const clouds = join(home, 'clouds.yaml');
  const env = { OS_CLIENT_CONFIG_FILE: clouds, OS_CLOUD: '' };
  let id = '';

  before(async () => {
    writeFileSync(clouds, 'clouds:\n  site:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n      username: u\n      password: p\n      project_name: p\n');
    assert.equal((await runCli(['package', 'add', join(ROOT, 'samples', 'private-registry-vnf-package')], { home })).code, 0);
    const c = await runCli(['create', 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f', '-f', 'value', '-c', 'ID'], { home });
    id = c.stdout.trim();
    assert.equal(c.code, 0, c.stderr);
  });

  test('commands that need no cloud accept and ignore them, before or after', async () => {
    const plain = await runCli(['list'], { home });
    assert.equal(plain.code, 0);
    for (const argv of [
      ['--os-cloud', 'prod', 'list'],
      ['list', '--os-cloud', 'prod'],
      ['--os-cloud=prod', '--os-region-name', 'RegionOne', '-vv', '--debug', '--insecure', 'list'],
      ['list', '-q', '--os-auth-url', 'http://x/v3', '--os-tacker-api-version', '1', '--timing', '--log-file', '/dev/null'],
    ]) {
      const r = await runCli(argv, { home, env });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, plain.stdout, ''], argv.join(' '));
    }
    const show = await runCli(['--os-cloud', 'prod', 'show', id, '-c', 'Instantiation State', '-f', 'value'], { home, env });
    assert.deepEqual([show.code, show.stdout], [0, 'NOT_INSTANTIATED\n']);
    const op = await runCli(['--os-cloud', 'prod', 'op', 'list', '-f', 'json'], { home, env });
    assert.deepEqual([op.code, op.stdout], [0, '[]\n']);
  });

  test('cloud commands use them wherever they are: the cloud named is the one looked up', async () => {
    for (const argv of [
      ['--os-cloud', 'prod', 'instantiate', id, join(ROOT, 'samples', 'private_registry_param_file.json')],
      ['instantiate', id, join(ROOT, 'samples', 'private_registry_param_file.json'), '--os-cloud', 'prod'],
    ]) {
      const r = await runCli(argv, { home, env });
      assert.deepEqual([r.code, r.stdout, r.stderr], [4, '', 'Cloud prod was not found.\n'], argv.join(' '));
    }
    // nothing happened: no operation recorded, the instance is as it was
    const op = await runCli(['op', 'list', '-f', 'json'], { home });
    assert.equal(op.stdout, '[]\n');
    const show = await runCli(['show', id, '-c', 'Instantiation State', '-f', 'value'], { home });
    assert.equal(show.stdout, 'NOT_INSTANTIATED\n');
    const reg = await runCli(['--os-cloud', 'nope', 'vim', 'register', 'a'], { home, env });
    assert.deepEqual([reg.code, reg.stderr], [4, 'Cloud nope was not found.\n']);
    const ok = await runCli(['--os-cloud', 'site', 'vim', 'register', 'a', '-f', 'value', '-c', 'Name'], { home, env });
    assert.equal(ok.code, 0, ok.stderr);
    const vims = await runCli(['vim', 'list', '-f', 'value', '-c', 'Name'], { home });
    assert.match(vims.stdout, /^a$/m);
  });

  test('an unknown --os-* option is still an error, named', async () => {
    const r = await runCli(['list', '--os-nonsense', 'x'], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\nvnflcm list: error: unrecognized arguments: --os-nonsense x\n$/);
  });
});
