// Private registry driver: the step list for each parameter combination, and the steps run
// against a fake VM (no network): what a fresh VM gets, that a second run changes nothing, that a
// wrong container is re-created, that values never reach a command line.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RemoteCommandError } from '../../src/lib/remote/errors.js';
import type { Command, RunOptions, RunResult, UploadOptions, UploadResult, WriteFileOptions } from '../../src/lib/remote/host.js';
import { StepFailedError, runSteps, type StepReport } from '../../src/lib/remote/steps.js';
import type { ProxySettings } from '../../src/lib/mgmt/private-registry/params.js';
import { APT_PROXY_PATH, DOCKER_PROXY_PATH, renderAptProxy, renderDockerProxy } from '../../src/lib/mgmt/private-registry/render.js';
import {
  DEFAULT_TIMINGS,
  STEP,
  containerMismatch,
  registrySteps,
  waitUntil,
  type ImageSource,
  type RegistryHost,
  type RegistryPlan,
} from '../../src/lib/mgmt/private-registry/steps.js';

const ARCHIVE_ID = `sha256:${'a'.repeat(64)}`;
const PULLED_ID = `sha256:${'b'.repeat(64)}`;

interface Call {
  argv: string[];
  sudo: boolean;
  env?: Readonly<Record<string, string>>;
}

/** Just enough of an Ubuntu VM with the apt/systemd/docker behaviour the steps rely on. */
class FakeVm implements RegistryHost {
  readonly target = 'ubuntu@192.0.2.10:22';
  files = new Map<string, string>();
  installed = new Set<string>();
  active = false;
  enabled = false;
  images = new Map<string, string>();
  container: { status: string; port: string; imageId: string } | undefined;
  /** What `docker load` gives registry:latest (undefined: the archive has another tag). */
  loadProvides: string | undefined = ARCHIVE_ID;
  aptFails = false;
  calls: Call[] = [];
  uploads: { local: string; remote: string }[] = [];
  written: string[] = [];

  private result(code: number, stdout = '', stderr = ''): RunResult {
    return { code, signal: null, stdout, stderr };
  }

  async run(command: Command, opts: RunOptions = {}): Promise<RunResult> {
    assert.ok(Array.isArray(command), 'the registry steps only run argv commands');
    const argv = [...(command as readonly string[])];
    this.calls.push({ argv, sudo: Boolean(opts.sudo), ...(opts.env ? { env: opts.env } : {}) });
    const [cmd, ...rest] = argv;
    const key = `${cmd} ${rest.join(' ')}`;
    switch (cmd) {
      case 'sh': {
        // remote/file-step.ts's check: sha256 and "mode owner group" of the file (exit 3: absent)
        const f = this.files.get(rest[rest.length - 1] ?? '');
        return f === undefined ? this.result(3) : this.result(0, `${createHash('sha256').update(f).digest('hex')}\n644 root root\n`);
      }
      case 'cat': {
        const f = this.files.get(rest[rest.length - 1] ?? '');
        return f === undefined ? this.result(1, '', 'No such file') : this.result(0, f);
      }
      case 'rm':
        return this.result(0);
      case 'dpkg-query':
        return this.result(this.installed.size ? 0 : 1, [...this.installed].map((p) => `${p} install ok installed\n`).join(''));
      case 'apt-get':
        if (!opts.sudo) return this.result(100, '', 'E: Could not open lock file');
        if (rest.includes('install')) {
          if (this.aptFails) return this.result(100, '', 'E: Unable to locate package docker.io');
          this.installed.add('docker.io');
          this.active = this.enabled = true;
        }
        return this.result(0);
      case 'systemctl':
        if (rest[0] === 'is-active') return this.result(this.active ? 0 : 3, this.active ? 'active\n' : 'inactive\n');
        if (rest[0] === 'is-enabled') return this.result(this.enabled ? 0 : 1, this.enabled ? 'enabled\n' : 'disabled\n');
        assert.ok(opts.sudo, `${key} needs sudo`);
        if (rest[0] === 'enable') this.active = this.enabled = true;
        return this.result(0);
      case 'docker':
        return this.docker(rest, Boolean(opts.sudo));
      default:
        throw new Error(`unexpected command ${key}`);
    }
  }

