// shellQuote / shellJoin: every hostile string must reach a real shell's command byte for byte
// and never be interpreted. Checked by running bash (and sh, i.e. dash on Debian) locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellJoin, shellQuote } from '../../src/lib/remote/quote.js';

const MARKER_DIR = mkdtempSync(join(tmpdir(), 'remote-quote-'));
const MARKER = join(MARKER_DIR, 'pwned');

const CORPUS: string[] = [
  '',
  ' ',
  '  leading and trailing  ',
  'plain',
  'with space',
  '$(id)',
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `; touch ${MARKER}`,
  `&& touch ${MARKER}`,
  `|| touch ${MARKER}`,
  `| touch ${MARKER}`,
  `& touch ${MARKER} &`,
  `\ntouch ${MARKER}\n`,
  `> ${MARKER}`,
  `< /etc/passwd`,
  'a;b&&c||d|e',
  'line1\nline2\r\nline3',
  'tab\there',
  "single'quote",
  "''",
  "'",
  "it's 'quoted' ''' a lot",
  'double"quote',
  '"',
  '\\',
  '\\\\',
  'back\\slash\\n',
  '$HOME',
  '${HOME}',
  '${PATH:0:1}',
  '$((1+1))',
  '$\'\\x41\'',
  '$"translated"',
  '*',
  '/*',
  '?',
  '[abc]',
  '{a,b}',
  '~',
  '~root',
  '~/x',
  '#comment',
  'a #b',
  '!',
  '!!',
  '!$',
  '-n',
  '-e',
  '--',
  '-',
  '%s',
  'a=b',
  'FOO=bar',
  '=',
  'unicode: héllo wörld ✓ 日本語 🚀',
  'zero\u200bwidth',
  'rtl \u202e override',
  'emoji 👩‍👩‍👧‍👦',
  'ctrl \u0001\u0002\u0007\u001b[31mred\u001b[0m',
  '\u007f',
  'end with backslash \\',
  "mixed '\"`$\\ all",
  'a'.repeat(10000),
];

function roundTrip(shell: string, arg: string): string {
  const r = spawnSync(shell, ['-c', `printf %s ${shellQuote(arg)}`], { encoding: 'buffer', cwd: MARKER_DIR });
  assert.equal(r.status, 0, `${shell} failed for ${JSON.stringify(arg)}: ${r.stderr.toString()}`);
  return r.stdout.toString('utf8');
}

test('shellQuote: every hostile string round-trips exactly through bash', () => {
  for (const s of CORPUS) assert.equal(roundTrip('bash', s), s, `bash mangled ${JSON.stringify(s)} (quoted: ${shellQuote(s)})`);
  assert.equal(existsSync(MARKER), false, 'a quoted string was executed');
});

test('shellQuote: every hostile string round-trips exactly through sh (dash)', () => {
  for (const s of CORPUS) assert.equal(roundTrip('sh', s), s, `sh mangled ${JSON.stringify(s)}`);
  assert.equal(existsSync(MARKER), false, 'a quoted string was executed');
});

test('shellQuote: the literal check from the brief (bash -c \'printf %s "$@"\' _ <quoted>)', () => {
  for (const s of CORPUS) {
    const line = `bash -c 'printf %s "$@"' _ ${shellQuote(s)}`;
    const r = spawnSync('bash', ['-c', line], { encoding: 'buffer', cwd: MARKER_DIR });
    assert.equal(r.status, 0);
    assert.equal(r.stdout.toString('utf8'), s);
  }
  assert.equal(existsSync(MARKER), false);
});

test('shellJoin: a whole hostile argv arrives as the same argv (NUL-separated)', () => {
  const argv = ['printf', '%s\\0', ...CORPUS];
  const r = spawnSync('bash', ['-c', shellJoin(argv)], { encoding: 'buffer', cwd: MARKER_DIR });
  assert.equal(r.status, 0);
  const parts = r.stdout.toString('utf8').split('\0');
  assert.equal(parts.pop(), '');
  assert.deepEqual(parts, CORPUS);
  assert.equal(existsSync(MARKER), false);
});

test('shellQuote: random strings over all of ASCII 1..127 and some unicode round-trip', () => {
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = [...Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)), 'é', '✓', '🚀', '\u2028'];
  const strings: string[] = [];
  for (let i = 0; i < 300; i++) {
    const len = rnd(24);
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
    strings.push(s);
  }
  const r = spawnSync('bash', ['-c', shellJoin(['printf', '%s\\0', ...strings])], { encoding: 'buffer', cwd: MARKER_DIR });
  assert.equal(r.status, 0, r.stderr.toString());
  const parts = r.stdout.toString('utf8').split('\0');
  parts.pop();
  assert.deepEqual(parts, strings);
});

test('shellQuote: safe words stay readable; others are single-quoted', () => {
  assert.equal(shellQuote('docker'), 'docker');
  assert.equal(shellQuote('/etc/docker/daemon.json'), '/etc/docker/daemon.json');
  assert.equal(shellQuote('--format'), '--format');
  assert.equal(shellQuote('10.0.0.1:5000'), '10.0.0.1:5000');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('{{.State.Status}}'), "'{{.State.Status}}'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote('~'), "'~'");
  assert.equal(shellQuote('a=b'), "'a=b'");
});

test('shellJoin: an argv element that looks like an assignment is a command word, not an assignment', () => {
  const r = spawnSync('bash', ['-c', shellJoin(['FOO=bar', 'true'])], { encoding: 'utf8' });
  assert.equal(r.status, 127, 'FOO=bar must be looked up as a command (not found), not assigned');
});

test('shellQuote: NUL bytes and non-strings are refused; empty argv is refused', () => {
  assert.throws(() => shellQuote('a\0b'), /NUL/);
  assert.throws(() => shellQuote(5 as unknown as string), /expected a string/);
  assert.throws(() => shellJoin([]), /empty/);
});

test('cleanup', () => {
  rmSync(MARKER_DIR, { recursive: true, force: true });
});
