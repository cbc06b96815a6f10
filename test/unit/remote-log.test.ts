// OperationLog and redaction: secrets (and the forms they take in shell text, JSON, base64 auth
// strings) never reach the log file; the file is private (0600).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationLog, REDACTED, basicAuthSecrets, redact, secretVariants } from '../../src/lib/remote/log.js';
import { shellJoin } from '../../src/lib/remote/quote.js';

const dir = mkdtempSync(join(tmpdir(), 'remote-log-'));

test('redact: plain, shell-quoted, JSON-escaped and base64 forms of a secret', () => {
  const pw = `p'a"ss$w\\rd`;
  const text = [
    `plain ${pw} end`,
    `cmd ${shellJoin(['docker', 'login', '-p', pw])}`,
    `json ${JSON.stringify({ password: pw })}`,
    `b64 ${Buffer.from(pw).toString('base64')}`,
  ].join('\n');
  const out = redact(text, [pw]);
  for (const v of secretVariants(pw)) assert.ok(!out.includes(v), `variant ${v} survived: ${out}`);
  assert.ok(out.includes(REDACTED));
  assert.ok(out.startsWith('plain ********'));
});

test('redact: the base64 user:pass auth string of a registry login', () => {
  const [pw, auth] = basicAuthSecrets('alice', 'alice-test-pw');
  assert.equal(pw, 'alice-test-pw');
  const config = JSON.stringify({ auths: { 'reg:5000': { auth } } });
  const out = redact(config, basicAuthSecrets('alice', 'alice-test-pw'));
  assert.ok(!out.includes(auth as string));
  assert.ok(out.includes(REDACTED));
});

test('redact: empty secrets are ignored; longest secret wins when they overlap', () => {
  assert.equal(redact('abc', ['']), 'abc');
  assert.equal(redact('secret-long', ['secret', 'secret-long']), REDACTED);
});

test('OperationLog: 0600 even when the file existed with 0644; content redacted; commands recorded', () => {
  const path = join(dir, 'sub', 'op.log');
  const log0 = OperationLog.open(path);
  log0.close();
  chmodSync(path, 0o644);
  const log = OperationLog.open(path, { secrets: ['hunter2'] });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  log.redact(basicAuthSecrets('bob', 's3cr3t!'));
  log.event('connecting with hunter2');
  log.command({
    target: 'ubuntu@10.0.0.1:22',
    step: 'docker login',
    command: shellJoin(['docker', 'login', '--password-stdin', 'reg']),
    code: 1,
    signal: null,
    stdout: Buffer.from(`{"auth":"${Buffer.from('bob:s3cr3t!').toString('base64')}"}\n`),
    stderr: 'Error: wrong password hunter2\n',
    ms: 1234,
    notes: ['stdin: 8 bytes (not logged)'],
  });
  log.close();
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('hunter2'), text);
  assert.ok(!text.includes('s3cr3t!'), text);
  assert.ok(!text.includes(Buffer.from('bob:s3cr3t!').toString('base64')), text);
  assert.match(text, /step "docker login": exit 1 after 1\.234 s/);
  assert.match(text, /\$ docker login --password-stdin reg/);
  assert.match(text, /--- stderr:\nError: wrong password \*{8}/);
  assert.match(text, /# stdin: 8 bytes \(not logged\)/);
});

test('OperationLog: writes after close are dropped silently', () => {
  const path = join(dir, 'closed.log');
  writeFileSync(path, '');
  const log = OperationLog.open(path);
  log.close();
  log.event('late');
  assert.equal(readFileSync(path, 'utf8'), '');
});

test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
