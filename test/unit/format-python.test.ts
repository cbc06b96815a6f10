/**
 * The Python-compatible pieces of the formatter: repr/str/DictModel strings, json.dumps, PyYAML's safe_dump,
 * textwrap.fill and wcwidth. Expected values were produced by CPython 3.11 / PyYAML 6.0 / wcwidth 0.2.5.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareCodePoints,
  dictModelStr,
  pyFloatRepr,
  pyJsonDumps,
  pyRepr,
  pyStr,
  pyStrRepr,
} from '../../src/lib/format/python.js';
import { safeDump } from '../../src/lib/format/yaml.js';
import { fill } from '../../src/lib/format/textwrap.js';
import { displayWidth } from '../../src/lib/format/wcwidth.js';

test('repr(str): quote choice and escapes as CPython', () => {
  const cases: [string, string][] = [
    ['plain', "'plain'"],
    ["it's", `"it's"`],
    ['say "hi"', `'say "hi"'`],
    [`both ' and "`, `'both \\' and "'`],
    ['tab\tnl\ncr\r', "'tab\\tnl\\ncr\\r'"],
    ['back\\slash', "'back\\\\slash'"],
    ['\x01\x7f', "'\\x01\\x7f'"],
    ['café –', "'café –'"],
    ['\u200b\u00a0\u2028', "'\\u200b\\xa0\\u2028'"],
    ['😀', "'😀'"],
    ['\u{e0001}', "'\\U000e0001'"],
  ];
  for (const [input, expected] of cases) assert.equal(pyStrRepr(input), expected, input);
});

test('repr of lists and dicts, float repr', () => {
  assert.equal(
    pyRepr([null, true, false, 3, 0.5, 1e-5, 2.5e-7, 'a', { k: [1, {}] }, []]),
    "[None, True, False, 3, 0.5, 1e-05, 2.5e-07, 'a', {'k': [1, {}]}, []]",
  );
  // JSON.parse loses int/float: an integral number is printed as a Python int
  assert.equal(pyRepr(1.5e16), '15000000000000000');
  const floats: [number, string][] = [
    [0.5, '0.5'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [-2.5e-7, '-2.5e-07'],
    [1e100, '1e+100'],
    [3.14159, '3.14159'],
  ];
  for (const [x, expected] of floats) assert.equal(pyFloatRepr(x), expected);
});

test('DictModel str: sorted k=v strings, nested dicts without braces, lists as repr, {} as ""', () => {
  const id = 'f93ed99c-e2f2-4f18-8377-37a171ea344f';
  const links = {
    self: { href: `/vnflcm/v1/vnf_instances/${id}` },
    heal: { href: `/vnflcm/v1/vnf_instances/${id}/heal` },
    changeExtConn: { href: `/vnflcm/v1/vnf_instances/${id}/change_ext_conn` },
  };
  assert.equal(
    dictModelStr(links),
    `changeExtConn=href=/vnflcm/v1/vnf_instances/${id}/change_ext_conn, heal=href=/vnflcm/v1/vnf_instances/${id}/heal, ` +
      `self=href=/vnflcm/v1/vnf_instances/${id}`,
  );
  // the k=v strings are sorted, not the keys: "a b=1" sorts before "a=2" (space < '=')
  assert.equal(dictModelStr({ a: 2, 'a b': 1 }), 'a b=1, a=2');
  assert.equal(pyStr({}), '');
  assert.equal(pyStr({ outer: { inner: {} } }), 'outer=inner=');
  assert.equal(pyStr([{ id: 'x', vimId: null, ok: true }]), "[{'id': 'x', 'vimId': None, 'ok': True}]");
  assert.equal(pyStr(null), 'None');
  assert.equal(pyStr(undefined), '');
  assert.equal(pyStr(false), 'False');
});

test('json.dumps: indent=4 cells and the compact form, ensure_ascii with surrogate pairs', () => {
  const value = { a: [1, 2, {}], b: { c: null, d: [] }, e: 'café 😀', f: true, g: 0.25 };
  assert.equal(
    pyJsonDumps(value, 4),
    [
      '{',
      '    "a": [',
      '        1,',
      '        2,',
      '        {}',
      '    ],',
      '    "b": {',
      '        "c": null,',
      '        "d": []',
      '    },',
      '    "e": "caf\\u00e9 \\ud83d\\ude00",',
      '    "f": true,',
      '    "g": 0.25',
      '}',
    ].join('\n'),
  );
  assert.equal(pyJsonDumps({ a: [1, 2, {}], b: { c: null } }), '{"a": [1, 2, {}], "b": {"c": null}}');
  assert.equal(pyJsonDumps('say "hi"\n\t\x01'), '"say \\"hi\\"\\n\\t\\u0001"');
});

test('yaml scalars: quoted when they would read back as another type or start with an indicator', () => {
  const cases: [unknown, string][] = [
    ['1.0', "'1.0'"],
    ['1', "'1'"],
    ['0x1f', "'0x1f'"],
    ['0755', "'0755'"],
    ['1_000', "'1_000'"],
    ['2020-01-01', "'2020-01-01'"],
    ['yes', "'yes'"],
    ['No', "'No'"],
    ['on', "'on'"],
    ['~', "'~'"],
    ['null', "'null'"],
    ['', "''"],
    ['=', "'='"],
    ['<<', "'<<'"],
    ['- a', "'- a'"],
    ['-a', '-a'],
    ['a: b', "'a: b'"],
    ['a:b', 'a:b'],
    ['#x', "'#x'"],
    ['a #b', "'a #b'"],
    ['a#b', 'a#b'],
    ['? x', "'? x'"],
    ['x ', "'x '"],
    [' x', "' x'"],
    ['é', '"\\xE9"'],
    ['tab\there', '"tab\\there"'],
    ['line1\nline2', "'line1\n\n  line2'"],
    ["it's", "it's"],
    ['@home', "'@home'"],
    ['`cmd`', "'`cmd`'"],
    ['%x', "'%x'"],
    ['!tag', "'!tag'"],
    ['*ref', "'*ref'"],
    ['&anchor', "'&anchor'"],
    ['{x}', "'{x}'"],
    ['[x]', "'[x]'"],
    ['a, b', 'a, b'],
    ['---x', "'---x'"],
    ['...', "'...'"],
    [1e-5, '1.0e-05'],
    [1.5e16 + 2, '15000000000000002'], // integral: an int (JSON.parse cannot tell 1.5e16 from 15000000000000002)
    [0.5, '0.5'],
    [-3, '-3'],
    [null, 'null'],
    [true, 'true'],
  ];
  for (const [value, expected] of cases) assert.equal(safeDump({ k: value }), `k: ${expected}\n`, JSON.stringify(value));
});

test('yaml: folding at 80 columns in plain, single- and double-quoted scalars', () => {
  assert.equal(
    safeDump({ Description: 'word '.repeat(30) + 'end', Quoted: "'" + 'x '.repeat(50), Escaped: 'é '.repeat(50) }),
    [
      'Description: word word word word word word word word word word word word word word',
      '  word word word word word word word word word word word word word word word word',
      '  end',
      'Escaped: "\\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9\\',
      '  \\ \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9\\',
      '  \\ \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9 \\xE9\\',
      '  \\ \\xE9 \\xE9 \\xE9 "',
      "Quoted: '''x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x",
      "  x x x x x x x x x x x x x x '",
      '',
    ].join('\n'),
  );
});

test('yaml: nested collections, sequences not indented under keys, empty ones in flow style, long keys', () => {
  assert.equal(
    safeDump({ b: [{ k: 'v', a: [1] }], a: { list: [[1, 2], [], { x: null }], empty: {} } }),
    ['a:', '  empty: {}', '  list:', '  - - 1', '    - 2', '  - []', '  - x: null', 'b:', '- a:', '  - 1', '  k: v', ''].join(
      '\n',
    ),
  );
  assert.equal(safeDump([]), '[]\n');
  // a key of 123+ characters is no longer a simple key (PyYAML counts the "!!str" tag too)
  assert.equal(
    safeDump({ ['k'.repeat(122)]: 1, ['K'.repeat(123)]: 2 }),
    `? ${'K'.repeat(123)}\n: 2\n${'k'.repeat(122)}: 1\n`,
  );
});

test('textwrap.fill: spaces, hyphens, mid-word, tabs', () => {
  assert.equal(fill('hello world this is text', 10), 'hello\nworld this\nis text');
  assert.equal(fill('averyveryverylongword', 8), 'averyver\nyverylon\ngword');
  assert.equal(fill('well-known-hyphenated-words here', 12), 'well-known-\nhyphenated-\nwords here');
  assert.equal(fill('a\tb c', 5), 'a\nb c');
  assert.equal(fill('--option-name value', 8), '--option\n-name\nvalue');
});

test('display width: CJK 2, combining 0, ANSI colour codes 0, control characters -1 (as wcswidth)', () => {
  assert.equal(displayWidth('日本語'), 6);
  assert.equal(displayWidth('cafe\u0301'), 4);
  assert.equal(displayWidth('é–'), 2);
  assert.equal(displayWidth('\x1b[1mID\x1b[22m'), 2);
  assert.equal(displayWidth('a\tb'), -1);
});

test('string order is by code point (Python), not by UTF-16 unit', () => {
  assert.ok(compareCodePoints('ID', 'Instantiated Vnf Info') < 0);
  assert.ok(compareCodePoints('VNFD Version', 'vnfPkgId') < 0);
  assert.ok(compareCodePoints('\u{1F600}', '\uFF01') > 0); // U+1F600 > U+FF01, though its first UTF-16 unit is smaller
  assert.equal(compareCodePoints('abc', 'abc'), 0);
  assert.ok(compareCodePoints('ab', 'abc') < 0);
});