  private docker(a: string[], sudo: boolean): RunResult {
    if (!sudo) return this.result(1, '', 'permission denied');
    if (!this.active) return this.result(1, '', 'Cannot connect to the Docker daemon');
    const j = a.join(' ');
    if (j.startsWith('image inspect -f {{.Id}} ')) {
      const id = this.images.get(a[4] ?? '');
      return id ? this.result(0, `${id}\n`) : this.result(1, '', 'Error: No such image');
    }
    if (j === 'container inspect private_registry') {
      if (!this.container) return this.result(1, '[]\n', 'Error: No such container');
      const c = this.container;
      return this.result(0, JSON.stringify([{ State: { Status: c.status }, Image: c.imageId, HostConfig: { PortBindings: { '5000/tcp': [{ HostIp: '', HostPort: c.port }] } } }]));
    }
    if (j === 'inspect -f {{.State.Status}} private_registry') return this.container ? this.result(0, `${this.container.status}\n`) : this.result(1);
    if (a[0] === 'load') {
      if (this.loadProvides) this.images.set('registry:latest', this.loadProvides);
      return this.result(0, this.loadProvides ? 'Loaded image: registry:latest\n' : 'Loaded image: other:1\n');
    }
    if (j === 'pull registry:2') {
      this.images.set('registry:2', PULLED_ID);
      return this.result(0);
    }
    if (j === 'tag registry:2 registry:latest') {
      this.images.set('registry:latest', this.images.get('registry:2') ?? '');
      return this.result(0);
    }
    if (j === 'rm -f private_registry') {
      this.container = undefined;
      return this.result(0);
    }
    if (a[0] === 'run') {
      if (this.container) return this.result(125, '', 'Conflict. The container name "/private_registry" is already in use');
      const p = a[a.indexOf('-p') + 1] ?? '';
      this.container = { status: 'running', port: p.split(':')[0] ?? '', imageId: this.images.get('registry:latest') ?? '' };
      return this.result(0, 'c0ffee\n');
    }
    if (a[0] === 'logs') return this.result(0, 'log line\n');
    throw new Error(`unexpected docker ${j}`);
  }

  async runChecked(command: Command, opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(command, opts);
    if (r.code !== 0) throw new RemoteCommandError({ target: this.target, step: opts.step ?? 'x', code: r.code, signal: null, stderrTail: r.stderr });
    return r;
  }

  async writeFile(remotePath: string, content: string | Buffer, opts: WriteFileOptions): Promise<void> {
    assert.ok(opts.sudo, 'system files are written with sudo');
    assert.equal(opts.mode, 0o644);
    this.files.set(remotePath, content.toString());
    this.written.push(remotePath);
  }

  async upload(localPath: string, remotePath: string, _opts?: UploadOptions): Promise<UploadResult> {
    this.uploads.push({ local: localPath, remote: remotePath });
    return { bytes: 1, sha256: '0', transferMs: 0, verifyMs: 0 };
  }

  async tmpDir(): Promise<string> {
    return '/tmp/vnflcm.fake';
  }

  /** Calls that change something on the VM. */
  changes(from = 0): string[] {
    const readOnly = [/^cat /, /^sh -c test -f /, /^dpkg-query /, /^systemctl is-/, /^docker image inspect /, /^docker container inspect /, /^docker inspect /, /^rm -f -- /];
    return this.calls
      .slice(from)
      .map((c) => c.argv.join(' '))
      .filter((s) => !readOnly.some((r) => r.test(s)));
  }
}

const PROXY: ProxySettings = { http: 'http://u:pw$(id)@proxy:3128', https: 'http://proxy:3129', noProxy: 'localhost,`id`' };
const ARCHIVE: ImageSource = { kind: 'archive', localPath: '/pkg/Files/images/registry.tar', label: 'Files/images/registry.tar', expectedId: ARCHIVE_ID };

