// Private registry driver: reading the stored request's parameters, the registry archive checks
// (on the operator's machine, before any upload), and which VNFCs a hook provisions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliError, InputError } from '../../src/lib/errors.js';
import type { VnfcRef } from '../../src/lib/mgmt/contract.js';
import { targetVnfcs } from '../../src/lib/mgmt/private-registry/driver.js';
import { imageIdFromConfigPath, inspectRegistryArchive, isRegistryLatest } from '../../src/lib/mgmt/private-registry/image.js';
import { DEFAULT_PORT, proxySecrets, registryParams } from '../../src/lib/mgmt/private-registry/params.js';
import { instantiateVnfRequestSchema, type InstantiateVnfRequest } from '../../src/lib/params/schema.js';
import { validateInstantiateRequest } from '../../src/lib/params/validate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLE_PKG = path.join(ROOT, 'samples/private-registry-vnf-package');
const temps: string[] = [];
after(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

function req(param: unknown): Record<string, unknown> {
  return { flavourId: 'simple', additionalParams: { private_registry_installation_param: param } };
}

/** The driver's view of a request, parsed as instantiate parses it (the schema is the only parser). */
const parsed = (body: unknown) => registryParams(instantiateVnfRequestSchema.parse(body));

/** The problems of a request, paths relative to the parameter block. */
function problems(body: unknown): { path: string; line: string }[] {
  return validateInstantiateRequest(body).problems.map((p) => ({ path: p.path.replace('additionalParams.private_registry_installation_param.', ''), line: `${p.expected} ${p.hint ?? ''}` }));
}

const BASE = { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'pw' };

test('the sample param file parses; port defaults to 5000', async () => {
  const sample = JSON.parse(await readFile(path.join(ROOT, 'samples/private_registry_param_file.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(parsed(sample), { sshCpName: 'CP1', username: 'ubuntu', password: 'ubuntu', port: DEFAULT_PORT });
});

test('all fields: port as string or number', () => {
  const p = parsed(req({ ...BASE, image_path: 'Files/images/registry.tar', port_no: '5443', proxy: { http_proxy: 'http://p:1', no_proxy: 'localhost' } }));
  assert.deepEqual(p, {
    sshCpName: 'CP1',
    username: 'ubuntu',
    password: 'pw',
    imagePath: 'Files/images/registry.tar',
    port: 5443,
    proxy: { http: 'http://p:1', noProxy: 'localhost' },
  });
  assert.equal(parsed(req({ ...BASE, port_no: 8080 })).port, 8080);
  assert.equal(parsed(req({ ...BASE, proxy: {} })).proxy, undefined);
});

test('passwords may hold shell metacharacters (they never reach a shell)', () => {
  assert.equal(parsed(req({ ...BASE, ssh_password: "a'$(id)`x`;|&" })).password, "a'$(id)`x`;|&");
});

test('a request without the parameter block: the driver says so', () => {
  // (the schema itself refuses such a request; a stored one of another kind of VNF is like this)
  const body: InstantiateVnfRequest = { flavourId: 'simple', additionalParams: {} };
  assert.throws(
    () => registryParams(body),
    (err: Error) => err instanceof CliError && /The private_registry_installation_param in the additionalParams does not exist/.test(err.message),
  );
});

test('every problem is listed at once, by the schema', () => {
  const got = problems(req({ ssh_cp_name: '', ssh_password: 3, port_no: '70000', image_path: '../x.tar', proxy: { http_proxy: 'http://a\\b@h:1', no_proxy: 'a\u0001b' } }));
  assert.deepEqual(
    got.map((p) => p.path),
    ['ssh_cp_name', 'ssh_username', 'ssh_password', 'image_path', 'port_no', 'proxy.http_proxy', 'proxy.no_proxy'],
  );
  assert.match(got[5]?.line ?? '', /without control characters, double quotes or backslashes it contains a backslash at character 9/);
  assert.match(got[6]?.line ?? '', /it contains a control character at character 2/);
  assert.match(problems(req({ ...BASE, ssh_password: 'a\nb' }))[0]?.line ?? '', /without NUL characters or line breaks/);
  assert.match(problems(req({ ...BASE, image_path: '/etc/passwd' }))[0]?.line ?? '', /absolute paths are not allowed/);
  assert.equal(problems(req({ ...BASE, port_no: 0 }))[0]?.path, 'port_no');
  assert.match(problems(req({ ...BASE, proxy: 'http://p:1' }))[0]?.line ?? '', /^an object \{http_proxy, https_proxy, no_proxy\}/);
  // a double quote is a shell metacharacter before it is an apt.conf problem
  assert.match(problems(req({ ...BASE, proxy: { http_proxy: 'http://a"b' } }))[0]?.line ?? '', /a double quote at character 9/);
});

test('proxy passwords are secrets (raw and percent-decoded)', () => {
  assert.deepEqual(proxySecrets({ http: 'http://user:p%40ss@h:1', https: 'http://h:2', noProxy: 'x' }), ['p%40ss', 'p@ss']);
  assert.deepEqual(proxySecrets({ https: 'http://u:a@b@h:1/' }), ['a@b']);
  assert.deepEqual(proxySecrets({ http: 'http://user@h:1' }), []);
  assert.deepEqual(proxySecrets(undefined), []);
});

test('registry:latest names and image ids from manifest config paths', () => {
  for (const t of ['registry:latest', 'docker.io/library/registry:latest', 'library/registry:latest']) assert.ok(isRegistryLatest(t), t);
  for (const t of ['registry:2', 'myregistry:latest', 'example.com/registry:latest']) assert.ok(!isRegistryLatest(t), t);
  const hex = 'f6a002f9d00b1b0842566c4416dc7ba789d3862499521dacac1727b14f6df93a';
  assert.equal(imageIdFromConfigPath(`${hex}.json`), `sha256:${hex}`);
  assert.equal(imageIdFromConfigPath(`blobs/sha256/${hex}`), `sha256:${hex}`);
  assert.equal(imageIdFromConfigPath('config.json'), undefined);
});

async function packageCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vnflcm-reg-unit-'));
  temps.push(dir);
  await cp(SAMPLE_PKG, dir, { recursive: true });
  return dir;
}

/** A docker-save style archive (legacy layout) of one image with the given tags. */
async function makeArchive(dest: string, repoTags: string[]): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'vnflcm-reg-tar-'));
  temps.push(work);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
  const id = createHash('sha256').update(config).digest('hex');
  await writeFile(path.join(work, `${id}.json`), config);
  await mkdir(path.join(work, 'l1'));
  await writeFile(path.join(work, 'l1', 'layer.tar'), Buffer.alloc(1024));
  await writeFile(path.join(work, 'manifest.json'), JSON.stringify([{ Config: `${id}.json`, RepoTags: repoTags, Layers: ['l1/layer.tar'] }]));
  const r = spawnSync('tar', ['-cf', dest, '-C', work, 'manifest.json', `${id}.json`, 'l1/layer.tar']);
  assert.equal(r.status, 0, String(r.stderr));
  return `sha256:${id}`;
}

