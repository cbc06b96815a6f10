/**
 * The list (cliff Lister) output of the formatter: table alignment, empty lists, csv quoting, sorting, -c and
 * wrapping, checked against what the real client prints for the same data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render, type FormatOptions, type ListResult } from '../../src/lib/format/index.js';
import { CliError } from '../../src/lib/errors.js';
import { bold, ESC, lines, opts, unbold } from '../helpers/format.js';

const ID = 'f93ed99c-e2f2-4f18-8377-37a171ea344f';

/** `vnflcm list`: the command's column order; a null and an absent value in the second row. */
const instances: ListResult = {
  type: 'list',
  columns: ['ID', 'VNF Instance Name', 'Instantiation State', 'VNF Provider', 'VNF Software Version', 'VNF Product Name', 'VNFD ID'],
  rows: [
    [ID, `vnf-${ID}`, 'INSTANTIATED', 'Company', '1.0', 'Sample Private registry VNF', 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f'],
    ['5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11', 'k8s cluster', 'NOT_INSTANTIATED', 'Company', null, 'Sample Kubernetes VNF', undefined],
  ],
};

const empty: ListResult = { type: 'list', columns: ['ID', 'Operation State', 'VNF Instance ID', 'Operation'], rows: [] };

test('table: one column per header, in the command\'s order; null → None, absent → empty', () => {
  assert.equal(render(instances, opts()), lines(
    '+--------------------------------------+------------------------------------------+---------------------+--------------+----------------------+-----------------------------+--------------------------------------+',
    '| ID                                   | VNF Instance Name                        | Instantiation State | VNF Provider | VNF Software Version | VNF Product Name            | VNFD ID                              |',
    '+--------------------------------------+------------------------------------------+---------------------+--------------+----------------------+-----------------------------+--------------------------------------+',
    '| f93ed99c-e2f2-4f18-8377-37a171ea344f | vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f | INSTANTIATED        | Company      | 1.0                  | Sample Private registry VNF | c1bb0ce7-ebca-4fa7-95ed-4840d70a118f |',
    '| 5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11 | k8s cluster                              | NOT_INSTANTIATED    | Company      | None                 | Sample Kubernetes VNF       |                                      |',
    '+--------------------------------------+------------------------------------------+---------------------+--------------+----------------------+-----------------------------+--------------------------------------+',
  ));
});

test('table alignment follows the type of the first row\'s value (numbers right, the rest left)', () => {
  const numbers: ListResult = {
    type: 'list',
    columns: ['Name', 'Count', 'Ratio', 'Ok'],
    rows: [
      ['alpha', 1, 0.5, true],
      ['b', 22, null, false],
      ['ccc\nsecond line', 333, 2.25, null],
    ],
  };
  assert.equal(render(numbers, opts()), lines(
    '+-------------+-------+-------+-------+',
    '| Name        | Count | Ratio | Ok    |',
    '+-------------+-------+-------+-------+',
    '| alpha       |     1 |   0.5 | True  |',
    '| b           |    22 |  None | False |',
    '| ccc         |   333 |  2.25 | None  |',
    '| second line |       |       |       |',
    '+-------------+-------+-------+-------+',
  ));
  // a None first value makes the column left-aligned even when numbers follow
  assert.equal(render({ type: 'list', columns: ['Name', 'Count'], rows: [['first', null], ['b', 22]] }, opts()), lines(
    '+-------+-------+',
    '| Name  | Count |',
    '+-------+-------+',
    '| first | None  |',
    '| b     | 22    |',
    '+-------+-------+',
  ));
});

test('empty list: one blank line; --print-empty gives the header-only table; other formats', () => {
  assert.equal(render(empty, opts()), '\n');
  assert.equal(render(empty, opts({ printEmpty: true })), lines(
    '+----+-----------------+-----------------+-----------+',
    '| ID | Operation State | VNF Instance ID | Operation |',
    '+----+-----------------+-----------------+-----------+',
    '+----+-----------------+-----------------+-----------+',
  ));
  assert.equal(render(empty, opts({ format: 'json' })), '[]\n');
  assert.equal(render(empty, opts({ format: 'json', noindent: true })), '[]\n');
  assert.equal(render(empty, opts({ format: 'yaml' })), '[]\n');
  assert.equal(render(empty, opts({ format: 'value' })), '');
  assert.equal(render(empty, opts({ format: 'csv' })), lines(
    '"ID","Operation State","VNF Instance ID","Operation"',
  ));
});

test('-f json keeps the command\'s column order; -f yaml re-sorts each item\'s keys', () => {
  assert.equal(render(instances, opts({ format: 'json' })), lines(
    '[',
    '  {',
    '    "ID": "f93ed99c-e2f2-4f18-8377-37a171ea344f",',
    '    "VNF Instance Name": "vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f",',
    '    "Instantiation State": "INSTANTIATED",',
    '    "VNF Provider": "Company",',
    '    "VNF Software Version": "1.0",',
    '    "VNF Product Name": "Sample Private registry VNF",',
    '    "VNFD ID": "c1bb0ce7-ebca-4fa7-95ed-4840d70a118f"',
    '  },',
    '  {',
    '    "ID": "5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11",',
    '    "VNF Instance Name": "k8s cluster",',
    '    "Instantiation State": "NOT_INSTANTIATED",',
    '    "VNF Provider": "Company",',
    '    "VNF Software Version": null,',
    '    "VNF Product Name": "Sample Kubernetes VNF",',
    '    "VNFD ID": ""',
    '  }',
    ']',
  ));
  assert.equal(render(instances, opts({ format: 'json', noindent: true })), lines(
    '[{"ID": "f93ed99c-e2f2-4f18-8377-37a171ea344f", "VNF Instance Name": "vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f", "Instantiation State": "INSTANTIATED", "VNF Provider": "Company", "VNF Software Version": "1.0", "VNF Product Name": "Sample Private registry VNF", "VNFD ID": "c1bb0ce7-ebca-4fa7-95ed-4840d70a118f"}, {"ID": "5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11", "VNF Instance Name": "k8s cluster", "Instantiation State": "NOT_INSTANTIATED", "VNF Provider": "Company", "VNF Software Version": null, "VNF Product Name": "Sample Kubernetes VNF", "VNFD ID": ""}]',
  ));
  assert.equal(render(instances, opts({ format: 'yaml' })), lines(
    '- ID: f93ed99c-e2f2-4f18-8377-37a171ea344f',
    '  Instantiation State: INSTANTIATED',
    '  VNF Instance Name: vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f',
    '  VNF Product Name: Sample Private registry VNF',
    '  VNF Provider: Company',
    "  VNF Software Version: '1.0'",
    '  VNFD ID: c1bb0ce7-ebca-4fa7-95ed-4840d70a118f',
    '- ID: 5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11',
    '  Instantiation State: NOT_INSTANTIATED',
    '  VNF Instance Name: k8s cluster',
    '  VNF Product Name: Sample Kubernetes VNF',
    '  VNF Provider: Company',
    '  VNF Software Version: null',
    "  VNFD ID: ''",
  ));
});

test('-f value joins a row with single spaces; -f csv quotes every string (nonnumeric)', () => {
  assert.equal(render(instances, opts({ format: 'value' })), lines(
    'f93ed99c-e2f2-4f18-8377-37a171ea344f vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f INSTANTIATED Company 1.0 Sample Private registry VNF c1bb0ce7-ebca-4fa7-95ed-4840d70a118f',
    '5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11 k8s cluster NOT_INSTANTIATED Company None Sample Kubernetes VNF ',
  ));
  assert.equal(render(instances, opts({ format: 'csv' })), lines(
    '"ID","VNF Instance Name","Instantiation State","VNF Provider","VNF Software Version","VNF Product Name","VNFD ID"',
    '"f93ed99c-e2f2-4f18-8377-37a171ea344f","vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f","INSTANTIATED","Company","1.0","Sample Private registry VNF","c1bb0ce7-ebca-4fa7-95ed-4840d70a118f"',
    '"5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11","k8s cluster","NOT_INSTANTIATED","Company","","Sample Kubernetes VNF",""',
  ));
});

test('csv quoting modes as Python\'s csv module with escapechar \\', () => {
  const tricky: ListResult = {
    type: 'list',
    columns: ['Name', 'Note', 'Count', 'Ratio', 'Ok', 'Gone'],
    rows: [
      ['a,b', 'say "hi"', 1, 1.5, true, null],
      ['back\\slash', 'two\nlines', -2, 0.25, false, undefined],
    ],
  };
  assert.equal(render(tricky, opts({ format: 'csv' })), lines(
    '"Name","Note","Count","Ratio","Ok","Gone"',
    '"a,b","say ""hi""",1,1.5,True,""',
    "\"back\\\\slash\",\"two",
    'lines",-2,0.25,False,""',
  ));
  assert.equal(render(tricky, opts({ format: 'csv', quote: 'all' })), lines(
    '"Name","Note","Count","Ratio","Ok","Gone"',
    '"a,b","say ""hi""","1","1.5","True",""',
    "\"back\\\\slash\",\"two",
    'lines","-2","0.25","False",""',
  ));
  assert.equal(render(tricky, opts({ format: 'csv', quote: 'minimal' })), lines(
    'Name,Note,Count,Ratio,Ok,Gone',
    '"a,b","say ""hi""",1,1.5,True,',
    "back\\\\slash,\"two",
    'lines",-2,0.25,False,',
  ));
  assert.equal(render(tricky, opts({ format: 'csv', quote: 'none' })), lines(
    'Name,Note,Count,Ratio,Ok,Gone',
    "a\\,b,say \\\"hi\\\",1,1.5,True,",
    "back\\\\slash,two\\",
    'lines,-2,0.25,False,',
  ));
  // a row of one empty field is written "" (QUOTE_NONE cannot, like Python)
  const single: ListResult = { type: 'list', columns: ['ID'], rows: [['']] };
  assert.equal(render(single, opts({ format: 'csv', quote: 'minimal' })), 'ID\n""\n');
  assert.throws(() => render(single, opts({ format: 'csv', quote: 'none' })), CliError);
});

test('-c keeps the command\'s column order; an unknown -c lists the columns as a Python list', () => {
  assert.equal(render(instances, opts({ columns: ['Instantiation State', 'ID'] })), lines(
    '+--------------------------------------+---------------------+',
    '| ID                                   | Instantiation State |',
    '+--------------------------------------+---------------------+',
    '| f93ed99c-e2f2-4f18-8377-37a171ea344f | INSTANTIATED        |',
    '| 5f2b1f1e-0c5a-4a39-b1d1-3c0d4b4f2a11 | NOT_INSTANTIATED    |',
    '+--------------------------------------+---------------------+',
  ));
  assert.throws(() => render(instances, opts({ columns: ['Nope'] })), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.equal(err.exitCode, 1);
    assert.equal('ERR:' + err.message, "ERR:No recognized column names in ['Nope']. Recognized columns are ['ID', 'VNF Instance Name', 'Instantiation State', 'VNF Provider', 'VNF Software Version', 'VNF Product Name', 'VNFD ID'].");
    return true;
  });
});