function plan(vm: FakeVm, o: { proxy?: ProxySettings; image?: ImageSource; port?: number } = {}): RegistryPlan & { infos: string[] } {
  const port = o.port ?? 5000;
  const infos: string[] = [];
  return {
    port,
    ...(o.proxy ? { proxy: o.proxy } : {}),
    image: o.image ?? { kind: 'pull' },
    endpoint: `192.0.2.10:${port}`,
    timings: DEFAULT_TIMINGS,
    probe: async (url) => {
      const ok = vm.container?.status === 'running' && url === `http://192.0.2.10:${vm.container.port}/v2/`;
      return { ok, detail: ok ? 'HTTP 200' : 'ECONNREFUSED' };
    },
    sleep: async () => undefined,
    info: (l) => infos.push(l),
    infos,
  };
}

const statuses = (rs: StepReport[]) => Object.fromEntries(rs.map((r) => [r.name, r.status]));

test('step list: pull, no proxy', () => {
  const vm = new FakeVm();
  assert.deepEqual(
    registrySteps(plan(vm)).map((s) => s.name),
    [STEP.installDocker, STEP.dockerRunning, STEP.pullImage, STEP.tagImage, STEP.container, STEP.http],
  );
});

test('step list: image_path + proxy', () => {
  const vm = new FakeVm();
  assert.deepEqual(
    registrySteps(plan(vm, { proxy: PROXY, image: ARCHIVE })).map((s) => s.name),
    [STEP.aptProxy, STEP.installDocker, STEP.dockerProxy, STEP.dockerRunning, STEP.loadImage, STEP.container, STEP.http],
  );
});

test('step list: only no_proxy -> docker drop-in but no apt file', () => {
  const vm = new FakeVm();
  assert.deepEqual(
    registrySteps(plan(vm, { proxy: { noProxy: 'localhost' } })).map((s) => s.name),
    [STEP.installDocker, STEP.dockerProxy, STEP.dockerRunning, STEP.pullImage, STEP.tagImage, STEP.container, STEP.http],
  );
});

test('fresh VM, pull: the expected changes in order; a second run changes nothing', async () => {
  const vm = new FakeVm();
  const r1 = await runSteps(vm, registrySteps(plan(vm)));
  assert.deepEqual(statuses(r1), {
    [STEP.installDocker]: 'done',
    [STEP.dockerRunning]: 'skipped',
    [STEP.pullImage]: 'done',
    [STEP.tagImage]: 'done',
    [STEP.container]: 'done',
    [STEP.http]: 'skipped',
  });
  assert.deepEqual(vm.changes(), [
    'apt-get -o DPkg::Lock::Timeout=600 update',
    'apt-get -o DPkg::Lock::Timeout=600 install -y docker.io',
    'docker pull registry:2',
    'docker tag registry:2 registry:latest',
    'docker run -d -p 5000:5000 -v /var/lib/vnflcm-registry:/var/lib/registry --restart=always --name private_registry registry:latest',
  ]);
  const install = vm.calls.find((c) => c.argv.includes('install'));
  assert.deepEqual(install?.env, { DEBIAN_FRONTEND: 'noninteractive' });
  assert.ok(vm.calls.filter((c) => c.argv[0] === 'docker' || c.argv[0] === 'apt-get').every((c) => c.sudo), 'docker and apt-get run with sudo');

  const n = vm.calls.length;
  const r2 = await runSteps(vm, registrySteps(plan(vm)));
  assert.ok(r2.every((r) => r.status === 'skipped'), JSON.stringify(statuses(r2)));
  assert.deepEqual(vm.changes(n), []);
});

