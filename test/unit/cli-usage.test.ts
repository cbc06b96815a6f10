/**
 * Usage errors and unknown commands as the real client (python-tackerclient over cliff/argparse) prints them: the usage
 * block wrapped by argparse's rules, then `vnflcm <cmd>: error: <the whole reason>`, exit 2, nothing
 * on stdout and nothing changed in the store; unknown commands get cliff's "Did you mean" on stdout.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { argparseMessage, formatUsage } from '../../src/cli/usage.js';
import { damerauLevenshtein, fuzzyMatches } from '../../src/cli/not-found.js';
import Delete from '../../src/commands/delete.js';
import List from '../../src/commands/list.js';
import OpList from '../../src/commands/op/list.js';
import OpShow from '../../src/commands/op/show.js';
import Scale from '../../src/commands/scale.js';
import { ROOT, runCli, tempHome } from '../helpers/cli.js';

const spec = (c: typeof List | typeof OpList | typeof OpShow | typeof Delete | typeof Scale) => ({ flags: { ...c.baseFlags, ...c.flags }, args: c.args, strict: c.strict });

describe('argparse usage block, byte for byte against the real client (COLUMNS=80)', () => {
  // Captured from `openstack vnflcm … ` (python-tackerclient 1.12.0, Debian 12) with COLUMNS=80.
  test('op list: wrapped options, mutually exclusive groups', () => {
    assert.equal(
      formatUsage('openstack vnflcm op list', spec(OpList), 78),
      [
        'usage: openstack vnflcm op list [-h] [-f {csv,json,table,value,yaml}]',
        '                                [-c COLUMN]',
        '                                [--quote {all,minimal,none,nonnumeric}]',
        '                                [--noindent] [--max-width <integer>]',
        '                                [--fit-width] [--print-empty]',
        '                                [--sort-column SORT_COLUMN]',
        '                                [--sort-ascending | --sort-descending]',
        '                                [--filter <filter>]',
        '                                [--fields <fields> | --exclude-fields <exclude-fields>]',
        '',
      ].join('\n'),
    );
  });

  test('list, op show and delete', () => {
    assert.equal(
      formatUsage('openstack vnflcm list', spec(List), 78),
      [
        'usage: openstack vnflcm list [-h] [-f {csv,json,table,value,yaml}] [-c COLUMN]',
        '                             [--quote {all,minimal,none,nonnumeric}]',
        '                             [--noindent] [--max-width <integer>]',
        '                             [--fit-width] [--print-empty]',
        '                             [--sort-column SORT_COLUMN]',
        '                             [--sort-ascending | --sort-descending]',
        '',
      ].join('\n'),
    );
    assert.equal(
      formatUsage('openstack vnflcm op show', spec(OpShow), 78),
      [
        'usage: openstack vnflcm op show [-h] [-f {json,shell,table,value,yaml}]',
        '                                [-c COLUMN] [--noindent] [--prefix PREFIX]',
        '                                [--max-width <integer>] [--fit-width]',
        '                                [--print-empty]',
        '                                <vnf-lcm-op-occ-id>',
        '',
      ].join('\n'),
    );
    assert.equal(formatUsage('openstack vnflcm delete', spec(Delete), 78), 'usage: openstack vnflcm delete [-h] <vnf-instance> [<vnf-instance> ...]\n');
  });

  test('a narrow terminal wraps more; a wide one keeps one line', () => {
    assert.equal(formatUsage('vnflcm delete', spec(Delete), 30), 'usage: vnflcm delete [-h]\n                     <vnf-instance> [<vnf-instance> ...]\n');
    assert.equal(formatUsage('vnflcm list', spec(List), 400).split('\n').length, 2);
  });
});

describe('argparse messages (the whole reason)', () => {
  const cases: Array<[string[], string]> = [
    [[], 'the following arguments are required: <vnf-instance>, --type, --aspect-id'],
    [['ID', '--aspect-id', 'x'], 'the following arguments are required: --type'],
    [['ID', '--type', 'SCALE_OUT', '--aspect-id', 'x', '--number-of-steps', 'abc'], "argument --number-of-steps: invalid int value: 'abc'"],
    [['ID', '--type', 'UP', '--aspect-id', 'x'], "argument --type: invalid choice: 'UP' (choose from 'SCALE_OUT', 'SCALE_IN')"],
    [['ID', '--type'], 'argument --type: expected one argument'],
    // argparse reports the first bad token before a later missing value, and before missing options
    [['--type', 'UP', '--aspect-id'], "argument --type: invalid choice: 'UP' (choose from 'SCALE_OUT', 'SCALE_IN')"],
    [['ID', 'extra', '--type', 'SCALE_IN', '--aspect-id', 'a', '--bogus'], 'unrecognized arguments: extra --bogus'],
  ];
  for (const [argv, message] of cases) {
    test(`scale ${argv.join(' ')}`, async () => {
      assert.equal(await argparseMessage(argv, spec(Scale)), message);
    });
  }
  test('an argv argparse accepts gives no message', async () => {
    assert.equal(await argparseMessage(['ID', '--type', 'SCALE_IN', '--aspect-id', 'a', '--number-of-steps', '2'], spec(Scale)), undefined);
  });
});

describe('usage errors of the CLI: stderr, exit 2, nothing done', () => {
  const home = tempHome();
  const SCALE_USAGE = [
    'usage: vnflcm scale [-h] [--number-of-steps <number-of-steps>]',
    '                    [--additional-param-file <additional-param-file>]',
    '                    --type <type> --aspect-id <aspect-id> [--dry-run]',
    '                    [--timeout TIMEOUT] [--accept-new-host-key]',
    '                    [--concurrency CONCURRENCY]',
    '                    <vnf-instance>',
  ].join('\n');
  const CREATE_USAGE = [
    'usage: vnflcm create [-h] [-f {json,shell,table,value,yaml}] [-c COLUMN]',
    '                     [--noindent] [--prefix PREFIX] [--max-width <integer>]',
    '                     [--fit-width] [--print-empty]',
    '                     [--name <vnf-instance-name>]',
    '                     [--description <vnf-instance-description>]',
    '                     [--I <param-file>] [--timeout TIMEOUT]',
    '                     [--accept-new-host-key] [--concurrency CONCURRENCY]',
    '                     <vnfd-id>',
  ].join('\n');

  before(async () => {
    const r = await runCli(['package', 'add', join(ROOT, 'samples', 'private-registry-vnf-package')], { home });
    assert.equal(r.code, 0, r.stderr);
  });

  const cases: Array<[string, string[], string]> = [
    ['missing argument named', ['create'], `${CREATE_USAGE}\nvnflcm create: error: the following arguments are required: <vnfd-id>\n`],
    ['missing option named', ['scale', 'ID', '--aspect-id', 'x'], `${SCALE_USAGE}\nvnflcm scale: error: the following arguments are required: --type\n`],
    ['invalid int with the value', ['scale', 'ID', '--type', 'SCALE_OUT', '--aspect-id', 'x', '--number-of-steps', 'abc'], `${SCALE_USAGE}\nvnflcm scale: error: argument --number-of-steps: invalid int value: 'abc'\n`],
    ['invalid choice with the choices', ['scale', 'ID', '--type', 'UP', '--aspect-id', 'x'], `${SCALE_USAGE}\nvnflcm scale: error: argument --type: invalid choice: 'UP' (choose from 'SCALE_OUT', 'SCALE_IN')\n`],
    ['option without its value', ['scale', 'ID', '--type'], `${SCALE_USAGE}\nvnflcm scale: error: argument --type: expected one argument\n`],
    [
      'invalid choice of a short option',
      ['create', '-f', 'xml', 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f'],
      `${CREATE_USAGE}\nvnflcm create: error: argument -f/--format: invalid choice: 'xml' (choose from 'json', 'shell', 'table', 'value', 'yaml')\n`,
    ],
    [
      'options not allowed together',
      ['op', 'list', '--fields', 'a', '--exclude-fields', 'b'],
      [
        'usage: vnflcm op list [-h] [-f {csv,json,table,value,yaml}] [-c COLUMN]',
        '                      [--quote {all,minimal,none,nonnumeric}] [--noindent]',
        '                      [--max-width <integer>] [--fit-width] [--print-empty]',
        '                      [--sort-column SORT_COLUMN]',
        '                      [--sort-ascending | --sort-descending]',
        '                      [--filter <filter>]',
        '                      [--fields <fields> | --exclude-fields <exclude-fields>]',
        'vnflcm op list: error: argument --exclude-fields: not allowed with argument --fields',
        '',
      ].join('\n'),
    ],
    [
      'unrecognized arguments',
      ['show', 'a', 'b', '--foo'],
      [
        'usage: vnflcm show [-h] [-f {json,shell,table,value,yaml}] [-c COLUMN]',
        '                   [--noindent] [--prefix PREFIX] [--max-width <integer>]',
        '                   [--fit-width] [--print-empty] [--show-secrets]',
        '                   <vnf-instance>',
        'vnflcm show: error: unrecognized arguments: b --foo',
        '',
      ].join('\n'),
    ],
    [
      'heal: the literal -- of its usage',
      ['heal', '--vnfc-instance', 'X', 'ID'],
      [
        'usage: vnflcm heal [-h] [--cause CAUSE]',
        '                   [--vnfc-instance <vnfc-instance-id> [<vnfc-instance-id> ...]]',
        '                   [--additional-param-file <additional-param-file>]',
        '                   [--dry-run] [--timeout TIMEOUT] [--accept-new-host-key]',
        '                   [--concurrency CONCURRENCY]',
        '                   -- <vnf-instance>',
        'vnflcm heal: error: the following arguments are required: <vnf-instance>',
        '',
      ].join('\n'),
    ],
    ['delete', ['delete'], 'usage: vnflcm delete [-h] <vnf-instance> [<vnf-instance> ...]\nvnflcm delete: error: the following arguments are required: <vnf-instance>\n'],
  ];
  for (const [name, argv, stderr] of cases) {
    test(`${name}: vnflcm ${argv.join(' ')}`, async () => {
      const r = await runCli(argv, { home });
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 2, stdout: '', stderr });
    });
  }

  test('a usage error creates nothing and records no operation', async () => {
    const list = await runCli(['list', '-f', 'json'], { home });
    assert.deepEqual([list.code, list.stdout], [0, '[]\n']);
    const ops = await runCli(['op', 'list', '-f', 'json'], { home });
    assert.deepEqual([ops.code, ops.stdout], [0, '[]\n']);
  });

  test('COLUMNS sets the wrapping width, as for argparse', async () => {
    const r = await runCli(['delete'], { home, env: { COLUMNS: '40' } });
    assert.equal(r.stderr, 'usage: vnflcm delete [-h]\n                     <vnf-instance> [<vnf-instance> ...]\nvnflcm delete: error: the following arguments are required: <vnf-instance>\n');
  });
});

describe('unknown commands, help and --version', () => {
  const home = tempHome();

  test("cliff's distance and fuzzy matches", () => {
    assert.equal(damerauLevenshtein('lst', 'list'), 1); // one insertion
    assert.equal(damerauLevenshtein('lsit', 'list'), 0); // a swap costs nothing
    assert.equal(damerauLevenshtein('shw', 'show'), 1);
    assert.equal(damerauLevenshtein('list', 'lst'), 3); // one deletion
    const names = ['create', 'delete', 'list', 'op list', 'op show', 'show'];
    assert.deepEqual(fuzzyMatches('lst', names), ['list']);
    // cliff's quirk: the prefix matches, then also every name at the nearest distance (checked with cliff 4.0.0)
    assert.deepEqual(fuzzyMatches('op', names), ['op list', 'op show', 'show']);
    assert.deepEqual(fuzzyMatches('shwo', names), ['show']);
    assert.deepEqual(fuzzyMatches('frob', names), ['show']);
  });

  test('unknown command: "is not a vnflcm command" and suggestions on stdout, exit 2', async () => {
    const r = await runCli(['lst'], { home });
    assert.deepEqual(
      { code: r.code, stdout: r.stdout, stderr: r.stderr },
      { code: 2, stdout: "vnflcm: 'lst' is not a vnflcm command. See 'vnflcm --help'.\nDid you mean one of these?\n  list\n", stderr: '' },
    );
    const t = await runCli(['op', 'shwo', 'ID'], { home });
    assert.deepEqual(
      [t.code, t.stdout],
      [2, "vnflcm: 'op shwo ID' is not a vnflcm command. See 'vnflcm --help'.\nDid you mean one of these?\n  op events\n  op fail\n  op list\n  op retry\n  op rollback\n  op show\n  help\n  lock release\n  lock show\n  show\n"],
    );
    const g = await runCli(['--os-cloud', 'prod', 'shwo', 'x'], { home });
    assert.deepEqual([g.code, g.stdout], [2, "vnflcm: 'shwo x' is not a vnflcm command. See 'vnflcm --help'.\nDid you mean one of these?\n  show\n"]);
  });

  test('help COMMAND is the command\'s --help; help alone the overview; an unknown one is refused', async () => {
    const h = await runCli(['help', 'op', 'show'], { home });
    const direct = await runCli(['op', 'show', '--help'], { home });
    assert.equal(h.code, 0, h.stderr);
    assert.equal(h.stdout, direct.stdout);
    assert.match(h.stdout, /^Display an LCM operation occurrence\n\nUSAGE\n {2}\$ vnflcm op show VNF-LCM-OP-OCC-ID/);
    const short = await runCli(['op', 'show', '-h'], { home });
    assert.equal(short.stdout, direct.stdout);
    const all = await runCli(['help'], { home });
    assert.equal(all.code, 0);
    assert.match(all.stdout, /\nCOMMANDS\n(.|\n)* {2}completion +Print the shell completion script for bash or zsh\n(.|\n)* {2}help +Display help for vnflcm or for a command\n/);
    assert.doesNotMatch(all.stdout, /__complete/);
    const bad = await runCli(['help', 'frob'], { home });
    assert.deepEqual([bad.code, bad.stderr], [2, '']);
    assert.match(bad.stdout, /^vnflcm: 'frob' is not a vnflcm command\. See 'vnflcm --help'\.\nDid you mean one of these\?\n/);
  });

  test('--version', async () => {
    const r = await runCli(['--version'], { home });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^vnflcm\/0\.1\.0 \S+ node-v\d+\.\d+\.\d+\n$/);
  });
});