test('--sort-column: repeatable, unknown names ignored, None after values ascending, stable', () => {
  const rows: ListResult = {
    type: 'list',
    columns: ['ID', 'State', 'Count'],
    rows: [
      ['c', 'B', 2],
      ['a', null, 3],
      ['b', 'A', null],
      ['d', 'B', 1],
    ],
  };
  const value = (o: Partial<FormatOptions>): string => render(rows, opts({ format: 'value', ...o }));
  assert.equal(value({ sortColumns: ['State'] }), lines(
    'b A None',
    'c B 2',
    'd B 1',
    'a None 3',
  ));
  assert.equal(value({ sortColumns: ['State'], sortDescending: true }), lines(
    'a None 3',
    'c B 2',
    'd B 1',
    'b A None',
  ));
  assert.equal(value({ sortColumns: ['State', 'Nope', 'Count'] }), lines(
    'b A None',
    'd B 1',
    'c B 2',
    'a None 3',
  ));
  assert.equal(value({ sortColumns: ['Count'], sortDescending: true }), lines(
    'b A None',
    'a None 3',
    'c B 2',
    'd B 1',
  ));
  // sorting happens before -c: a column can be sorted on without being shown
  assert.equal(value({ sortColumns: ['Count'], columns: ['ID'] }), lines('d', 'c', 'a', 'b'));
  // text mixed with numbers cannot be ordered in Python: that column is skipped, the next still sorts
  const mixed: ListResult = { type: 'list', columns: ['ID', 'Mixed'], rows: [['x', 'b'], ['y', 1], ['z', 'a']] };
  assert.equal(render(mixed, opts({ format: 'value', sortColumns: ['Mixed', 'ID'], sortDescending: true })), lines(
    'z a',
    'y 1',
    'x b',
  ));
});

