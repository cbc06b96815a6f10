// End-to-end proof of the hypervisor bridge of the test environment (test/env/env.sh):
// a Heat stack created through the real Keystone and Heat REST APIs (as the demo user) turns
// into test-bed VMs with a real sshd at the servers' Neutron addresses; marking the server
// unhealthy and updating the stack replaces the VM (same IP, new host key); deleting the stack
// removes the VMs. Needs root (env.sh); brings the environment up itself when it is not.
//
//   node --import tsx --test test/e2e/env-bridge.test.ts
//
// Only node:* modules and the global fetch: the project's OpenStack client is not used here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENV_SH = path.resolve(HERE, '../env/env.sh');
const IS_ROOT = process.getuid?.() === 0;

// Idle host: create ~50 s, update ~25 s, delete ~15 s; with both cores busy (load 20) twice that.
const STACK_TIMEOUT_MS = 300_000; // one Heat operation (create / update / delete)
const SSH_TIMEOUT_MS = 120_000; // until every stand-in answers / the replacement answers / all are gone
const POLL_MS = 500;

interface RegistryFacts { server: string; ip: string; fqdn: string; ca_file: string | null }
interface Facts {
  openrc_demo: string; network_id: string; network_name: string; subnet_cidr: string;
  image_name: string; flavors: { name: string }[]; registries: Record<string, RegistryFacts>;
}

function log(msg: string): void {
  console.log(`[env-bridge] ${msg}`);
}

const secs = (t0: number): string => ((Date.now() - t0) / 1000).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function envSh(args: string[], timeoutMs: number, inherit = false) {
  return spawnSync('bash', [ENV_SH, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
}

/** Polls fn until it returns a value other than undefined; bounded in time and count. */
async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / POLL_MS) + 1;
  for (let i = 0; i < maxTries && Date.now() < deadline; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(POLL_MS);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

// ---------------------------------------------------------------------------- SSH probes
/** The SSH identification line of IP:22 ("SSH-2.0-OpenSSH_9.2p1 ..."), or undefined. */
function sshBanner(ip: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const sock = net.connect({ host: ip, port: 22 });
    const done = (v: string | undefined) => { sock.destroy(); resolve(v); };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl).trim());
    });
    sock.on('end', () => done(undefined));
  });
}

