// The remote scripts in src/lib/remote/scripts: shellcheck-clean, and they do what the layer
// relies on (run locally: they only use coreutils/openssl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundledScript } from '../../src/lib/remote/scripts.js';

const SCRIPTS_DIR = dirname(bundledScript('sha256.sh'));
const SCRIPTS = readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith('.sh'));
const dir = mkdtempSync(join(tmpdir(), 'remote-scripts-'));
const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;

test('shellcheck: every remote script is clean', { skip: HAVE_SHELLCHECK ? false : 'shellcheck is not installed (apt-get install shellcheck; test/env/env.sh install does it)' }, () => {
  assert.ok(SCRIPTS.length >= 3, `scripts found: ${SCRIPTS.join(', ')}`);
  const r = spawnSync('shellcheck', ['--severity=style', '--external-sources', ...SCRIPTS.map((s) => join(SCRIPTS_DIR, s))], { encoding: 'utf8' });
  assert.equal(r.status, 0, `shellcheck findings:\n${r.stdout}${r.stderr}`);
});

test('with-env.sh: hostile values are exported literally, never expanded; the env file is removed', () => {
  const marker = join(dir, 'pwned');
  const env: Record<string, string> = {
    A: `$(touch ${marker})`,
    B: `\`touch ${marker}\`; echo x`,
    C: "multi\nline 'quoted' \"double\" \\ $HOME *",
    EMPTY: '',
    EQ: 'a=b=c',
  };
  const file = join(dir, 'envfile');
  writeFileSync(file, Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(''), { mode: 0o600 });
  const r = spawnSync('bash', [bundledScript('with-env.sh'), file, 'node', '-e', 'process.stdout.write(JSON.stringify({A:process.env.A,B:process.env.B,C:process.env.C,EMPTY:process.env.EMPTY,EQ:process.env.EQ}))'], {
    encoding: 'utf8',
    cwd: dir,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), env);
  assert.equal(existsSync(file), false, 'env file must be deleted before the command runs');
  assert.equal(existsSync(marker), false, 'a value was executed');
});

test('with-env.sh: an invalid name is refused', () => {
  const file = join(dir, 'badenv');
  writeFileSync(file, 'BAD-NAME=x\0');
  const r = spawnSync('bash', [bundledScript('with-env.sh'), file, 'true'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid variable name/);
});

test('install-file.sh: atomic replace with mode, parents, source removed', () => {
  const src = join(dir, 'src.tmp');
  const dest = join(dir, 'a b', 'c', 'dest file');
  writeFileSync(src, 'content 1\n');
  let r = spawnSync('sh', [bundledScript('install-file.sh'), src, dest, '0600', '', '', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(dest, 'utf8'), 'content 1\n');
  assert.equal(statSync(dest).mode & 0o7777, 0o600);
  assert.equal(existsSync(src), false);
  writeFileSync(src, 'content 2\n');
  r = spawnSync('sh', [bundledScript('install-file.sh'), src, dest, '0644', '', '', '0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(dest, 'utf8'), 'content 2\n');
  assert.equal(statSync(dest).mode & 0o7777, 0o644);
  assert.deepEqual(readdirSync(dirname(dest)), ['dest file'], 'no temp file may be left beside the destination');
});

test('install-file.sh: a missing directory without PARENTS fails and leaves nothing behind', () => {
  const src = join(dir, 'src2.tmp');
  writeFileSync(src, 'x');
  const r = spawnSync('sh', [bundledScript('install-file.sh'), src, join(dir, 'nope', 'f'), '0644', '', '', '0'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.equal(existsSync(src), false);
});

test('sha256.sh: prints the same digest as node, also for odd file names', () => {
  const f = join(dir, "odd\\name 'x'\nnl");
  const data = Buffer.from('hello sha256\n'.repeat(1000));
  writeFileSync(f, data);
  const r = spawnSync('sh', [bundledScript('sha256.sh'), f], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${createHash('sha256').update(data).digest('hex')}\n`);
  // without openssl on PATH: the sha256sum fallback (also strips its backslash escape)
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  for (const tool of ['sha256sum', 'sh']) spawnSync('ln', ['-sf', spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool)]);
  const r2 = spawnSync('/bin/sh', [bundledScript('sha256.sh'), f], { encoding: 'utf8', env: { PATH: bin } });
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(r2.stdout, r.stdout);
});

test('sha256.sh: a missing file fails', () => {
  const r = spawnSync('sh', [bundledScript('sha256.sh'), join(dir, 'missing')], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
});

test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
