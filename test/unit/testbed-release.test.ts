// Which Ubuntu release a test-bed stand-in reports: nova-sync's choice from the Glance image a
// server booted from (test/env/testbed/nova-sync.py image_release) and vm.sh's --release check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/cli.js';

const TESTBED = join(ROOT, 'test', 'env', 'testbed');

/** image_release() of nova-sync.py for each Glance image record (null: no image). */
function imageReleases(images: unknown[]): string[] {
  const py = [
    'import importlib.util, json, sys',
    "spec = importlib.util.spec_from_file_location('nova_sync', sys.argv[1])",
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    'print(json.dumps([m.image_release(i) for i in json.load(sys.stdin)]))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', py, join(TESTBED, 'nova-sync.py')], { input: JSON.stringify(images), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

test('nova-sync: the release comes from os_distro/os_version, else an Ubuntu image name, else 20.04', () => {
  const cases: Array<[unknown, string]> = [
    [{ name: 'anything', os_distro: 'ubuntu', os_version: '22.04' }, '22.04'],
    [{ name: 'ubuntu-20.04-server-cloudimg-amd64', os_distro: 'ubuntu', os_version: '24.04' }, '24.04'],
    [{ name: 'ubuntu-24.04-server-cloudimg-amd64' }, '24.04'],
    [{ name: 'Ubuntu 22.04.3 LTS custom' }, '22.04'],
    [{ name: 'ubuntu-18.04-server-cloudimg-amd64', os_distro: 'ubuntu', os_version: '18.04' }, '20.04'],
    [{ name: 'centos-22.04', os_distro: 'centos', os_version: '22.04' }, '20.04'],
    [{ name: 'cirros-0.6.2-x86_64-disk' }, '20.04'],
    [{ name: 'ubuntu-122.045' }, '20.04'],
    [null, '20.04'],
  ];
  assert.deepEqual(imageReleases(cases.map(([img]) => img)), cases.map(([, want]) => want));
});

test('vm.sh up refuses a release it cannot be, before creating anything', () => {
  const state = mkdtempSync(join(tmpdir(), 'vnflcm-tb-'));
  try {
    const r = spawnSync('bash', [join(TESTBED, 'vm.sh'), 'up', 't-rel', '10.250.0.5', '--release', '18.04'], {
      encoding: 'utf8',
      env: { ...process.env, TESTBED_STATE: state, TESTBED_QUIET: '1' },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /bad release '18\.04' \(one of: 20\.04 22\.04 24\.04\)/);
    assert.deepEqual(readdirSync(state), [], 'no VM state, bridge or lock was made');
    assert.equal(existsSync(join(state, 'vms', 't-rel')), false);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
