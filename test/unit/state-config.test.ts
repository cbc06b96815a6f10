/**
 * Choosing the state backend and the state key, without a database: VNFLCM_STATE_URL, --state-url
 * and `state_url` in vnflcm.yaml next to clouds.yaml; unsupported URLs; connection failures that
 * never show the password; the key from VNFLCM_STATE_KEY or a 0600 key file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findConfigFile, redactUrl, resolveStateUrl } from '../../src/lib/state/url.js';
import { stateKeyFromEnv, SecretBox, ENC_PREFIX } from '../../src/lib/store/pg/secrets.js';
import { runCli, tempHome } from '../helpers/cli.js';

test('the state URL: the variable first, else state_url in vnflcm.yaml beside clouds.yaml, else the file store', async () => {
  const dir = tempHome('vnflcm-cfg-');
  const clouds = join(dir, 'clouds.yaml');
  writeFileSync(clouds, 'clouds: {}\n');
  const env = { OS_CLIENT_CONFIG_FILE: clouds, HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), XDG_CONFIG_DIRS: join(dir, 'etc') };
  assert.equal(await resolveStateUrl(env), undefined);
  writeFileSync(join(dir, 'vnflcm.yaml'), 'state_url: postgres://team@db.example.test/vnflcm\n');
  assert.equal(findConfigFile(env), join(dir, 'vnflcm.yaml'));
  assert.deepEqual(await resolveStateUrl(env), { url: 'postgres://team@db.example.test/vnflcm', source: join(dir, 'vnflcm.yaml') });
  assert.deepEqual(await resolveStateUrl({ ...env, VNFLCM_STATE_URL: 'postgres://other/x' }), { url: 'postgres://other/x', source: 'VNFLCM_STATE_URL' });
  writeFileSync(join(dir, 'vnflcm.yaml'), 'state_url: [1]\n');
  await assert.rejects(resolveStateUrl(env), new RegExp(`${join(dir, 'vnflcm.yaml').replace(/[.]/g, '\\.')}: state_url: `));
});

test('--state-url (before or after the command) selects the backend; failures never print the password', async () => {
  const home = tempHome();
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  for (const argv of [['--state-url', `postgres://vnflcm:${pw}@127.0.0.1:1/nothing`, 'list'], ['list', `--state-url=postgres://vnflcm:${pw}@127.0.0.1:1/nothing`]]) {
    const r = await runCli(argv, { home, env: { VNFLCM_STATE_URL: '' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Cannot use the state database postgres:\/\/vnflcm:\*\*\*\*@127\.0\.0\.1:1\/nothing: .*ECONNREFUSED/);
    assert.ok(!(r.stderr + r.stdout).includes(pw));
  }
  const bad = await runCli(['list'], { home, env: { VNFLCM_STATE_URL: `mysql://u:${pw}@h/db` } });
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Unsupported state URL mysql://u:****@h/db: only postgres:// (or postgresql://) URLs are supported.\n');
  assert.equal(redactUrl(`postgres://h/db?sslmode=require&password=${pw}`), 'postgres://h/db?sslmode=require&password=****');
});

test('the state key: base64 or hex, a key file only when 0600; a wrong key says so', () => {
  const key = randomBytes(32);
  assert.deepEqual(stateKeyFromEnv({ VNFLCM_STATE_KEY: key.toString('base64') }), key);
  assert.deepEqual(stateKeyFromEnv({ VNFLCM_STATE_KEY: key.toString('hex') }), key);
  assert.equal(stateKeyFromEnv({}), undefined);
  assert.throws(() => stateKeyFromEnv({ VNFLCM_STATE_KEY: 'too-short' }), /VNFLCM_STATE_KEY is not a 32-byte key/);
  const file = join(tempHome(), 'state.key');
  writeFileSync(file, `${key.toString('base64')}\n`);
  chmodSync(file, 0o644);
  assert.throws(() => stateKeyFromEnv({ VNFLCM_STATE_KEY_FILE: file }), /is readable by others \(mode 644\): chmod 600 it/);
  chmodSync(file, 0o600);
  assert.deepEqual(stateKeyFromEnv({ VNFLCM_STATE_KEY_FILE: file }), key);

  const rec = { request: { ssh_password: 'hunter2', user: 'ubuntu', proxy: 'http://u:p@proxy:3128' } };
  const sealed = new SecretBox(key).seal(rec, 'x');
  assert.ok(sealed.request.ssh_password.startsWith(ENC_PREFIX));
  assert.ok(sealed.request.proxy.startsWith(ENC_PREFIX));
  assert.equal(sealed.request.user, 'ubuntu');
  assert.deepEqual(new SecretBox(key).open(sealed), rec);
  assert.throws(() => new SecretBox(randomBytes(32)).open(sealed), /does not decrypt with this VNFLCM_STATE_KEY/);
  assert.deepEqual(new SecretBox(undefined).open(sealed), sealed);
});
