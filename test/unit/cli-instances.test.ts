/**
 * The no-cloud commands as real processes: package add/list/show/delete, create, show, list,
 * delete, op list/show, with their exact messages and exit codes (python-tackerclient 2.3.0 as recorded in these tests).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { join } from 'node:path';
import { ROOT, runCli, tempHome } from '../helpers/cli.js';

const REGISTRY_PKG = join(ROOT, 'samples', 'private-registry-vnf-package');
const REGISTRY_VNFD = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('vnflcm create/show/list/delete', () => {
  const home = tempHome();
  let pkgId = '';

  before(async () => {
    const r = await runCli(['package', 'add', REGISTRY_PKG, '-f', 'json'], { home });
    assert.equal(r.code, 0, r.stderr);
    pkgId = (JSON.parse(r.stdout) as Record<string, string>).Id ?? '';
    assert.match(pkgId, UUID);
  });

  test('create prints the guide\'s table', async () => {
    const r = await runCli(['create', REGISTRY_VNFD], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    const id = /\| ID +\| ([0-9a-f-]{36}) +\|/.exec(r.stdout)?.[1] ?? '';
    assert.match(id, UUID);
    const w = `        "href": "/vnflcm/v1/vnf_instances/${id}/instantiate"`.length; // widest Links line
    const rule = `+-----------------------------+${'-'.repeat(w + 2)}+`;
    const row = (f: string, v: string) => `| ${f.padEnd(27)} | ${v.padEnd(w)} |`;
    const expected = [
      rule,
      row('Field', 'Value'),
      rule,
      row('ID', id),
      row('Instantiation State', 'NOT_INSTANTIATED'),
      row('Links', '{'),
      row('', '    "self": {'),
      row('', `        "href": "/vnflcm/v1/vnf_instances/${id}"`),
      row('', '    },'),
      row('', '    "instantiate": {'),
      row('', `        "href": "/vnflcm/v1/vnf_instances/${id}/instantiate"`),
      row('', '    }'),
      row('', '}'),
      row('VNF Configurable Properties', ''),
      row('VNF Instance Description', 'None'),
      row('VNF Instance Name', `vnf-${id}`),
      row('VNF Package ID', pkgId),
      row('VNF Product Name', 'Sample Private registry VNF'),
      row('VNF Provider', 'Company'),
      row('VNF Software Version', '1.0'),
      row('VNFD ID', REGISTRY_VNFD),
      row('VNFD Version', '1.0'),
      rule,
      '',
    ];
    assert.deepEqual(lines, expected);
  });

  test('create -f json / value / shell / -c', async () => {
    const j = await runCli(['create', REGISTRY_VNFD, '--name', 'reg1', '--description', 'café', '-f', 'json'], { home });
    assert.equal(j.code, 0, j.stderr);
    const obj = JSON.parse(j.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(obj), [
      'ID', 'Instantiation State', 'Links', 'VNF Configurable Properties', 'VNF Instance Description', 'VNF Instance Name',
      'VNF Package ID', 'VNF Product Name', 'VNF Provider', 'VNF Software Version', 'VNFD ID', 'VNFD Version',
    ]);
    assert.equal(obj['VNF Instance Name'], 'reg1');
    assert.equal(obj['VNF Configurable Properties'], '');
    assert.ok(j.stdout.includes('"caf\\u00e9"'), 'json output escapes non-ASCII like Python');
    const id = obj.ID as string;

    const v = await runCli(['show', id, '-f', 'value', '-c', 'VNF Instance Name', '-c', 'ID'], { home });
    assert.equal(v.stdout, `${id}\nreg1\n`);

    const s = await runCli(['show', id, '-f', 'shell', '-c', 'Instantiation State', '-c', 'VNF Instance Description', '--prefix', 'vnf_'], { home });
    assert.equal(s.stdout, 'vnf_instantiation_state="NOT_INSTANTIATED"\nvnf_vnf_instance_description="café"\n');

    const bad = await runCli(['show', id, '-c', 'Nope'], { home });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^No recognized column names in \['Nope'\]\. Recognized columns are \('ID', 'Instantiation State', 'Links', 'VIM Connection Info',/);
  });

  test('show of a NOT_INSTANTIATED instance has no Instantiated Vnf Info and an empty VIM Connection Info', async () => {
    const c = await runCli(['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'], { home });
    const id = c.stdout.trim();
    const r = await runCli(['show', id, '-f', 'json'], { home });
    const obj = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal('Instantiated Vnf Info' in obj, false);
    assert.equal(obj['VIM Connection Info'], '');
    assert.equal(obj['VNF Instance Description'], null);
  });

  test('unknown ids and VNFDs get the real client\'s messages', async () => {
    const s = await runCli(['show', 'aaaaaaaa-0000-0000-0000-000000000000'], { home });
    assert.deepEqual([s.code, s.stdout, s.stderr], [1, '', 'Can not find requested vnf instance: aaaaaaaa-0000-0000-0000-000000000000\n']);
    const c = await runCli(['create', 'nope'], { home });
    assert.deepEqual([c.code, c.stderr], [1, 'Can not find requested to NFVO,                         vnf package info: vnfdId=[nope]\n']);
    const o = await runCli(['op', 'show', 'x'], { home });
    assert.deepEqual([o.code, o.stderr], [1, 'table vnf_lcm_op_occs not Found\n']);
  });

  test('missing argument is a usage error (exit 2)', async () => {
    const r = await runCli(['create'], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^usage: vnflcm create (.|\n)*\nvnflcm create: error: the following arguments are required: <vnfd-id>\n$/);
  });

  test('delete: one, several, and failures', async () => {
    const mk = async () => (await runCli(['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'], { home })).stdout.trim();
    const a = await mk();
    const one = await runCli(['delete', a], { home });
    assert.deepEqual([one.code, one.stdout], [0, `Vnf instance '${a}' is deleted successfully\n`]);
    const b = await mk();
    const c = await mk();
    const two = await runCli(['delete', b, c], { home });
    assert.deepEqual([two.code, two.stdout], [0, 'All specified vnf instances are deleted successfully\n']);
    const d = await mk();
    const mixed = await runCli(['delete', 'gone-1', d], { home });
    assert.equal(mixed.code, 1);
    assert.equal(mixed.stdout, '');
    assert.equal(
      mixed.stderr,
      "Failed to delete vnf instance with ID 'gone-1': Can not find requested vnf instance: gone-1\nFailed to delete 1 of 2 vnf instances.\n",
    );
    const after = await runCli(['show', d], { home });
    assert.equal(after.code, 1, 'the other id was deleted');
  });

  test('list shows every instance; an empty list prints one blank line', async () => {
    const empty = await runCli(['list'], { home: tempHome() });
    assert.deepEqual([empty.code, empty.stdout], [0, '\n']);
    const r = await runCli(['list', '-f', 'json'], { home });
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.ok(rows.length >= 3);
    assert.deepEqual(Object.keys(rows[0] ?? {}), [
      'ID', 'VNF Instance Name', 'Instantiation State', 'VNF Provider', 'VNF Software Version', 'VNF Product Name', 'VNFD ID',
    ]);
    const csv = await runCli(['list', '-f', 'csv', '-c', 'ID', '-c', 'VNFD ID'], { home });
    assert.equal(csv.stdout.split('\n')[0], '"ID","VNFD ID"');
  });

  test('20 parallel creates all land', async () => {
    const h = tempHome();
    assert.equal((await runCli(['package', 'add', REGISTRY_PKG], { home: h })).code, 0);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runCli(['create', REGISTRY_VNFD, '--name', `p${i}`, '-f', 'value', '-c', 'ID'], { home: h })),
    );
    assert.deepEqual(results.map((r) => r.code), Array(20).fill(0));
    const ids = new Set(results.map((r) => r.stdout.trim()));
    assert.equal(ids.size, 20);
    const list = JSON.parse((await runCli(['list', '-f', 'json'], { home: h })).stdout) as Array<Record<string, string>>;
    assert.equal(list.length, 20);
    assert.deepEqual(new Set(list.map((r) => r.ID)), ids);
  });

  test('package list/show/delete; a package in use cannot be deleted', async () => {
    const l = await runCli(['package', 'list', '-f', 'json'], { home });
    const rows = JSON.parse(l.stdout) as Array<Record<string, string>>;
    assert.equal(rows[0]?.['VNFD ID'], REGISTRY_VNFD);
    assert.equal(rows[0]?.['Usage State'], 'IN_USE');
    const s = await runCli(['package', 'show', REGISTRY_VNFD, '-f', 'json', '-c', 'Vnf Product Name'], { home });
    assert.deepEqual(JSON.parse(s.stdout), { 'Vnf Product Name': 'Sample Private registry VNF' });
    const d = await runCli(['package', 'delete', REGISTRY_VNFD], { home });
    assert.equal(d.code, 1);
    assert.match(d.stderr, /is in use by \d+ VNF instance\(s\)/);
    const again = await runCli(['package', 'add', REGISTRY_PKG, '-f', 'value', '-c', 'Id'], { home });
    assert.deepEqual([again.code, again.stdout.trim()], [0, pkgId], 'adding the same package again changes nothing');
  });
});
