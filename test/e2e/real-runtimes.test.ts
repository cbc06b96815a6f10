// The files the Kubernetes driver renders for a node, proved with the real runtimes: Debian's
// containerd 1.6 and docker.io 20.10 (installed by test/env/env.sh install) run privately
// (test/helpers/real-runtime.ts) with exactly those files at their real paths and pull the
// fixture image from both registries of the test environment: HTTP 10.250.0.20:5000 and HTTPS
// registry.vnflcm.test (private CA, htpasswd login, reached through the hosts_string line).
// containerd pulls through CRI with the credentials kubelet would send (read from
// /var/lib/kubelet/config.json); dockerd pulls after `docker login --password-stdin`. Each
// negative check takes one rendered file (or the login) away and asserts the pull fails for
// that reason, then puts it back and asserts the pull works again.
//
//   flock -o /tmp/vnflcm-e2e.lock node --import tsx --test --test-concurrency=1 test/e2e/real-runtimes.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { privateRegistryConnectionSchema } from '../../src/lib/params/schema.js';
import { resolveRegistries, type RegistrySpec } from '../../src/lib/mgmt/kubernetes/registries.js';
import { CONTAINERD_CERTS_D, DOCKER_CERTS_D, DOCKER_DAEMON_JSON, KUBELET_CREDENTIALS } from '../../src/lib/mgmt/kubernetes/render.js';
import { ensureEnv, type EnvFacts, type RegistryFacts } from '../helpers/env.js';
import { HOSTS_FILE, renderNodeFiles, type NodeFile } from '../helpers/node-files.js';
import { missingBinaries, startRealRuntimes, type CriAuth, type RealRuntimes } from '../helpers/real-runtime.js';
import { waitUntil } from '../helpers/wait.js';

const IS_ROOT = process.getuid?.() === 0;
const CA_IN_PACKAGE = 'Files/registry/ca.crt';

interface Registry extends RegistryFacts {
  image_ref: string;
  digest: string;
}

/** "host[:port]/repo:tag" -> "host[:port]/repo@digest", as runtimes list a pulled image's digest. */
function digestRef(ref: string, digest: string): string {
  return `${ref.replace(/:[^:/]+$/, '')}@${digest}`;
}

/**
 * What kubelet sends with a CRI pull: the config.json entry whose key is the image's registry,
 * its `auth` decoded into username and password (kubelet's keyring sets no server_address).
 */
