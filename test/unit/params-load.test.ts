import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliError } from '../../src/lib/errors.js';
import { COMMENT_HINT, loadParamFile, pyRepr } from '../../src/lib/params/load.js';
import { decodeUtf8Strict, pyJsonLoads } from '../../src/lib/params/pyjson.js';

const FIX = fileURLToPath(new URL('../fixtures/params/', import.meta.url));
const BAD = join(FIX, 'bad');
const LOAD = 'Invalid input: Failed to load parameter file. Error: ';
const TMP = mkdtempSync(join(tmpdir(), 'vnflcm-params-load-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

async function loadError(path: string, opts?: { allowArray?: boolean }): Promise<CliError> {
  try {
    await loadParamFile(path, opts);
  } catch (e) {
    assert.ok(e instanceof CliError, `expected a CliError, got ${String(e)}`);
    return e;
  }
  assert.fail(`${path} loaded without error`);
}

// Every expected text below was produced by CPython 3.11 running python-tackerclient 2.3.0's
// jsonfile2body on the same file (plus our second "Hint:" line for '#' comments).
const SYNTAX: [string, string][] = [
  ['syntax-empty.json', `${LOAD}Expecting value: line 1 column 1 (char 0)`],
  ['syntax-whitespace-only.json', `${LOAD}Expecting value: line 3 column 1 (char 4)`],
  ['syntax-trailing-comma-object.json', `${LOAD}Expecting property name enclosed in double quotes: line 3 column 1 (char 29)`],
  ['syntax-trailing-comma-array.json', `${LOAD}Expecting value: line 3 column 40 (char 68)`],
  ['syntax-missing-comma.json', `${LOAD}Expecting ',' delimiter: line 3 column 5 (char 32)`],
  ['syntax-missing-colon.json', `${LOAD}Expecting ':' delimiter: line 2 column 17 (char 18)`],
  ['syntax-extra-data.json', `${LOAD}Extra data: line 2 column 1 (char 24)`],
  ['syntax-unterminated-string.json', `${LOAD}Unterminated string starting at: line 2 column 18 (char 19)`],
  ['syntax-newline-in-string.json', `${LOAD}Invalid control character at: line 2 column 25 (char 26)`],
  ['syntax-control-character.json', `${LOAD}Invalid control character at: line 2 column 22 (char 23)`],
  ['syntax-invalid-escape.json', `${LOAD}Invalid \\escape: line 3 column 84 (char 112)`],
  ['syntax-invalid-unicode-escape.json', `${LOAD}Invalid \\uXXXX escape: line 1 column 23 (char 22)`],
  ['syntax-single-quotes.json', `${LOAD}Expecting property name enclosed in double quotes: line 1 column 2 (char 1)`],
  ['syntax-python-literal.json', `${LOAD}Expecting value: line 1 column 53 (char 52)`],
  ['syntax-unquoted-key.json', `${LOAD}Expecting property name enclosed in double quotes: line 2 column 5 (char 6)`],
  ['syntax-slash-comment.json', `${LOAD}Expecting property name enclosed in double quotes: line 2 column 5 (char 6)`],
  ['syntax-truncated.json', `${LOAD}Expecting property name enclosed in double quotes: line 4 column 1 (char 55)`],
  ['syntax-array-missing-comma.json', `${LOAD}Expecting ',' delimiter: line 4 column 9 (char 65)`],
  ['syntax-crlf-missing-comma.json', `${LOAD}Expecting ',' delimiter: line 3 column 5 (char 32)`],
  ['syntax-emoji-offset.json', `${LOAD}Expecting property name enclosed in double quotes: line 1 column 27 (char 26)`],
  ['syntax-bom.json', `${LOAD}Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)`],
  ['syntax-latin1.json', `${LOAD}'utf-8' codec can't decode byte 0xe9 in position 18: invalid continuation byte`],
  ['syntax-truncated-utf8.json', `${LOAD}'utf-8' codec can't decode byte 0xc3 in position 18: unexpected end of data`],
  ['syntax-hash-inline-comment.json', `${LOAD}Expecting property name enclosed in double quotes: line 2 column 28 (char 29)\n${COMMENT_HINT}`],
  ['empty-object.json', 'Empty input: The parameter file is empty'],
  ['empty-array.json', 'Empty input: The parameter file is empty'],
  ['empty-string.json', 'Empty input: The parameter file is empty'],
  ['zero.json', 'Empty input: The parameter file is empty'],
  ['false.json', 'Empty input: The parameter file is empty'],
  ['null.json', 'Empty input: The parameter file is empty'],
  ['array.json', "Unable to serialize object of type = '<class 'list'>'"],
  ['string.json', "Unable to serialize object of type = '<class 'str'>'"],
  ['int.json', "Unable to serialize object of type = '<class 'int'>'"],
  ['float.json', "Unable to serialize object of type = '<class 'float'>'"],
  ['true.json', "Unable to serialize object of type = '<class 'bool'>'"],
  ['nan.json', "Unable to serialize object of type = '<class 'float'>'"],
];

describe('loadParamFile: the real client messages', () => {
  for (const [file, message] of SYNTAX) {
    it(file, async () => {
      const e = await loadError(join(BAD, file));
      assert.equal(e.message, message);
      assert.equal(e.exitCode, 1);
    });
  }

  it('the guide files with #comments: exact Python position plus the comment hint', async () => {
    const reg = await loadError(join(FIX, 'guide/private_registry_param_file.json'));
    assert.equal(reg.message, `${LOAD}Expecting property name enclosed in double quotes: line 5 column 63 (char 139)\n${COMMENT_HINT}`);
    assert.equal(COMMENT_HINT, "Hint: JSON has no comments; remove the '#…' parts (the guide's '#Set the uuid …' notes).");
    const k8s = await loadError(join(FIX, 'guide/private_registry_kubernetes_param_file.json'));
    assert.equal(k8s.message, `${LOAD}Expecting property name enclosed in double quotes: line 5 column 58 (char 168)\n${COMMENT_HINT}`);
  });

  it('a # inside a string is not a comment', async () => {
    const dir = mkdtempSync(join(TMP, 'd-'));
    const f = join(dir, 'p.json');
    writeFileSync(f, '{"a": "#not a comment" "b"}');
    assert.equal((await loadError(f)).message, `${LOAD}Expecting ',' delimiter: line 1 column 24 (char 23)`);
  });

  it('missing file', async () => {
    assert.equal((await loadError('does-not-exist.json')).message, 'Invalid input: User does not have read privileges to it');
    assert.equal((await loadError('')).message, 'Invalid input: User does not have read privileges to it');
  });

  it('unreadable file', { skip: process.getuid?.() === 0 ? 'root reads everything (os.access is true for root)' : false }, async () => {
    const dir = mkdtempSync(join(TMP, 'd-'));
    const f = join(dir, 'secret.json');
    writeFileSync(f, '{"flavourId": "simple"}');
    chmodSync(f, 0o000);
    assert.equal((await loadError(f)).message, 'Invalid input: User does not have read privileges to it');
  });

  it('a directory: the path as given, Python repr', async () => {
    assert.equal((await loadError('.')).message, `${LOAD}[Errno 21] Is a directory: '.'`);
    const dir = mkdtempSync(join(TMP, 'd-'));
    const quoted = join(dir, "it's");
    mkdirSync(quoted);
    assert.equal((await loadError(quoted)).message, `${LOAD}[Errno 21] Is a directory: "${quoted}"`);
  });

  it('valid files: NaN/Infinity accepted, duplicate keys: last value, first position', async () => {
    const dir = mkdtempSync(join(TMP, 'd-'));
    const f = join(dir, 'p.json');
    writeFileSync(f, '{"b": 1, "a": NaN, "b": -Infinity, "c": {"x": Infinity}}\r\n');
    const v = await loadParamFile(f);
    assert.deepEqual(Object.keys(v), ['b', 'a', 'c']);
    assert.equal(v.b, -Infinity);
    assert.ok(Number.isNaN(v.a));
    assert.deepEqual(v.c, { x: Infinity });
  });

  it('a "__proto__" key is an ordinary key', async () => {
    const dir = mkdtempSync(join(TMP, 'd-'));
    const f = join(dir, 'p.json');
    writeFileSync(f, '{"__proto__": {"polluted": true}, "x": NaN}');
    const v = await loadParamFile(f);
    assert.deepEqual(Object.keys(v), ['__proto__', 'x']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('heal/scale files (allowArray): dict.update semantics and Python error texts', async () => {
    const dir = mkdtempSync(join(TMP, 'd-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    assert.deepEqual(await loadParamFile(write('pairs.json', '[["additionalParams", {"all": true}], "ab"]'), { allowArray: true }), { additionalParams: { all: true }, a: 'b' });
    assert.deepEqual(await loadParamFile(write('obj.json', '{"cause": "healing"}'), { allowArray: true }), { cause: 'healing' });
    const cases: [string, string][] = [
      ['5', "'int' object is not iterable"],
      ['1.5', "'float' object is not iterable"],
      ['true', "'bool' object is not iterable"],
      ['"ab"', 'dictionary update sequence element #0 has length 1; 2 is required'],
      ['["abc"]', 'dictionary update sequence element #0 has length 3; 2 is required'],
      ['[null]', 'cannot convert dictionary update sequence element #0 to a sequence'],
      ['[["a", 1], [[1], 2]]', "unhashable type: 'list'"],
      ['[]', 'Empty input: The parameter file is empty'],
    ];
    for (const [text, message] of cases) {
      assert.equal((await loadError(write('x.json', text), { allowArray: true })).message, message, text);
    }
  });
});

describe('pyjson', () => {
  it('code-point offsets and universal newlines', () => {
    assert.throws(() => pyJsonLoads('["😀😀", 1 2]'), { message: "Expecting ',' delimiter: line 1 column 10 (char 9)" });
    assert.throws(() => pyJsonLoads('"\\ud800\\uzzzz"'), { message: 'Invalid \\uXXXX escape: line 1 column 9 (char 8)' });
    assert.throws(() => pyJsonLoads('1.e5'), { message: 'Extra data: line 1 column 2 (char 1)' });
    assert.throws(() => pyJsonLoads('-Inf'), { message: 'Expecting value: line 1 column 1 (char 0)' });
    assert.throws(() => pyJsonLoads('['.repeat(2000)), { message: 'maximum recursion depth exceeded while decoding a JSON array from a unicode string' });
    assert.deepEqual(pyJsonLoads('[NaN, -Infinity, "\\ud83d\\ude00"]').value, [NaN, -Infinity, '😀']);
    assert.equal(pyJsonLoads('1.0').pyClass, 'float');
    assert.equal(pyJsonLoads('-0').pyClass, 'int');
  });

  it('UTF-8 errors as CPython reports them', () => {
    const dec = (bytes: number[]) => () => decodeUtf8Strict(new Uint8Array(bytes));
    assert.throws(dec([0x41, 0xff]), { message: "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte" });
    assert.throws(dec([0xf0, 0x90, 0x41]), { message: "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte" });
    assert.throws(dec([0xed, 0xa0, 0x80]), { message: "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte" });
    assert.throws(dec([0xe2, 0x82]), { message: "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data" });
    assert.equal(decodeUtf8Strict(new Uint8Array([0xe2, 0x82, 0xac])), '€');
  });

  it('pyRepr', () => {
    assert.equal(pyRepr('a/b'), "'a/b'");
    assert.equal(pyRepr("it's"), '"it\'s"');
    assert.equal(pyRepr('both\'"'), "'both\\'\"'");
    assert.equal(pyRepr('tab\there'), "'tab\\there'");
  });
});