test('--max-width shrinks wide columns (never below 8) and wraps cells', () => {
  assert.equal(render(instances, opts({ maxWidth: 80 })), lines(
    '+----------+-------------------+---------------------+--------------+----------------------+------------------+------------+',
    '| ID       | VNF Instance Name | Instantiation State | VNF Provider | VNF Software Version | VNF Product Name | VNFD ID    |',
    '+----------+-------------------+---------------------+--------------+----------------------+------------------+------------+',
    '| f93ed99c | vnf-f93ed99c-     | INSTANTIATED        | Company      | 1.0                  | Sample Private   | c1bb0ce7-  |',
    '| -e2f2-   | e2f2-4f18-8377-   |                     |              |                      | registry VNF     | ebca-4fa7- |',
    '| 4f18-    | 37a171ea344f      |                     |              |                      |                  | 95ed-      |',
    '| 8377-    |                   |                     |              |                      |                  | 4840d70a11 |',
    '| 37a171ea |                   |                     |              |                      |                  | 8f         |',
    '| 344f     |                   |                     |              |                      |                  |            |',
    '| 5f2b1f1e | k8s cluster       | NOT_INSTANTIATED    | Company      | None                 | Sample           |            |',
    '| -0c5a-   |                   |                     |              |                      | Kubernetes VNF   |            |',
    '| 4a39-    |                   |                     |              |                      |                  |            |',
    '| b1d1-    |                   |                     |              |                      |                  |            |',
    '| 3c0d4b4f |                   |                     |              |                      |                  |            |',
    '| 2a11     |                   |                     |              |                      |                  |            |',
    '+----------+-------------------+---------------------+--------------+----------------------+------------------+------------+',
  ));
  const described: ListResult = {
    type: 'list',
    columns: ['ID', 'Description'],
    rows: [
      ['1', 'short'],
      [
        '2',
        'a rather long description that will not fit in a narrow table, with-hyphenated-words and averyveryverylongwordthatmustbebrokenmidword',
      ],
    ],
  };
  assert.equal(render(described, opts({ maxWidth: 40 })), lines(
    '+----+---------------------------------+',
    '| ID | Description                     |',
    '+----+---------------------------------+',
    '| 1  | short                           |',
    '| 2  | a rather long description that  |',
    '|    | will not fit in a narrow table, |',
    '|    | with-hyphenated-words and avery |',
    '|    | veryverylongwordthatmustbebroke |',
    '|    | nmidword                        |',
    '+----+---------------------------------+',
  ));
});

test('colour: bold header labels only, nothing in csv/json/yaml/value', () => {
  const columns = ['ID', 'Instantiation State'];
  const coloured = render(instances, opts({ color: true, columns }));
  assert.equal(coloured.split('\n')[1], `| ${bold('ID')}${' '.repeat(34)} | ${bold('Instantiation State')} |`);
  assert.equal(unbold(coloured), render(instances, opts({ columns })));
  for (const format of ['csv', 'json', 'yaml', 'value'] as const) {
    assert.ok(!render(instances, opts({ format, color: true })).includes(ESC), format);
  }
});