test('the sample archive provides registry:latest; its image id comes from the manifest', async () => {
  const dir = await packageCopy();
  const a = await inspectRegistryArchive(dir, 'Files/images/registry.tar');
  assert.equal(a.label, 'Files/images/registry.tar');
  assert.match(a.localPath, /Files\/images\/registry\.tar$/);
  const tarId = await makeArchive(path.join(dir, 'Files/images/other.tar'), ['docker.io/library/registry:latest']);
  assert.equal((await inspectRegistryArchive(dir, 'Files/images/other.tar')).expectedId, tarId);
});

test('an archive without registry:latest, a missing file, a directory or a link outside the package fail before any upload', async () => {
  const dir = await packageCopy();
  await makeArchive(path.join(dir, 'Files/images/wrong.tar'), ['myregistry:2.8']);
  await assert.rejects(inspectRegistryArchive(dir, 'Files/images/wrong.tar'), (err: Error) => {
    assert.ok(err instanceof InputError);
    assert.match(err.message, /does not provide registry:latest/);
    assert.match(err.message, /an archive with the tags myregistry:2\.8/);
    return true;
  });
  await assert.rejects(inspectRegistryArchive(dir, 'Files/images/nope.tar'), /no such file in the package/);
  await assert.rejects(inspectRegistryArchive(dir, 'Files/images'), /a directory/);
  await writeFile(path.join(dir, 'Files/images/not-a-tar.tar'), 'hello');
  await assert.rejects(inspectRegistryArchive(dir, 'Files/images/not-a-tar.tar'), /Invalid Docker image archive/);
  await symlink('/etc/hostname', path.join(dir, 'Files/images/link.tar'));
  await assert.rejects(inspectRegistryArchive(dir, 'Files/images/link.tar'), /outside the package/);
});

test('heal_end of a VNFC provisions the healed VNFCs; otherwise all', () => {
  const v = (id: string): VnfcRef => ({ id, vduId: 'PrivateRegistryVDU', serverId: `s-${id}`, stackId: 'st', addresses: {}, createdAt: '' });
  const all = [v('a'), v('b')];
  assert.deepEqual(targetVnfcs({ hook: 'instantiate_end' }, all), all);
  assert.deepEqual(targetVnfcs({ hook: 'heal_end', heal: { entire: true, vnfcIds: [] } }, all), all);
  assert.deepEqual(targetVnfcs({ hook: 'heal_end', heal: { entire: false, vnfcIds: ['b'] } }, all).map((x) => x.id), ['b']);
  assert.deepEqual(targetVnfcs({ hook: 'heal_end', heal: { entire: false, vnfcIds: ['zzz'] } }, all), all, 'unknown ids: all (re-running is harmless)');
});
