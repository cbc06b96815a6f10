/**
 * `vnflcm params init` against the test cloud (test/env): the networks offered at the terminal
 * are the cloud's own (the environment's vnf-net among them, by name with its id), picking one
 * writes its id, and `vnflcm validate` accepts the file.
 *
 *   flock /tmp/vnflcm-e2e.lock node --import tsx --test --test-concurrency=1 test/e2e/params-wizard.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cloudNetworks } from '../../src/lib/params/wizard/sources.js';
import { Store } from '../../src/lib/store/index.js';
import { runCli, tempHome } from '../helpers/cli.js';
import { cloudEnv, ensureEnv, type EnvFacts } from '../helpers/env.js';
import { REGISTRY_PKG, REGISTRY_VNFD } from '../helpers/packages.js';
import { KEY, PtySession } from '../helpers/pty.js';

describe('params init offers the cloud networks', () => {
  let f: EnvFacts;
  const home = tempHome();
  const sessions: PtySession[] = [];
  before(async () => {
    f = ensureEnv();
    assert.equal((await runCli(['package', 'add', REGISTRY_PKG], { home })).code, 0);
  });
  after(() => sessions.forEach((s) => s.kill()));

  test('the lister returns the environment network by name with its id', async () => {
    const notes: string[] = [];
    const env = { ...cloudEnv(f), VNFLCM_HOME: home };
    const list = await cloudNetworks(await Store.open(home), {}, (l) => notes.push(l), env)();
    assert.deepEqual(notes, []);
    assert.ok(list?.some((c) => c.value === f.network_id && c.name.startsWith(`${f.network_name} (${f.network_id}`)), JSON.stringify(list));
  });

  test('at the terminal the network is picked from the list and its id is written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vnflcm-pty-')), 'reg.json');
    const env: NodeJS.ProcessEnv = { ...process.env, ...cloudEnv(f), VNFLCM_HOME: home, NO_COLOR: '1', TERM: 'xterm' };
    const t = new PtySession(['params', 'init', REGISTRY_VNFD, '-o', out, '--ssh-password', 'pw', '--image-path', '', '--port-no', '5000'], { env });
    sessions.push(t);
    await t.expect('? Network for CP1 of PrivateRegistryVDU');
    const menu = await t.expect('another value (type it)');
    const lines = menu.split('\n').map((l) => l.replace(/^[❯ ]\s*/, '').trim()).filter((l) => / \([0-9a-f-]{36}(, [a-z]+)*\)$/.test(l));
    const at = lines.findIndex((l) => l.startsWith(`${f.network_name} (${f.network_id}`));
    assert.ok(at >= 0, `vnf-net is offered:\n${menu}`);
    t.type(KEY.down.repeat(at) + KEY.enter);
    await t.expect('? CP used for SSH');
    t.type(KEY.enter);
    await t.expect('? SSH user');
    t.type(KEY.enter);
    await t.expect('? Do the VMs need an HTTP proxy');
    t.line('n');
    await t.expect(`Write ${out}?`);
    t.type(KEY.enter);
    await t.expect('written (mode 0600');
    assert.equal(await t.exitCode(), 0);
    const body = JSON.parse(readFileSync(out, 'utf8')) as { extVirtualLinks: Array<{ resourceId: string }> };
    assert.equal(body.extVirtualLinks[0]?.resourceId, f.network_id);
    const v = await runCli(['validate', out, '--vnfd-id', REGISTRY_VNFD], { home });
    assert.equal(v.code, 0, v.stderr);
  });
});