/** The ed25519 host key of IP ("ssh-ed25519 AAAA..."), or undefined when nothing answers. */
function hostKey(ip: string): string | undefined {
  const r = spawnSync('ssh-keyscan', ['-T', '3', '-t', 'ed25519', ip], { encoding: 'utf8', timeout: 10_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(`${ip} ssh-ed25519 `));
  return line ? line.split(' ').slice(1, 3).join(' ') : undefined;
}

/** IPs that nova-sync reports as stand-ins in phase "up". */
function standinIps(): Set<string> {
  const r = envSh(['nova-sync', 'status'], 30_000);
  const ips = new Set<string>();
  for (const row of (r.stdout ?? '').split('\n').slice(2)) {
    const [name, list, phase] = row.trim().split(/\s+/);
    if (name && list && name !== '-' && phase === 'up') for (const ip of list.split(',')) ips.add(ip);
  }
  return ips;
}

// ---------------------------------------------------------------------------- Keystone + Heat
type Openrc = (key: string) => string;

/** The OS_* values of an openrc file (start.sh writes plain `export OS_KEY=value` lines). */
function readOpenrc(file: string): Openrc {
  const env = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) env.set(m[1], m[2].replace(/^(['"])(.*)\1$/, '$2'));
  }
  return (key) => {
    const v = env.get(key);
    assert.ok(v !== undefined, `${key} missing from ${file}`);
    return v;
  };
}

interface StackOutput { output_key: string; output_value: unknown }
interface StackBody { stack: { id: string; stack_status: string; stack_status_reason: string; outputs?: StackOutput[] } }
interface ResourceBody { resource: { physical_resource_id: string; resource_status: string } }
interface TokenBody { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } }

class Heat {
  private constructor(private readonly url: string, private readonly token: string) {}

  static async login(openrc: Openrc): Promise<Heat> {
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: openrc('OS_USERNAME'), password: openrc('OS_PASSWORD'), domain: { name: openrc('OS_USER_DOMAIN_NAME') } },
          },
        },
        scope: { project: { name: openrc('OS_PROJECT_NAME'), domain: { name: openrc('OS_PROJECT_DOMAIN_NAME') } } },
      },
    };
    const res = await fetch(`${openrc('OS_AUTH_URL').replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(res.status, 201, `Keystone password auth as ${openrc('OS_USERNAME')}: HTTP ${res.status}`);
    const token = res.headers.get('x-subject-token');
    assert.ok(token, 'Keystone returned no X-Subject-Token');
    const catalog = ((await res.json()) as TokenBody).token.catalog;
    const ep = catalog.find((s) => s.type === 'orchestration')?.endpoints.find((e) => e.interface === openrc('OS_INTERFACE'));
    assert.ok(ep, 'no orchestration endpoint in the catalog');
    return new Heat(ep.url.replace(/\/$/, ''), token);
  }

  async call<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(this.url + p, {
      method,
      redirect: 'manual',
      headers: { 'X-Auth-Token': this.token, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json: unknown = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = { raw: text }; }
    return { status: res.status, json: json as T };
  }

  async expect<T = unknown>(method: string, p: string, ok: number[], body?: unknown): Promise<T> {
    const r = await this.call<T>(method, p, body);
    assert.ok(ok.includes(r.status), `${method} ${p}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 600)}`);
    return r.json;
  }
}

// ---------------------------------------------------------------------------- templates
const portAndServer = (network: unknown) => ({
  port: { type: 'OS::Neutron::Port', properties: { network } },
  server: {
    type: 'OS::Nova::Server',
    properties: { image: { get_param: 'image' }, flavor: { get_param: 'flavor' }, networks: [{ port: { get_resource: 'port' } }] },
  },
});
const PARAMS = { image: { type: 'string' }, flavor: { type: 'string' }, network: { type: 'string' } };
const MEMBER = {
  heat_template_version: '2018-08-31',
  description: 'env-bridge test: one group member (its own port and server)',
  parameters: PARAMS,
  resources: portAndServer({ get_param: 'network' }),
  outputs: { ip: { value: { get_attr: ['port', 'fixed_ips', 0, 'ip_address'] } } },
};
const TOP = {
  heat_template_version: '2018-08-31',
  description: 'env-bridge test: a server on its own port + an AutoScalingGroup of 3 port+server members',
  parameters: PARAMS,
  resources: {
    ...portAndServer({ get_param: 'network' }),
    group: {
      type: 'OS::Heat::AutoScalingGroup',
      properties: {
        min_size: 0,
        max_size: 5,
        desired_capacity: 3,
        resource: {
          type: 'member.yaml',
          properties: { image: { get_param: 'image' }, flavor: { get_param: 'flavor' }, network: { get_param: 'network' } },
        },
      },
    },
  },
  outputs: {
    server_ip: { value: { get_attr: ['port', 'fixed_ips', 0, 'ip_address'] } },
    member_ips: { value: { get_attr: ['group', 'outputs_list', 'ip'] } },
  },
};

// ---------------------------------------------------------------------------- the test
let heat: Heat | undefined;
let stackPath: string | undefined; // /stacks/{name}/{id}
let stackDeleted = false;

async function stackStatus(): Promise<{ status: string; reason: string; outputs: StackOutput[] } | undefined> {
  const r = await heat!.call<StackBody>('GET', stackPath!);
  if (r.status === 404) return undefined;
  assert.equal(r.status, 200, `GET ${stackPath}: HTTP ${r.status}`);
  const s = r.json.stack;
  return { status: s.stack_status, reason: s.stack_status_reason, outputs: s.outputs ?? [] };
}

async function waitStack(action: string): Promise<StackOutput[]> {
  return waitFor(`stack ${action}_COMPLETE`, STACK_TIMEOUT_MS, async () => {
    const s = await stackStatus();
    assert.ok(s, `stack ${stackPath} vanished during ${action}`);
    assert.ok(!s.status.endsWith('_FAILED'), `stack ${s.status}: ${s.reason}`);
    return s.status === `${action}_COMPLETE` ? s.outputs : undefined;
  });
}

const output = (outs: StackOutput[], key: string): unknown => outs.find((o) => o.output_key === key)?.output_value;

before(async () => {
  if (!IS_ROOT) return;
  const st = envSh(['status'], 120_000);
  if (st.status !== 0) {
    log(`env.sh status failed:\n${st.stdout}${st.stderr}`);
    log('bringing the test environment up (env.sh up; several minutes the first time)');
    const t0 = Date.now();
    const up = envSh(['up'], 1_500_000, true);
    log(`env.sh up took ${secs(t0)} s (exit ${up.status})`);
    assert.equal(up.status, 0, 'env.sh up failed');
  }
});

after(async () => {
  if (heat && stackPath && !stackDeleted) {
    log(`cleanup: deleting ${stackPath}`);
    await heat.call('DELETE', stackPath).catch(() => undefined);
    await waitFor('stack deletion (cleanup)', STACK_TIMEOUT_MS, async () => {
      const s = await stackStatus().catch(() => undefined);
      return !s || s.status === 'DELETE_COMPLETE' ? true : undefined;
    }).catch((e) => log(String(e)));
  }
});

test('Heat servers on vnf-net become reachable VMs; heal replaces, delete removes them', { skip: !IS_ROOT && 'needs root (test/env/env.sh)', timeout: 1_500_000 }, async () => {
  const T0 = Date.now();
  const facts = JSON.parse(envSh(['facts'], 30_000).stdout) as Facts;
  assert.equal(facts.subnet_cidr, '10.250.0.0/24');
  heat = await Heat.login(readOpenrc(facts.openrc_demo));

  // -- create: port + server, and a group of 3 port+server members (nested template in files)
  const name = `env-bridge-${Date.now().toString(36)}-${process.pid}`;
  let t = Date.now();
  const created = await heat.expect<StackBody>('POST', '/stacks', [201], {
    stack_name: name,
    template: TOP,
    files: { 'member.yaml': JSON.stringify(MEMBER) },
    parameters: { image: facts.image_name, flavor: facts.flavors[0]?.name ?? 'm1.tiny', network: facts.network_id },
    timeout_mins: 10,
  });
  stackPath = `/stacks/${name}/${created.stack.id}`;
  let outs = await waitStack('CREATE');
  log(`stack ${name} CREATE_COMPLETE after ${secs(t)} s`);
  const serverIp = String(output(outs, 'server_ip'));
  const memberIps = output(outs, 'member_ips') as string[];
  assert.ok(net.isIPv4(serverIp), `server_ip output: ${serverIp}`);
  assert.equal(memberIps.length, 3, `member_ips: ${JSON.stringify(memberIps)}`);
  const all = [serverIp, ...memberIps];
  assert.equal(new Set(all).size, 4, `addresses must differ: ${all}`);
  for (const ip of all) assert.match(ip, /^10\.250\.0\.(1\d\d|2[0-4]\d|25[0-4])$/, `${ip} outside the Neutron pool`);

  // -- every address gets a VM stand-in with a real sshd
  const banners = await waitFor('sshd on every server address', SSH_TIMEOUT_MS, async () => {
    const b = await Promise.all(all.map((ip) => sshBanner(ip)));
    return b.every((x) => x?.startsWith('SSH-2.0-')) ? b : undefined;
  });
  log(`all 4 addresses answer SSH (${banners[0]}) ${secs(t)} s after the create request`);
  const keys = all.map((ip) => hostKey(ip));
  for (const [i, k] of keys.entries()) assert.ok(k, `no ed25519 host key from ${all[i]}`);
  assert.equal(new Set(keys).size, 4, 'every stand-in has its own host key');
  const standins = standinIps();
  for (const ip of memberIps) assert.ok(standins.has(ip), `nova-sync lists no stand-in "up" at group member ${ip}`);
  log(`the group yields 3 stand-ins: ${memberIps.join(', ')}`);

  // -- heal: mark the top-level server unhealthy + PATCH update -> same IP, new VM (host key)
  const oldKey = keys[0]!;
  const oldServer = (await heat.expect<ResourceBody>('GET', `${stackPath}/resources/server`, [200])).resource.physical_resource_id;
  t = Date.now();
  await heat.expect('PATCH', `${stackPath}/resources/server`, [200], { mark_unhealthy: true, resource_status_reason: 'env-bridge test' });
  await heat.expect('PATCH', stackPath, [202], {});
  outs = await waitStack('UPDATE');
  const newServer = (await heat.expect<ResourceBody>('GET', `${stackPath}/resources/server`, [200])).resource.physical_resource_id;
  assert.notEqual(newServer, oldServer, 'the unhealthy server was replaced');
  log(`stack UPDATE_COMPLETE after ${secs(t)} s (server ${oldServer} replaced)`);
  assert.equal(output(outs, 'server_ip'), serverIp, 'Heat keeps the port, so the replacement keeps the address');
  const newKey = await waitFor(`a new host key at ${serverIp}`, SSH_TIMEOUT_MS, async () => {
    const k = hostKey(serverIp);
    return k && k !== oldKey ? k : undefined;
  });
  assert.notEqual(newKey, oldKey);
  assert.match((await sshBanner(serverIp)) ?? '', /^SSH-2\.0-/);
  log(`${serverIp} answers with a different host key ${secs(t)} s after mark-unhealthy`);
  for (const [i, ip] of memberIps.entries()) assert.equal(hostKey(ip), keys[i + 1], `member ${ip} was left alone`);

  // -- delete: the stand-ins go away
  t = Date.now();
  await heat.expect('DELETE', stackPath, [204]);
  await waitFor('stack deletion', STACK_TIMEOUT_MS, async () => {
    const s = await stackStatus();
    if (s) assert.ok(s.status !== 'DELETE_FAILED', `DELETE_FAILED: ${s.reason}`);
    return !s || s.status === 'DELETE_COMPLETE' ? true : undefined;
  });
  stackDeleted = true;
  await waitFor('port 22 closed on every address', SSH_TIMEOUT_MS, async () => {
    const b = await Promise.all(all.map((ip) => sshBanner(ip, 1000)));
    return b.every((x) => x === undefined) ? true : undefined;
  });
  log(`stack deleted and all 4 stand-ins gone ${secs(t)} s after the delete request; whole test ${secs(T0)} s`);
});