test('fresh VM, image_path + proxy + port 5443: files, restart only on change, upload + load; second run changes nothing', async () => {
  const vm = new FakeVm();
  const p = plan(vm, { proxy: PROXY, image: ARCHIVE, port: 5443 });
  const r1 = await runSteps(vm, registrySteps(p));
  assert.equal(statuses(r1)[STEP.loadImage], 'done');
  assert.equal(vm.files.get(APT_PROXY_PATH), renderAptProxy(PROXY));
  assert.equal(vm.files.get(DOCKER_PROXY_PATH), renderDockerProxy(PROXY));
  assert.deepEqual(vm.uploads, [{ local: '/pkg/Files/images/registry.tar', remote: '/tmp/vnflcm.fake/registry-image.tar' }]);
  assert.deepEqual(vm.changes(), [
    'apt-get -o DPkg::Lock::Timeout=600 update',
    'apt-get -o DPkg::Lock::Timeout=600 install -y docker.io',
    'systemctl daemon-reload',
    'systemctl restart docker',
    'docker load -i /tmp/vnflcm.fake/registry-image.tar',
    'docker run -d -p 5443:5000 -v /var/lib/vnflcm-registry:/var/lib/registry --restart=always --name private_registry registry:latest',
  ]);
  assert.ok(vm.calls.some((c) => c.argv.join(' ') === 'rm -f -- /tmp/vnflcm.fake/registry-image.tar'), 'uploaded archive removed');
  // the proxy reaches apt-get through the env option only
  const update = vm.calls.find((c) => c.argv.includes('update'));
  assert.deepEqual(update?.env, {
    http_proxy: PROXY.http,
    HTTP_PROXY: PROXY.http,
    https_proxy: PROXY.https,
    HTTPS_PROXY: PROXY.https,
    no_proxy: PROXY.noProxy,
    NO_PROXY: PROXY.noProxy,
  });
  for (const c of vm.calls) {
    for (const a of c.argv) {
      for (const v of [PROXY.http, PROXY.https, PROXY.noProxy]) assert.ok(!a.includes(v ?? '\0'), `proxy value on a command line: ${c.argv.join(' ')}`);
    }
  }

  const n = vm.calls.length;
  const r2 = await runSteps(vm, registrySteps(p));
  assert.ok(r2.every((r) => r.status === 'skipped'), JSON.stringify(statuses(r2)));
  assert.deepEqual(vm.changes(n), []);
  assert.equal(vm.uploads.length, 1, 'no second upload');
});

test('a changed proxy rewrites both files and restarts docker once', async () => {
  const vm = new FakeVm();
  await runSteps(vm, registrySteps(plan(vm, { proxy: PROXY })));
  const n = vm.calls.length;
  const changed = { ...PROXY, http: 'http://other:3128' };
  await runSteps(vm, registrySteps(plan(vm, { proxy: changed })));
  assert.deepEqual(vm.changes(n), ['systemctl daemon-reload', 'systemctl restart docker']);
  assert.equal(vm.files.get(APT_PROXY_PATH), renderAptProxy(changed));
});

test('registry:latest with another id than the archive: reloaded and the container re-created', async () => {
  const vm = new FakeVm();
  await runSteps(vm, registrySteps(plan(vm)));
  assert.equal(vm.images.get('registry:latest'), PULLED_ID);
  const n = vm.calls.length;
  const p = plan(vm, { image: ARCHIVE });
  const r = await runSteps(vm, registrySteps(p));
  assert.equal(statuses(r)[STEP.loadImage], 'done');
  assert.equal(statuses(r)[STEP.container], 'done');
  assert.deepEqual(vm.changes(n), [
    'docker load -i /tmp/vnflcm.fake/registry-image.tar',
    'docker rm -f private_registry',
    'docker run -d -p 5000:5000 -v /var/lib/vnflcm-registry:/var/lib/registry --restart=always --name private_registry registry:latest',
  ]);
  assert.ok(p.infos.some((l) => l.includes('not the current registry:latest')), p.infos.join('\n'));
});

test('an archive that does not provide registry:latest fails the load step clearly', async () => {
  const vm = new FakeVm();
  vm.loadProvides = undefined;
  await assert.rejects(runSteps(vm, registrySteps(plan(vm, { image: ARCHIVE }))), (err: Error) => {
    assert.ok(err instanceof StepFailedError);
    assert.equal(err.step, STEP.loadImage);
    assert.match(err.message, /the image archive Files\/images\/registry\.tar does not provide registry:latest \(docker load reported: Loaded image: other:1\)/);
    return true;
  });
});

