/**
 * src/lib/openstack against the real test OpenStack (test/env): as the demo user of the env's
 * clouds.yaml, a stack with a port + server and a nested scaling group, Nova/Neutron views of it,
 * heal by mark-unhealthy + PATCH through Heat's 302, delete; a verified Glance upload; the exact
 * auth error messages; the token cache against the real Keystone.
 *
 *   node --import tsx --test test/e2e/openstack-clients.test.ts
 *
 * If `env.sh status` fails, `env.sh up` is run first (minutes the first time; needs root).
 * Names are unique per run; everything created is deleted in `after`; every wait is bounded.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CliError, ExitCode } from '../../src/lib/errors.js';
import {
  HeatClient,
  openCloud,
  OpenStackHttpError,
  resolveCloudConfig,
  resourceStack,
  serverIps,
  type Cloud,
  type Exchange,
  type SessionOptions,
  type StackRef,
} from '../../src/lib/openstack/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENV_SH = join(ROOT, 'test/env/env.sh');
const TEMPLATES = join(ROOT, 'test/fixtures/openstack/templates');

interface Facts {
  clouds_yaml: string;
  cloud_admin: string;
  cloud_demo: string;
  network_name: string;
  network_id: string;
  subnet_cidr: string;
  image_name: string;
  flavors: { name: string; id: string; ram_mb: number }[];
}

function envReady(): { ok: boolean; why: string } {
  const status = spawnSync('bash', [ENV_SH, 'status'], { encoding: 'utf8', timeout: 120_000 });
  if (status.status === 0) return { ok: true, why: 'env.sh status: up' };
  if (process.getuid?.() !== 0) return { ok: false, why: `env.sh status failed and env.sh up needs root:\n${status.stdout}` };
  const up = spawnSync('bash', [ENV_SH, 'up'], { encoding: 'utf8', timeout: 30 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (up.status !== 0) return { ok: false, why: `env.sh up failed (${up.status}):\n${up.stdout}\n${up.stderr}` };
  return { ok: true, why: 'env.sh up done' };
}

const ready = envReady();
const facts: Facts | undefined = ready.ok ? (JSON.parse(execFileSync('bash', [ENV_SH, 'facts'], { encoding: 'utf8' })) as Facts) : undefined;

const home = mkdtempSync(join(tmpdir(), 'vnflcm-e2e-os-'));
const env: NodeJS.ProcessEnv = { OS_CLIENT_CONFIG_FILE: facts?.clouds_yaml ?? '/nonexistent', VNFLCM_HOME: home };
const uniq = `vnflcm-e2e-${process.pid}-${Date.now().toString(36)}`;
const exchanges: Exchange[] = [];
const sessionOpts: SessionOptions = { env, onExchange: (e) => exchanges.push(e) };
const cleanups: { what: string; run: () => Promise<void> }[] = [];
let demo: Cloud;

function demoConfig(extra: Parameters<typeof resolveCloudConfig>[0] = {}) {
  return resolveCloudConfig({ cloud: facts!.cloud_demo, ...extra }, { env, cwd: home, home });
}

function took(t: TestContext, what: string, t0: number): void {
  t.diagnostic(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

describe('openstack clients against the real test OpenStack', { skip: ready.ok ? false : ready.why }, () => {
  before(async () => {
    demo = await openCloud(demoConfig(), sessionOpts);
  });

  after(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c.run();
      } catch (err) {
        console.error(`cleanup ${c.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    demo?.session.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('auth errors: wrong password (exact 401 message, exit 4), unknown cloud', async () => {
    await assert.rejects(openCloud(demoConfig({ password: 'not-the-password' }), { env, tokenCache: false }), (err: unknown) => {
      assert.ok(err instanceof OpenStackHttpError);
      assert.match(err.message, /^The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-[0-9a-f-]{36}\)$/);
      assert.equal(err.exitCode, ExitCode.auth);
      return true;
    });
    assert.throws(() => resolveCloudConfig({ cloud: 'nope' }, { env, cwd: home, home }), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.message, 'Cloud nope was not found.');
      assert.equal(err.exitCode, ExitCode.auth);
      return true;
    });
    const other = await openCloud(demoConfig({ regionName: 'RegionTwo' }), sessionOpts);
    assert.throws(() => other.session.endpoint('orchestration'), { message: 'public endpoint for orchestration service in RegionTwo region not found' });
    other.session.close();
  });

  it('token cache: a second invocation sends no auth request', async () => {
    const before = exchanges.length;
    const again = await openCloud(demoConfig(), sessionOpts);
    await again.heat.listStacks({ name: uniq });
    const mine = exchanges.slice(before);
    assert.equal(mine.filter((e) => e.url.includes('/auth/tokens')).length, 0);
    assert.equal(again.projectId, demo.projectId);
    again.session.close();
  });

  it('stack: create, wait, nested resources, Nova/Neutron views, heal via mark-unhealthy + PATCH, delete', { timeout: 15 * 60_000 }, async (t) => {
    const f = facts!;
    // The demo project is shared with other tests: wait (bounded) for 3 free instance slots
    // (VDU1, one group member, and the replacement created while healing).
    const need = 3;
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      const l = await demo.nova.getLimits();
      const free = l.maxTotalInstances < 0 ? Infinity : l.maxTotalInstances - l.totalInstancesUsed;
      if (free >= need) break;
      if (Date.now() > deadline) {
        assert.fail(`the demo project has ${free} free instance slot(s) of ${l.maxTotalInstances} (quota), ${need} needed: other tests are using them`);
      }
      t.diagnostic(`waiting for instance quota: ${free} free, ${need} needed`);
      await new Promise((ok) => setTimeout(ok, 15_000));
    }
    const flavor = [...f.flavors].sort((a, b) => a.ram_mb - b.ram_mb)[0]!.name;
    const template = parseYaml(readFileSync(join(TEMPLATES, 'main.yaml'), 'utf8')) as Record<string, unknown>;
    let t0 = Date.now();
    const ref = await demo.heat.createStack({
      name: uniq,
      template,
      files: { 'member.yaml': readFileSync(join(TEMPLATES, 'member.yaml'), 'utf8') },
      parameters: { image: f.image_name, flavor, network: f.network_name, capacity: 1 },
      timeoutMins: 10,
      disableRollback: true,
    });
    cleanups.push({
      what: `stack ${uniq}`,
      run: async () => {
        await demo.heat.deleteStack(ref);
        await demo.heat.waitForStack(ref, { expect: 'DELETE_COMPLETE', timeoutMs: 300_000 });
      },
    });
    const statuses: string[] = [];
    const created = await demo.heat.waitForStack(ref, { expect: 'CREATE_COMPLETE', timeoutMs: 600_000, onProgress: (s) => statuses.push(s.stack_status) });
    took(t, `create stack (${statuses.join(' -> ')})`, t0);
    assert.equal(created.stack_status, 'CREATE_COMPLETE');
    const polls = exchanges.filter((e) => e.method === 'GET' && e.url.endsWith(`/stacks/${uniq}/${ref.id}`)).length;
    t.diagnostic(`stack polls during create: ${polls} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const resources = await demo.heat.listResources(ref, { nestedDepth: 2 });
    const servers = resources.filter((r) => r.resource_type === 'OS::Nova::Server');
    assert.equal(servers.length, 2, 'VDU1 and one nested group member');
    const member = servers.find((r) => r.resource_name !== 'VDU1')!;
    assert.notEqual(resourceStack(member)?.id, ref.id, 'the member lives in a nested stack');
    const vdu1 = servers.find((r) => r.resource_name === 'VDU1')!;

    const server = await demo.nova.getServer(vdu1.physical_resource_id);
    assert.equal(server.status, 'ACTIVE');
    const [ip] = serverIps(server, { network: f.network_name });
    assert.ok(ip, 'the server has an address on the test network');
    const ports = await demo.neutron.listPorts({ device_id: server.id });
    assert.equal(ports[0]?.fixed_ips[0]?.ip_address, ip);
    const portRes = await demo.heat.showResource(ref, 'VDU1_CP1');
    assert.equal((portRes.attributes.fixed_ips as { ip_address: string }[])[0]?.ip_address, ip);
    const net = await demo.neutron.findNetwork(f.network_name);
    assert.equal(net.id, f.network_id);
    t.diagnostic(`VDU1 ${server.id} at ${ip}`);

    // heal: mark the server unhealthy, PATCH the stack by bare id (Heat answers 302; the PATCH must stay a PATCH)
    t0 = Date.now();
    await demo.heat.markUnhealthy(ref, 'VDU1', 'e2e heal');
    const before = exchanges.length;
    const byId = new HeatClient(demo.session);
    await byId.updateStack(ref.id, { existing: true });
    const patchExchanges = exchanges.slice(before).map((e) => `${e.method} ${e.status}`);
    assert.deepEqual(patchExchanges, ['PATCH 302', 'PATCH 202']);
    await demo.heat.waitForStack(ref, { expect: 'UPDATE_COMPLETE', timeoutMs: 600_000 });
    took(t, 'heal (mark unhealthy + PATCH + wait)', t0);
    const healed = (await demo.heat.listResources(ref)).find((r) => r.resource_name === 'VDU1')!;
    assert.notEqual(healed.physical_resource_id, vdu1.physical_resource_id, 'a new server');
    const newServer = await demo.nova.getServer(healed.physical_resource_id);
    assert.deepEqual(serverIps(newServer, { network: f.network_name }), [ip], 'same IP (the port is kept)');

    t0 = Date.now();
    await demo.heat.deleteStack(ref);
    const gone = await demo.heat.waitForStack(ref, { expect: 'DELETE_COMPLETE', timeoutMs: 600_000 });
    assert.equal(gone.stack_status, 'DELETE_COMPLETE');
    assert.equal(await demo.heat.findStack(uniq), null);
    took(t, 'delete stack', t0);
    await assert.rejects(demo.nova.getServer(healed.physical_resource_id), (e: unknown) => e instanceof OpenStackHttpError && e.status === 404);
  });

  it('a failing stack reports its stack_status_reason', { timeout: 5 * 60_000 }, async () => {
    const ref: StackRef = await demo.heat.createStack({
      name: `${uniq}-fail`,
      template: parseYaml(readFileSync(join(TEMPLATES, 'failing.yaml'), 'utf8')) as Record<string, unknown>,
      parameters: { network: facts!.network_name },
      disableRollback: true,
    });
    cleanups.push({ what: `stack ${uniq}-fail`, run: () => demo.heat.deleteStack(ref) });
    await assert.rejects(demo.heat.waitForStack(ref, { expect: 'CREATE_COMPLETE', timeoutMs: 180_000 }), {
      message: new RegExp(`^Stack ${uniq}-fail CREATE_FAILED: .*192\\.0\\.2\\.77 is not a valid IP`),
    });
  });

  it('glance: upload a small image, checksum verified, delete', { timeout: 5 * 60_000 }, async (t) => {
    const file = join(home, 'tiny.raw');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a));
    const t0 = Date.now();
    const image = await demo.glance.createImage({ name: `${uniq}-img`, diskFormat: 'raw', containerFormat: 'bare', minDisk: 0, minRam: 0, visibility: 'private' });
    cleanups.push({ what: `image ${image.id}`, run: () => demo.glance.deleteImage(image.id) });
    let last = 0;
    const active = await demo.glance.uploadImage(image.id, file, { onProgress: (sent) => (last = sent) });
    took(t, 'create + upload + verify 3 MiB image', t0);
    assert.equal(active.status, 'active');
    assert.equal(active.size, 3 * 1024 * 1024 + 17);
    assert.equal(last, 3 * 1024 * 1024 + 17);
    assert.equal(active.os_hash_algo, 'sha512');
    assert.equal((await demo.glance.findImage(`${uniq}-img`)).id, image.id);
    await demo.glance.deleteImage(image.id);
    await assert.rejects(demo.glance.getImage(image.id), (e: unknown) => e instanceof OpenStackHttpError && e.status === 404);
    await demo.glance.deleteImage(image.id); // 404 tolerated
  });
});