function kubeletAuth(configJson: string, image: string): CriAuth | undefined {
  const cfg = z.object({ auths: z.record(z.string(), z.object({ auth: z.string() })) }).parse(JSON.parse(configJson));
  const host = image.split('/')[0] as string;
  const entry = cfg.auths[host];
  if (!entry) return undefined;
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

describe('real containerd and dockerd pull with the files the driver renders', { skip: !IS_ROOT && 'needs root (mount namespace, daemons)' }, () => {
  let facts: EnvFacts;
  let http: Registry;
  let https: Registry;
  let specs: RegistrySpec[];
  let files: Map<string, NodeFile>;
  let rt: RealRuntimes | undefined;
  let pkgDir: string | undefined;

  before(async () => {
    const missing = missingBinaries();
    assert.deepEqual(missing, [], `Debian's containerd/docker.io are missing (${missing.join(', ')}): run test/env/env.sh install`);
    facts = ensureEnv();
    http = facts.registries.http as Registry;
    https = facts.registries.https as Registry;
    assert.ok(https.ca_file && https.username && https.password, 'the HTTPS registry has a CA and a login');
    // A VNF package holding the registry's CA, and the param file's registry list as a user writes it.
    pkgDir = await mkdtemp(path.join(tmpdir(), 'vnflcm-rr-pkg-'));
    await mkdir(path.join(pkgDir, path.dirname(CA_IN_PACKAGE)), { recursive: true });
    await copyFile(https.ca_file, path.join(pkgDir, CA_IN_PACKAGE));
    const entries = z.array(privateRegistryConnectionSchema).parse([
      { connection_type: '0', server: http.server },
      {
        connection_type: '1',
        server: https.server,
        username: https.username,
        password: https.password,
        certificate_path: CA_IN_PACKAGE,
        hosts_string: https.hosts_line,
      },
    ]);
    specs = await resolveRegistries(entries, { store: { getInstance: () => Promise.resolve(undefined) }, packageRoot: pkgDir });
    const hostsLines = ['10.250.0.99 master-rr', ...entries.flatMap((e) => (e.hosts_string ? [e.hosts_string] : []))];
    files = await renderNodeFiles(specs, hostsLines, 'docker');
    rt = await startRealRuntimes(files);
  });

  after(async () => {
    await rt?.stop();
    if (pkgDir) await rm(pkgDir, { recursive: true, force: true });
  });

  const runtimes = (): RealRuntimes => {
    assert.ok(rt, 'runtimes started');
    return rt;
  };
  const fileText = (p: string): string => {
    const f = files.get(p);
    assert.ok(f, `${p} is rendered`);
    return f.content;
  };
  /** Run in the runtimes' namespace and require success. */
  const ns = async (argv: string[]): Promise<string> => {
    const r = await runtimes().nsExec(argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const caContainerd = (): string => `${CONTAINERD_CERTS_D}/${https.server}/ca.crt`;
  const caDocker = (): string => `${DOCKER_CERTS_D}/${https.server}/ca.crt`;
  const hostsTomlHttp = (): string => `${CONTAINERD_CERTS_D}/${http.server}/hosts.toml`;

  test('the runtimes see every rendered file at its real path; the machine\'s own /etc does not', async () => {
    for (const [p, f] of files) {
      assert.equal(await ns(['cat', p]), f.content, p);
      const mode = (await ns(['stat', '-c', '%a', p])).trim();
      assert.equal(mode, f.mode.toString(8), `${p} mode`);
    }
    assert.match(fileText('/etc/containerd/config.toml'), /^version = 2$/m, 'containerd 1.6 reads a version 2 config');
    assert.match(await ns(['getent', 'hosts', https.fqdn]), new RegExp(`^${https.ip.replace(/\./g, '\\.')}\\s+${https.fqdn}`));
    assert.notEqual(spawnSync('getent', ['hosts', https.fqdn]).status, 0, `${https.fqdn} resolves only through the rendered ${HOSTS_FILE}`);
    for (const p of [KUBELET_CREDENTIALS, DOCKER_DAEMON_JSON]) {
      const own = existsSync(p) ? readFileSync(p, 'utf8') : undefined;
      assert.notEqual(own, fileText(p), `the machine's ${p} is not the rendered one`);
    }
  });

  describe('containerd (CRI, as kubelet pulls)', () => {
    const criPull = async (image: string, withAuth = true): Promise<string> => {
      const auth = withAuth ? kubeletAuth(await ns(['cat', KUBELET_CREDENTIALS]), image) : undefined;
      return runtimes().criPull(image, auth);
    };
    const assertHas = async (reg: Registry): Promise<void> => {
      const st = await runtimes().criImageStatus(reg.image_ref);
      assert.ok(st, `CRI ImageStatus knows ${reg.image_ref}`);
      assert.ok(st.repo_digests.includes(digestRef(reg.image_ref, reg.digest)), `${JSON.stringify(st.repo_digests)} has ${reg.digest}`);
      const ls = await runtimes().ctr(['--namespace', 'k8s.io', 'images', 'ls']);
      assert.equal(ls.code, 0, ls.stderr);
      const line = ls.stdout.split('\n').find((l) => l.startsWith(`${reg.image_ref} `));
      assert.ok(line?.includes(reg.digest), `ctr images ls: ${ls.stdout}`);
    };

    test('pulls from the HTTP registry (hosts.toml http://, no credentials in kubelet\'s file)', async () => {
      assert.equal(kubeletAuth(fileText(KUBELET_CREDENTIALS), http.image_ref), undefined);
      assert.ok(await criPull(http.image_ref));
      await assertHas(http);
    });

    test('pulls from the HTTPS registry (CA from certs.d, credentials from kubelet\'s config.json, name from /etc/hosts)', async () => {
      assert.equal(kubeletAuth(fileText(KUBELET_CREDENTIALS), https.image_ref)?.username, https.username);
      assert.ok(await criPull(https.image_ref));
      await assertHas(https);
    });

    test('without the credentials the HTTPS pull is refused', async () => {
      await assert.rejects(criPull(https.image_ref, false), (err) => /401|unauthorized/i.test(errText(err)));
    });

    test('with another CA in certs.d/<server>/ca.crt the HTTPS pull fails on the certificate; the rendered one makes it work', async () => {
      const other = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=not the registry CA', '-days', '1', '-keyout', '/dev/null'], { encoding: 'utf8' });
      assert.equal(other.status, 0, other.stderr);
      await ns(['cp', caContainerd(), `${caContainerd()}.rendered`]);
      try {
        await ns(['sh', '-c', 'printf %s "$1" > "$0"', caContainerd(), other.stdout]);
        await assert.rejects(criPull(https.image_ref), (err) => /x509|certificate signed by unknown authority/i.test(errText(err)));
      } finally {
        await ns(['mv', `${caContainerd()}.rendered`, caContainerd()]);
      }
      assert.equal(await ns(['cat', caContainerd()]), fileText(caContainerd()));
      assert.ok(await criPull(https.image_ref));
      await assertHas(https);
    });

    test('without the hosts_string line in /etc/hosts the HTTPS registry\'s name does not resolve; back in place it works', async () => {
      await ns(['cp', HOSTS_FILE, `${HOSTS_FILE}.rendered`]);
      try {
        await ns(['sed', '-i', `/ ${https.fqdn.replace(/\./g, '\\.')}$/d`, HOSTS_FILE]);
        assert.ok(!(await ns(['cat', HOSTS_FILE])).includes(https.fqdn));
        // The resolver may keep /etc/hosts for a few seconds: wait until the pull fails for that reason.
        let last = '';
        await waitUntil(`a pull from ${https.fqdn} to fail on name resolution`, () =>
          criPull(https.image_ref).then(
            () => false,
            (err) => ((last = errText(err)), /no such host|lookup/i.test(last)),
          ), { boundMs: 30_000, pollMs: 500, describe: () => last });
      } finally {
        await ns(['mv', `${HOSTS_FILE}.rendered`, HOSTS_FILE]);
      }
      assert.equal(await ns(['cat', HOSTS_FILE]), fileText(HOSTS_FILE));
      await waitUntil(`a pull from ${https.fqdn} to work again`, () => criPull(https.image_ref).then(() => true, () => false), { boundMs: 30_000, pollMs: 500 });
      await assertHas(https);
    });

    test('without the HTTP registry\'s hosts.toml containerd speaks HTTPS to it and fails; back in place it works', async () => {
      await ns(['mv', hostsTomlHttp(), `${hostsTomlHttp()}.away`]);
      try {
        await assert.rejects(criPull(http.image_ref), (err) => /server gave HTTP response to HTTPS client/i.test(errText(err)));
      } finally {
        await ns(['mv', `${hostsTomlHttp()}.away`, hostsTomlHttp()]);
      }
      assert.ok(await criPull(http.image_ref));
      await assertHas(http);
    });
  });

  describe('dockerd (daemon.json, certs.d, docker login)', () => {
    const docker = (args: string[], input?: string) => runtimes().docker(args, input === undefined ? {} : { input });
    const login = async (): Promise<void> => {
      const spec = specs.find((s) => s.server === https.server);
      assert.ok(spec?.username && spec.password);
      const r = await docker(['login', '--username', spec.username, '--password-stdin', spec.server], `${spec.password}\n`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Login Succeeded/);
    };
    const pull = (reg: Registry) => docker(['pull', '--quiet', reg.image_ref]);
    const assertHas = async (reg: Registry): Promise<void> => {
      const r = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', reg.image_ref]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok((JSON.parse(r.stdout) as string[]).includes(digestRef(reg.image_ref, reg.digest)), r.stdout);
    };
    const insecureRegistries = async (): Promise<string[]> => {
      const r = await docker(['info', '--format', '{{json .RegistryConfig.InsecureRegistryCIDRs}}|{{json .RegistryConfig.IndexConfigs}}']);
      assert.equal(r.code, 0, r.stderr);
      const idx = JSON.parse(r.stdout.split('|')[1] as string) as Record<string, { Secure: boolean }>;
      return Object.entries(idx).filter(([, v]) => !v.Secure).map(([k]) => k);
    };
    const reloadUntil = async (want: boolean): Promise<void> => {
      runtimes().reloadDocker();
      await waitUntil(`dockerd to ${want ? 'list' : 'drop'} ${http.server} as insecure`, async () => (await insecureRegistries()).includes(http.server) === want);
    };

    test('logs in with the password on stdin and pulls from the HTTPS registry', async () => {
      await login();
      const r = await pull(https);
      assert.equal(r.code, 0, r.stderr);
      await assertHas(https);
    });

    test('pulls from the HTTP registry listed in daemon.json insecure-registries', async () => {
      assert.deepEqual(await insecureRegistries(), [http.server]);
      const r = await pull(http);
      assert.equal(r.code, 0, r.stderr);
      await assertHas(http);
    });

    test('without /etc/docker/certs.d/<server>/ca.crt the HTTPS pull fails on the certificate; back in place it works', async () => {
      await ns(['mv', caDocker(), `${caDocker()}.away`]);
      try {
        const r = await pull(https);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /x509|certificate signed by unknown authority/i);
      } finally {
        await ns(['mv', `${caDocker()}.away`, caDocker()]);
      }
      const r = await pull(https);
      assert.equal(r.code, 0, r.stderr);
    });

    test('without insecure-registries in daemon.json the HTTP pull fails; the rendered file restores it', async () => {
      await ns(['cp', DOCKER_DAEMON_JSON, `${DOCKER_DAEMON_JSON}.rendered`]);
      try {
        // The key must be there (empty) for a reload to drop the old list, as renderDaemonJson writes it.
        await ns(['sh', '-c', 'printf \'{"insecure-registries": []}\\n\' > "$0"', DOCKER_DAEMON_JSON]);
        await reloadUntil(false);
        const r = await pull(http);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /server gave HTTP response to HTTPS client/i);
      } finally {
        await ns(['mv', `${DOCKER_DAEMON_JSON}.rendered`, DOCKER_DAEMON_JSON]);
      }
      assert.equal(await ns(['cat', DOCKER_DAEMON_JSON]), fileText(DOCKER_DAEMON_JSON));
      await reloadUntil(true);
      const r = await pull(http);
      assert.equal(r.code, 0, r.stderr);
    });

    test('after docker logout the HTTPS pull is refused; after login again it works', async () => {
      const out = await docker(['logout', https.server]);
      assert.equal(out.code, 0, out.stderr);
      const r = await pull(https);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no basic auth credentials|unauthorized|authentication required/i);
      await login();
      const again = await pull(https);
      assert.equal(again.code, 0, again.stderr);
      await assertHas(https);
    });
  });
});