test('a stopped container or another port: removed and re-created; a matching running one is kept', async () => {
  const vm = new FakeVm();
  await runSteps(vm, registrySteps(plan(vm)));
  (vm.container as { status: string }).status = 'exited';
  let n = vm.calls.length;
  await runSteps(vm, registrySteps(plan(vm)));
  assert.deepEqual(vm.changes(n), [
    'docker rm -f private_registry',
    'docker run -d -p 5000:5000 -v /var/lib/vnflcm-registry:/var/lib/registry --restart=always --name private_registry registry:latest',
  ]);
  n = vm.calls.length;
  const p = plan(vm, { port: 5443 });
  await runSteps(vm, registrySteps(p));
  assert.deepEqual(vm.changes(n), [
    'docker rm -f private_registry',
    'docker run -d -p 5443:5000 -v /var/lib/vnflcm-registry:/var/lib/registry --restart=always --name private_registry registry:latest',
  ]);
  assert.ok(p.infos.some((l) => l.includes('publishes port 5000 instead of 5443')));
  n = vm.calls.length;
  await runSteps(vm, registrySteps(plan(vm, { port: 5443 })));
  assert.deepEqual(vm.changes(n), [], 'the matching running container is kept');
});

test('containerMismatch', () => {
  const id = PULLED_ID;
  assert.equal(containerMismatch({ status: 'running', imageId: id, hostPorts: ['5000'] }, 5000, id), undefined);
  assert.equal(containerMismatch({ status: 'running', imageId: id, hostPorts: ['5000'] }, 5000, undefined), undefined);
  assert.equal(containerMismatch({ status: 'restarting', imageId: id, hostPorts: ['5000'] }, 5000, id), 'it is restarting');
  assert.equal(containerMismatch({ status: 'running', imageId: id, hostPorts: [] }, 5000, id), 'it publishes no host port for 5000/tcp');
  assert.match(containerMismatch({ status: 'running', imageId: ARCHIVE_ID, hostPorts: ['5000'] }, 5000, id) ?? '', /runs image sha256:aaaa/);
});

test('a failing install names the step and stops before docker', async () => {
  const vm = new FakeVm();
  vm.aptFails = true;
  await assert.rejects(runSteps(vm, registrySteps(plan(vm))), (err: Error) => {
    assert.ok(err instanceof StepFailedError);
    assert.equal(err.step, STEP.installDocker);
    assert.match(err.message, /Unable to locate package docker\.io/);
    return true;
  });
  assert.ok(!vm.calls.some((c) => c.argv[0] === 'docker'));
});

test('registry that never answers: bounded retries, then an error naming the URL and the port', async () => {
  const vm = new FakeVm();
  const p = plan(vm);
  let probes = 0;
  p.probe = async () => {
    probes++;
    return { ok: false, detail: 'ETIMEDOUT' };
  };
  await assert.rejects(runSteps(vm, registrySteps(p)), (err: Error) => {
    assert.ok(err instanceof StepFailedError);
    assert.equal(err.step, STEP.http);
    assert.match(err.message, /http:\/\/192\.0\.2\.10:5000\/v2\/ did not answer 200 or 401 from this machine after 30 attempts \(last: ETIMEDOUT\)/);
    return true;
  });
  assert.equal(probes, 1 + DEFAULT_TIMINGS.http.attempts);
});

test('waitUntil: bounded attempts, growing delays capped', async () => {
  const delays: number[] = [];
  const r = await waitUntil({ attempts: 5, firstDelayMs: 100, maxDelayMs: 300 }, async (ms) => void delays.push(ms), async () => ({ ok: false, detail: 'no' }));
  assert.deepEqual(r, { ok: false, detail: 'no', attempts: 5 });
  assert.deepEqual(delays, [100, 200, 300, 300]);
  let n = 0;
  const ok = await waitUntil({ attempts: 5, firstDelayMs: 1, maxDelayMs: 1 }, async () => undefined, async () => ({ ok: ++n === 3, detail: String(n) }));
  assert.deepEqual(ok, { ok: true, detail: '3', attempts: 3 });
});

test('shell scripts shipped with the driver pass shellcheck (today there are none: every command is an argv array)', async (t) => {
  const dir = fileURLToPath(new URL('../../src/lib/mgmt/private-registry/', import.meta.url));
  const scripts = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.sh')).map((f) => `${dir}${f}`);
  if (scripts.length === 0) return;
  if (spawnSync('shellcheck', ['--version']).status !== 0) return t.skip('shellcheck is not installed');
  const r = spawnSync('shellcheck', ['-x', ...scripts], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
