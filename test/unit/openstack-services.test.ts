/**
 * The service modules (heat, nova, neutron, glance) against FakeCloud replaying the responses
 * recorded from the real test OpenStack: request paths and bodies, result parsing, 404 handling,
 * name lookups, stack waits (adaptive polling) and the verified, streamed Glance upload.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { CliError } from '../../src/lib/errors.js';
import { openCloud, resolveCloudConfig, resourceStack, serverIps, type Cloud, type Image, type Stack, type StackResource } from '../../src/lib/openstack/index.js';
import { FakeCloud, PROJECT_ID, type FakeRequest, type FakeResponse } from '../fixtures/openstack/fake-cloud.js';

let fake: FakeCloud;
let cloud: Cloud;
let dir: string;
const H = `/heat/v1/${PROJECT_ID}`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnflcm-ossvc-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = await FakeCloud.start();
  cloud = await openCloud(resolveCloudConfig(fake.authOptions(), { env: {}, cwd: dir, home: dir }), {
    tokenCache: false,
    retryMinDelayMs: 5,
    retryMaxDelayMs: 20,
  });
});
afterEach(async () => {
  cloud.session.close();
  await fake.close();
});

function recordedStack(name = 'heat-stack-complete'): Stack {
  return fake.body<{ stack: Stack }>(name).stack;
}

function stackRoutes(stack: Stack, answer: FakeResponse | FakeResponse[]): string {
  const path = `${H}/stacks/${stack.stack_name}/${stack.id}`;
  fake.route('GET', `${H}/stacks/${stack.id}`, { status: 302, headers: { location: `${fake.base}${path}` }, body: '' });
  fake.route('GET', path, answer);
  return path;
}

function withStatus(stack: Stack, stack_status: string, stack_status_reason = ''): FakeResponse {
  return { status: 200, body: { stack: { ...stack, stack_status, stack_status_reason } } };
}

describe('heat', () => {
  it('createStack: POST /stacks with the Tacker body; later calls use /stacks/{name}/{id}', async () => {
    const created = fake.fixture('heat-create-stack');
    fake.route('POST', `${H}/stacks`, created);
    const stack = recordedStack();
    const ref = await cloud.heat.createStack({
      name: stack.stack_name,
      template: { heat_template_version: '2018-08-31' },
      files: { 'member.yaml': 'x: 1' },
      parameters: { nfv: { VDU: {} } },
      timeoutMins: 10,
      disableRollback: true,
    });
    assert.deepEqual(JSON.parse(fake.calls('POST', '/stacks')[0]!.body), {
      stack_name: stack.stack_name,
      template: { heat_template_version: '2018-08-31' },
      parameters: { nfv: { VDU: {} } },
      files: { 'member.yaml': 'x: 1' },
      timeout_mins: 10,
      disable_rollback: true,
    });
    assert.equal(ref.id, stack.id);
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    assert.equal((await cloud.heat.getStack(ref.id)).stack_status, 'CREATE_COMPLETE');
    assert.equal(fake.calls('GET', `${H}/stacks/${stack.id}`).length, 0, 'no redirect needed');
    assert.equal(fake.calls('GET', path).length, 1);
  });

  it('getStack by bare id follows the recorded 302 and remembers the name', async () => {
    const stack = recordedStack();
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    const fresh = new (cloud.heat.constructor as new (s: typeof cloud.session) => typeof cloud.heat)(cloud.session);
    const got = await fresh.getStack(stack.id);
    assert.equal(got.stack_name, stack.stack_name);
    assert.equal(fake.calls('GET', `${H}/stacks/${stack.id}`).length, 1);
    assert.equal(fresh.stackPath(stack.id), `/stacks/${stack.stack_name}/${stack.id}`);
    fake.route('GET', `${path}/template`, fake.fixture('heat-template'));
    const tpl = await fresh.getTemplate(stack.id);
    assert.equal(tpl.heat_template_version, '2018-08-31');
  });

  it('findStack: the live stack by name, or null', async () => {
    fake.route('GET', `${H}/stacks`, (req: FakeRequest) =>
      req.url.searchParams.get('name') === recordedStack().stack_name ? fake.fixture('heat-stacks-by-name') : { status: 200, body: { stacks: [] } },
    );
    assert.equal((await cloud.heat.findStack(recordedStack().stack_name))?.id, recordedStack().id);
    assert.equal(await cloud.heat.findStack('absent'), null);
  });

  it('listResources with nested depth; resourceStack gives the nested stack of a member', async () => {
    const stack = recordedStack();
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    fake.route('GET', `${path}/resources`, fake.fixture('heat-resources-nested'));
    const rs = await cloud.heat.listResources(stack, { nestedDepth: 2 });
    assert.equal(fake.calls('GET', `${path}/resources`)[0]!.url.searchParams.get('nested_depth'), '2');
    const servers = rs.filter((r: StackResource) => r.resource_type === 'OS::Nova::Server');
    assert.equal(servers.length, 2);
    const member = servers.find((r) => r.parent_resource !== undefined)!;
    const nested = resourceStack(member)!;
    assert.notEqual(nested.id, stack.id);
    assert.match(nested.stack_name, new RegExp(`^${stack.stack_name}-workers-`));
    assert.equal(resourceStack(servers.find((r) => r.resource_name === 'VDU1')!)?.id, stack.id);
  });

  it('showResource returns attributes; markUnhealthy PATCHes the documented body', async () => {
    const stack = recordedStack();
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    fake.route('GET', `${path}/resources/VDU1`, fake.fixture('heat-resource-server'));
    fake.route('PATCH', `${path}/resources/VDU1`, fake.fixture('heat-mark-unhealthy'));
    const r = await cloud.heat.showResource(stack, 'VDU1');
    assert.equal(r.resource_type, 'OS::Nova::Server');
    assert.ok(serverIps(r.attributes as { addresses: Record<string, { addr: string; version: number }[]> }).length > 0);
    await cloud.heat.markUnhealthy(stack, 'VDU1', 'Healing');
    assert.deepEqual(JSON.parse(fake.calls('PATCH', `${path}/resources/VDU1`)[0]!.body), { mark_unhealthy: true, resource_status_reason: 'Healing' });
  });

  it('updateStack: existing -> PATCH without "existing"; else PUT with a template', async () => {
    const stack = recordedStack();
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    fake.route('PATCH', path, fake.fixture('heat-update-patch'));
    fake.route('PUT', path, { status: 202, body: '' });
    await cloud.heat.updateStack(stack, { existing: true });
    await cloud.heat.updateStack(stack, { existing: true, parameters: { capacity: 2 } });
    await cloud.heat.updateStack(stack, { existing: false, template: { heat_template_version: '2018-08-31' } });
    const patches = fake.calls('PATCH', path).map((r) => JSON.parse(r.body) as unknown);
    assert.deepEqual(patches, [{}, { parameters: { capacity: 2 } }]);
    assert.deepEqual(JSON.parse(fake.calls('PUT', path)[0]!.body), { template: { heat_template_version: '2018-08-31' } });
    await assert.rejects(cloud.heat.updateStack(stack, { existing: false }), CliError);
  });

  it('signal POSTs to the policy; deleteStack tolerates 404', async () => {
    const stack = recordedStack();
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    fake.route('POST', `${path}/resources/workers_scale_out/signal`, { status: 200, body: '' });
    await cloud.heat.signal(stack, 'workers_scale_out');
    assert.equal(fake.calls('POST', '/signal')[0]!.body, '');
    fake.route('DELETE', path, fake.fixture('heat-404'));
    await cloud.heat.deleteStack(stack);
    fake.route('DELETE', path, fake.fixture('heat-delete'));
    await cloud.heat.deleteStack(stack);
    assert.equal(fake.calls('DELETE', path).length, 2);
  });

  it('waitForStack: progress callbacks, then CREATE_COMPLETE', async () => {
    const stack = recordedStack();
    const inProgress = fake.fixture('heat-stack-in-progress');
    stackRoutes(stack, [inProgress, inProgress, inProgress, fake.fixture('heat-stack-complete')]);
    const seen: string[] = [];
    const done = await cloud.heat.waitForStack(stack, { expect: 'CREATE_COMPLETE', timeoutMs: 10_000, pollMinMs: 10, pollMaxMs: 20, onProgress: (s) => seen.push(s.stack_status) });
    assert.equal(done.stack_status, 'CREATE_COMPLETE');
    assert.deepEqual(seen, ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
  });

  it('waitForStack: CREATE_FAILED fails with the recorded stack_status_reason', async () => {
    const failed = fake.body<{ stack: Stack }>('heat-stack-failed').stack;
    stackRoutes(failed, fake.fixture('heat-stack-failed'));
    await assert.rejects(cloud.heat.waitForStack(failed, { expect: 'CREATE_COMPLETE', timeoutMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.match(e.message, new RegExp(`^Stack ${failed.stack_name} CREATE_FAILED: Resource CREATE failed: InvalidIpForNetworkClient: resources.bad_port: IP address 192.0.2.77 is not a valid IP`));
      return true;
    });
  });

  it('waitForStack: times out with a clear message', async () => {
    const stack = recordedStack();
    stackRoutes(stack, fake.fixture('heat-stack-in-progress'));
    await assert.rejects(cloud.heat.waitForStack(stack, { expect: 'CREATE_COMPLETE', timeoutMs: 150, pollMinMs: 20, pollMaxMs: 40 }), {
      message: `Stack ${stack.stack_name} did not reach CREATE_COMPLETE within 0 s (last status CREATE_IN_PROGRESS: Stack CREATE started)`,
    });
  });

  it('waitForStack: the previous CREATE_COMPLETE is "not started yet" while waiting for UPDATE_COMPLETE', async () => {
    const stack = recordedStack();
    stackRoutes(stack, [fake.fixture('heat-stack-complete'), withStatus(stack, 'UPDATE_IN_PROGRESS'), fake.fixture('heat-stack-update-complete')]);
    const done = await cloud.heat.waitForStack(stack, { expect: 'UPDATE_COMPLETE', timeoutMs: 5000, pollMinMs: 10 });
    assert.equal(done.stack_status, 'UPDATE_COMPLETE');
    stackRoutes(stack, fake.fixture('heat-stack-complete'));
    await assert.rejects(cloud.heat.waitForStack(stack, { expect: 'UPDATE_COMPLETE', timeoutMs: 5000, pollMinMs: 10, startGraceMs: 50 }), {
      message: /is CREATE_COMPLETE .*expected UPDATE_COMPLETE/,
    });
  });

  it('waitForStack DELETE_COMPLETE: the recorded DELETE_COMPLETE or a 404 ends the wait', async () => {
    const stack = recordedStack();
    stackRoutes(stack, [withStatus(stack, 'DELETE_IN_PROGRESS'), fake.fixture('heat-stack-delete-wait')]);
    assert.equal((await cloud.heat.waitForStack(stack, { expect: 'DELETE_COMPLETE', timeoutMs: 5000, pollMinMs: 10 })).stack_status, 'DELETE_COMPLETE');
    stackRoutes(stack, [withStatus(stack, 'DELETE_IN_PROGRESS'), fake.fixture('heat-404')]);
    assert.equal((await cloud.heat.waitForStack(stack, { expect: 'DELETE_COMPLETE', timeoutMs: 5000, pollMinMs: 10 })).stack_status, 'DELETE_COMPLETE');
  });

  it('waitForStack default polling: at once, then every 1.5 s whether or not the stack changed; <= 1 request/s', async (t) => {
    // The schedule is read from the delays waitForStack asks for (its sleeps run at once), so the
    // policy is checked exactly and no assertion depends on how fast this machine is.
    const realSetTimeout = globalThis.setTimeout;
    const delays: number[] = [];
    t.mock.method(globalThis, 'setTimeout', ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if (new Error().stack?.includes('waitForStack')) {
        delays.push(ms ?? 0);
        return realSetTimeout(fn, 0, ...args);
      }
      return realSetTimeout(fn, ms, ...args);
    }) as typeof setTimeout);
    const stack = recordedStack();
    const path = stackRoutes(stack, [
      ...Array.from({ length: 7 }, () => withStatus(stack, 'CREATE_IN_PROGRESS', 'Stack CREATE started')),
      withStatus(stack, 'CREATE_IN_PROGRESS', 'a resource finished'),
      fake.fixture('heat-stack-complete'),
    ]);
    const done = await cloud.heat.waitForStack(stack, { expect: 'CREATE_COMPLETE', timeoutMs: 600_000 });
    assert.equal(done.stack_status, 'CREATE_COMPLETE');
    const polls = fake.calls('GET', path).length;
    assert.equal(polls, 9);
    assert.deepEqual(delays, Array.from({ length: 8 }, () => 1500));
    // so a completion is seen at most 1.5 s (plus one request) after it happens, and on average
    // the stack is polled at most once a second
    const waited = delays.reduce((a, b) => a + b, 0);
    assert.ok(polls <= Math.ceil(waited / 1000) + 1, `${polls} polls over ${waited} ms of waiting`);
  });

  it('events of a resource, newest first', async () => {
    const stack = recordedStack();
    const path = stackRoutes(stack, fake.fixture('heat-stack-complete'));
    fake.route('GET', `${path}/events`, fake.fixture('heat-events'));
    const ev = await cloud.heat.listEvents(stack, { limit: 3, sortDir: 'desc' });
    assert.equal(ev.length, 3);
    const q = fake.calls('GET', `${path}/events`)[0]!.url.searchParams;
    assert.deepEqual([q.get('limit'), q.get('sort_dir'), q.get('sort_keys')], ['3', 'desc', 'event_time']);
  });
});

describe('nova', () => {
  it('getServer: addresses and status (recorded); admin attributes when present', async () => {
    const server = fake.body<{ server: { id: string } }>('nova-server').server;
    fake.route('GET', `/compute/v2.1/servers/${server.id}`, fake.fixture('nova-server-admin'));
    const s = await cloud.nova.getServer(server.id);
    assert.equal(s.status, 'ACTIVE');
    // the same run recorded the server's port: its fixed IP is the server's address
    const portIp = fake.body<{ ports: { fixed_ips: { ip_address: string }[] }[] }>('neutron-ports-by-device').ports[0]!.fixed_ips[0]!.ip_address;
    assert.match(portIp, /^10\.250\.0\.\d+$/);
    assert.deepEqual(serverIps(s), [portIp]);
    assert.deepEqual(serverIps(s, { network: 'vnf-net', type: 'fixed' }), [portIp]);
    assert.deepEqual(serverIps(s, { network: 'other' }), []);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], 'aio');
  });

  it('listServers passes filters; all_tenants for admins', async () => {
    fake.route('GET', '/compute/v2.1/servers/detail', fake.fixture('nova-servers-by-name'));
    const list = await cloud.nova.listServers({ name: 'VDU1', allTenants: true });
    assert.ok(list.length >= 1);
    const q = fake.calls('GET', '/servers/detail')[0]!.url.searchParams;
    assert.equal(q.get('name'), 'VDU1');
    assert.equal(q.get('all_tenants'), '1');
  });

  it('findFlavor by id, then by name after the recorded 404', async () => {
    fake.route('GET', '/compute/v2.1/flavors/1', { status: 200, body: { flavor: fake.body<{ flavors: unknown[] }>('nova-flavors').flavors[0] } });
    fake.route('GET', '/compute/v2.1/flavors/m1.tiny', fake.fixture('nova-404'));
    fake.route('GET', '/compute/v2.1/flavors/nope', fake.fixture('nova-404'));
    fake.route('GET', '/compute/v2.1/flavors/detail', fake.fixture('nova-flavors'));
    assert.equal((await cloud.nova.findFlavor('1')).name, 'm1.tiny');
    assert.equal((await cloud.nova.findFlavor('m1.tiny')).id, '1');
    await assert.rejects(cloud.nova.findFlavor('nope'), { message: 'No Flavor found for nope' });
  });

  it('getLimits: the project quota and usage', async () => {
    fake.route('GET', '/compute/v2.1/limits', fake.fixture('nova-limits'));
    const l = await cloud.nova.getLimits();
    assert.equal(typeof l.maxTotalInstances, 'number');
    assert.ok(l.totalInstancesUsed >= 1 && l.totalInstancesUsed <= l.maxTotalInstances);
  });

  it('a missing server: the recorded Nova message', async () => {
    fake.route('GET', /\/compute\/v2\.1\/servers\/0000/, fake.fixture('nova-404'));
    await assert.rejects(cloud.nova.getServer('00000000-0000-0000-0000-000000000000'), {
      message: /^Instance 00000000-0000-0000-0000-000000000000 could not be found\. \(HTTP 404\) \(Request-ID: req-/,
    });
  });
});

describe('neutron', () => {
  it('findNetwork by name (list) and by id (GET); not found; ambiguous', async () => {
    const net = fake.body<{ network: { id: string; name: string } }>('neutron-network').network;
    fake.route('GET', `/network/v2.0/networks/${net.id}`, fake.fixture('neutron-network'));
    fake.route('GET', '/network/v2.0/networks', (req) => {
      const name = req.url.searchParams.get('name');
      if (name === net.name) return fake.fixture('neutron-networks-by-name');
      if (name === 'twice') return { status: 200, body: { networks: [{ ...net, id: 'a', name: 'twice' }, { ...net, id: 'b', name: 'twice' }] } };
      return { status: 200, body: { networks: [] } };
    });
    assert.equal((await cloud.neutron.findNetwork(net.name)).id, net.id);
    assert.equal((await cloud.neutron.findNetwork(net.id)).name, net.name);
    await assert.rejects(cloud.neutron.findNetwork('nope'), { message: 'No Network found for nope' });
    await assert.rejects(cloud.neutron.findNetwork('twice'), { message: "More than one Network exists with the name 'twice'. Use an ID instead: a, b" });
  });

  it('listPorts by device_id; getSubnet; the recorded 404 message', async () => {
    fake.route('GET', '/network/v2.0/ports', fake.fixture('neutron-ports-by-device'));
    const ports = await cloud.neutron.listPorts({ device_id: 'dev-1', network_id: 'net-1' });
    assert.match(ports[0]?.fixed_ips[0]?.ip_address ?? '', /^10\.250\.0\.\d+$/);
    assert.equal(ports[0]?.device_owner, 'compute:nova');
    const q = fake.calls('GET', '/ports')[0]!.url.searchParams;
    assert.deepEqual([q.get('device_id'), q.get('network_id')], ['dev-1', 'net-1']);
    const subnet = fake.body<{ subnet: { id: string } }>('neutron-subnet').subnet;
    fake.route('GET', `/network/v2.0/subnets/${subnet.id}`, fake.fixture('neutron-subnet'));
    assert.equal((await cloud.neutron.getSubnet(subnet.id)).cidr, '10.250.0.0/24');
    fake.route('GET', /\/network\/v2\.0\/ports\/0000/, fake.fixture('neutron-404'));
    await assert.rejects(cloud.neutron.getPort('00000000-0000-0000-0000-000000000000'), { message: /^Port 00000000-0000-0000-0000-000000000000 could not be found\. \(HTTP 404\)/ });
  });
});

describe('glance', () => {
  /** A Glance-like image API: create, upload (hashing what it receives), show, delete. */
  function fakeGlance(opts: { corrupt?: boolean; md5Only?: boolean } = {}): { images: Map<string, Image> } {
    const images = new Map<string, Image>();
    const template = fake.body<Image>('glance-image-active');
    fake.route('POST', '/image/v2/images', (req) => {
      const b = JSON.parse(req.body) as Record<string, unknown>;
      const id = `0000000${images.size}-0000-4000-8000-000000000000`;
      const img = { ...fake.body<Image>('glance-create'), ...b, id, status: 'queued' } as Image;
      images.set(id, img);
      return { status: 201, body: img };
    });
    fake.route('PUT', /^\/image\/v2\/images\/[^/]+\/file$/, (req) => {
      const id = req.path.split('/')[4]!;
      const img = images.get(id)!;
      images.set(id, {
        ...img,
        status: 'active',
        size: req.bytes,
        checksum: req.md5,
        os_hash_algo: opts.md5Only ? null : template.os_hash_algo,
        os_hash_value: opts.md5Only ? null : opts.corrupt ? '0'.repeat(128) : req.sha512,
      });
      return { status: 204 };
    });
    fake.route('GET', /^\/image\/v2\/images\/[^/?]+$/, (req) => {
      const img = images.get(req.path.split('/')[4]!);
      return img ? { status: 200, body: img } : fake.fixture('glance-404');
    });
    fake.route('DELETE', /^\/image\/v2\/images\/[^/]+$/, (req) => {
      const id = req.path.split('/')[4]!;
      return images.delete(id) ? fake.fixture('glance-delete') : fake.fixture('glance-404');
    });
    return { images };
  }

  it('createImage body; uploadImage streams octet-stream, verifies md5 + sha512, returns the active image', async () => {
    fakeGlance();
    const file = join(dir, 'small.img');
    const data = Buffer.alloc(300_000, 3);
    writeFileSync(file, data);
    const img = await cloud.glance.createImage({ name: 'vdu-image', diskFormat: 'qcow2', containerFormat: 'bare', minDisk: 1, minRam: 256, visibility: 'private' });
    assert.deepEqual(JSON.parse(fake.calls('POST', '/image/v2/images')[0]!.body), {
      name: 'vdu-image', disk_format: 'qcow2', container_format: 'bare', min_disk: 1, min_ram: 256, visibility: 'private',
    });
    const progress: number[] = [];
    const sha256 = createHash('sha256').update(data).digest('hex');
    const active = await cloud.glance.uploadImage(img.id, file, { onProgress: (sent) => progress.push(sent), expectedHash: { algorithm: 'SHA-256', value: sha256 } });
    assert.equal(active.status, 'active');
    const put = fake.calls('PUT', '/file')[0]!;
    assert.equal(put.headers['content-type'], 'application/octet-stream');
    assert.equal(put.headers['content-length'], '300000');
    assert.equal(put.bytes, 300_000);
    assert.equal(progress.at(-1), 300_000);
  });

  it('a hash mismatch deletes the image and fails', async () => {
    const { images } = fakeGlance({ corrupt: true });
    const file = join(dir, 'bad.img');
    writeFileSync(file, 'data');
    const img = await cloud.glance.createImage({ name: 'x', diskFormat: 'raw', containerFormat: 'bare' });
    await assert.rejects(cloud.glance.uploadImage(img.id, file), { message: new RegExp(`^Image ${img.id} checksum verification failed \\(Glance sha512 0+, local [0-9a-f]{128}\\); the image was deleted$`) });
    assert.equal(images.size, 0);
    assert.equal(fake.calls('DELETE', `/images/${img.id}`).length, 1);
  });

  it('a Glance without os_hash_* is verified with the md5 checksum', async () => {
    fakeGlance({ md5Only: true });
    const file = join(dir, 'md5.img');
    writeFileSync(file, 'some image data');
    const img = await cloud.glance.createImage({ name: 'x', diskFormat: 'raw', containerFormat: 'bare' });
    assert.equal((await cloud.glance.uploadImage(img.id, file)).checksum, createHash('md5').update('some image data').digest('hex'));
  });

  it('an expected hash that the file does not have deletes the image and fails', async () => {
    const { images } = fakeGlance();
    const file = join(dir, 'other.img');
    writeFileSync(file, 'data');
    const img = await cloud.glance.createImage({ name: 'x', diskFormat: 'raw', containerFormat: 'bare' });
    await assert.rejects(cloud.glance.uploadImage(img.id, file, { expectedHash: { algorithm: 'sha512', value: 'ab'.repeat(64) } }), {
      message: /checksum verification failed \(expected sha512 (ab)+, file [0-9a-f]{128}\)/,
    });
    assert.equal(images.size, 0);
  });

  it('uploads a 128 MiB file in constant memory', async () => {
    fakeGlance();
    const file = join(dir, 'big.img');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 128 * 1024 * 1024); // sparse: reads as zeros
    closeSync(fd);
    const img = await cloud.glance.createImage({ name: 'big', diskFormat: 'raw', containerFormat: 'bare' });
    const base = process.memoryUsage().rss;
    let peak = base;
    await cloud.glance.uploadImage(img.id, file, { onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
    assert.equal(fake.calls('PUT', '/file')[0]!.bytes, 128 * 1024 * 1024);
    console.log(`# RSS growth during a 128 MiB upload: ${Math.round((peak - base) / 1048576)} MiB`);
    assert.ok(peak - base < 48 * 1024 * 1024, `RSS grew by ${Math.round((peak - base) / 1048576)} MiB`);
    rmSync(file);
  });

  it('findImage: by id, by name, ambiguous names, the recorded 404', async () => {
    const active = fake.body<Image>('glance-image-active');
    fake.route('GET', `/image/v2/images/${active.id}`, fake.fixture('glance-image-active'));
    fake.route('GET', '/image/v2/images', (req) => {
      const name = req.url.searchParams.get('name');
      if (name === active.name) return fake.fixture('glance-images-by-name');
      if (name === 'dup') return { status: 200, body: { images: [{ ...active, id: 'i1', name: 'dup' }, { ...active, id: 'i2', name: 'dup' }] } };
      return { status: 200, body: { images: [] } };
    });
    fake.route('GET', /^\/image\/v2\/images\/0000/, fake.fixture('glance-404'));
    assert.equal((await cloud.glance.findImage(active.id)).name, active.name);
    assert.equal((await cloud.glance.findImage(active.name!)).id, active.id);
    await assert.rejects(cloud.glance.findImage('dup'), { message: "More than one Image exists with the name 'dup'. Use an ID instead: i1, i2" });
    await assert.rejects(cloud.glance.findImage('00000000-0000-0000-0000-000000000000'), { message: 'No Image found for 00000000-0000-0000-0000-000000000000' });
    await assert.rejects(cloud.glance.getImage('00000000-0000-0000-0000-000000000000'), {
      message: /^No image found with ID 00000000-0000-0000-0000-000000000000 \(HTTP 404\) \(Request-ID: req-/,
    });
  });

  it('deleteImage tolerates 404', async () => {
    fake.route('DELETE', /^\/image\/v2\/images\//, fake.fixture('glance-404'));
    await cloud.glance.deleteImage('gone');
  });
});
