// The operator-side registry checks (src/lib/registry-check/local.ts) against real local servers
// on 127.0.0.1: an HTTPS registry with a CA made here with openssl and Basic auth, a plain HTTP
// registry, and an HTTP registry behind a Bearer token service. Also the command itself (built
// bin/run.js) with a param file: table rows as JSON and the exit code.
//
//   node --import tsx --test test/unit/registry-check-local.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RegistrySpec } from '../../src/lib/mgmt/kubernetes/registries.js';
import { checkFromHere, parseImage } from '../../src/lib/registry-check/local.js';
import type { CheckRow } from '../../src/lib/registry-check/rows.js';
import { runCli, tempHome } from '../helpers/cli.js';

const NAME = 'registry.unit.invalid'; // .invalid never resolves: only the hosts_string gives it an address
const DIGEST = `sha256:${'ab'.repeat(32)}`;
let dir: string;
let caFile: string;
let otherCaFile: string;
const servers: http.Server[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A tiny registry API: /v2/ and manifests of `hello`; `auth` decides whether a request may pass. */
function registryHandler(auth: (req: http.IncomingMessage) => boolean, challenge: string, seen?: string[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen?.push(`${req.method} ${req.url}`);
    if (!auth(req)) {
      res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    if (req.url === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    const accept = String(req.headers.accept ?? '');
    if (req.method === 'HEAD' && req.url === '/v2/hello/manifests/latest' && accept.includes('application/vnd.docker.distribution.manifest.v2+json') && accept.includes('application/vnd.oci.image.index.v1+json')) {
      res.writeHead(200, { 'Docker-Content-Digest': DIGEST, 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }).end();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end();
  };
}

function basicOk(user: string, pw: string) {
  return (req: http.IncomingMessage) => req.headers.authorization === `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
}

async function listen(s: http.Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

let httpsPort: number;
let httpPort: number;
let bearerPort: number;
const tokenRequests: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vnflcm-regchk-'));
  // a CA, a server certificate for NAME signed by it, and an unrelated CA
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=unit test CA']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=some other CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', `/CN=${NAME}`]);
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${NAME}\n`);
  openssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf']);
  caFile = join(dir, 'ca.crt');
  otherCaFile = join(dir, 'other.crt');
  const tlsOpts = { key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.crt')) };
  httpsPort = await listen(https.createServer(tlsOpts, registryHandler(basicOk('alice', 'alice-pw'), 'Basic realm="unit"')));
  httpPort = await listen(http.createServer(registryHandler(() => true, '')));
  // Bearer: /token checks Basic credentials and hands out a token naming the scope
  const bearer = http.createServer((req, res) => {
    if (req.url?.startsWith('/token')) {
      tokenRequests.push(req.url);
      if (!basicOk('bob', 'bob-pw')(req)) {
        res.writeHead(401).end();
        return;
      }
      const scope = new URL(req.url, 'http://x').searchParams.get('scope') ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: `tok ${scope}`.trim().replace(/ /g, '_') }));
      return;
    }
    const okAuth = (r: http.IncomingMessage) => {
      const h = r.headers.authorization ?? '';
      if (r.url === '/v2/') return h === 'Bearer tok';
      return h === 'Bearer tok_repository:hello:pull';
    };
    registryHandler(okAuth, `Bearer realm="http://127.0.0.1:${bearerPort}/token",service="unit-registry"`)(req, res);
  });
  bearerPort = await listen(bearer);
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const hostsLine = () => `127.0.0.1 ${NAME}`;
const httpsReg = (o: Partial<RegistrySpec> = {}): RegistrySpec => ({
  server: `${NAME}:${httpsPort}`,
  configured: `${NAME}:${httpsPort}`,
  secure: true,
  caFile,
  username: 'alice',
  password: 'alice-pw',
  hostsLine: hostsLine(),
  ...o,
});

/** check → [result, detail, hint] */
function byCheck(rows: CheckRow[]): Record<string, [string, string, string]> {
  return Object.fromEntries(rows.map((r) => [r.check, [r.result, r.detail, r.hint]]));
}

function results(rows: CheckRow[]): string {
  return rows.map((r) => `${r.check}=${r.result}`).join(' ');
}

describe('registry checks from the operator machine', () => {
  test('a correct HTTPS registry (private CA, Basic login, hosts_string) passes every check', async () => {
    const rows = await checkFromHere([httpsReg()], { image: 'hello:latest', timeoutMs: 5000 });
    assert.equal(results(rows), 'config=ok dns=ok tcp=ok scheme=ok tls=ok login=ok manifest=ok');
    const c = byCheck(rows);
    assert.ok(rows.every((r) => r.node === 'operator' && r.registry === `${NAME}:${httpsPort}` && r.via === 'direct'));
    assert.match(c.dns?.[1] ?? '', new RegExp(`${NAME} -> 127\\.0\\.0\\.1 \\(hosts_string\\)`));
    assert.match(c.tls?.[1] ?? '', /verified with CA .*ca\.crt \(CN=registry\.unit\.invalid/);
    assert.match(c.login?.[1] ?? '', /logged in as alice \(Basic\)/);
    assert.match(c.manifest?.[1] ?? '', new RegExp(`hello:latest is ${DIGEST}`));
  });

  test('a wrong CA fails tls; login and manifest are skipped', async () => {
    const rows = await checkFromHere([httpsReg({ caFile: otherCaFile })], { image: 'hello', timeoutMs: 5000 });
    assert.equal(results(rows), 'config=ok dns=ok tcp=ok scheme=ok tls=FAIL login=skip manifest=skip');
    const tls = byCheck(rows).tls;
    assert.match(tls?.[1] ?? '', /not trusted with CA .*other\.crt/);
    assert.match(tls?.[2] ?? '', /some other CA.*is not the CA that signed/);
  });

  test('a wrong password fails login; the manifest is skipped', async () => {
    const rows = await checkFromHere([httpsReg({ password: 'wrong' })], { image: 'hello', timeoutMs: 5000 });
    assert.equal(results(rows), 'config=ok dns=ok tcp=ok scheme=ok tls=ok login=FAIL manifest=skip');
    assert.match(byCheck(rows).login?.[1] ?? '', /rejected the credentials of alice \(HTTP 401\)/);
  });

  test('no credentials for a registry that needs them fails login', async () => {
    const { username: _u, password: _p, ...noCreds } = httpsReg();
    const rows = await checkFromHere([noCreds], { timeoutMs: 5000 });
    assert.equal(byCheck(rows).login?.[0], 'FAIL');
    assert.match(byCheck(rows).login?.[1] ?? '', /needs a login \(HTTP 401\) and no credentials are given/);
  });

  test('without the hosts_string the name does not resolve: dns fails, the rest is skipped', async () => {
    const { hostsLine: _h, ...noHosts } = httpsReg();
    const rows = await checkFromHere([noHosts], { image: 'hello', timeoutMs: 5000 });
    assert.equal(results(rows), 'config=ok dns=FAIL tcp=skip scheme=skip tls=skip login=skip manifest=skip');
    assert.match(byCheck(rows).dns?.[1] ?? '', /cannot resolve registry\.unit\.invalid/);
    assert.match(byCheck(rows).dns?.[2] ?? '', /hosts_string "<IP> registry\.unit\.invalid"/);
  });

  test('an HTTP registry given as HTTPS, and an HTTPS registry given as HTTP, fail the scheme check', async () => {
    const asHttps: RegistrySpec = { server: `127.0.0.1:${httpPort}`, configured: `127.0.0.1:${httpPort}`, secure: true };
    const r1 = await checkFromHere([asHttps], { timeoutMs: 5000 });
    assert.equal(results(r1), 'config=ok dns=ok tcp=ok scheme=FAIL tls=skip login=skip manifest=skip');
    assert.match(byCheck(r1).scheme?.[1] ?? '', /connection_type "1" means HTTPS, but 127\.0\.0\.1 port \d+ speaks plain HTTP/);
    assert.equal(byCheck(r1).scheme?.[2], 'use connection_type "0" for this registry');

    const asHttp = httpsReg({ secure: false, caFile: undefined });
    const r2 = await checkFromHere([asHttp], { timeoutMs: 5000 });
    assert.equal(results(r2), 'config=ok dns=ok tcp=ok scheme=FAIL tls=skip login=skip manifest=skip');
    assert.match(byCheck(r2).scheme?.[1] ?? '', /connection_type "0" means HTTP, but registry\.unit\.invalid port \d+ speaks HTTPS \(TLS\)/);
    assert.equal(byCheck(r2).scheme?.[2], 'use connection_type "1" for this registry');
  });

  test('a plain HTTP registry: tls is skipped, no login needed; an unknown image fails the manifest check', async () => {
    const reg: RegistrySpec = { server: `127.0.0.1:${httpPort}`, configured: `127.0.0.1:${httpPort}`, secure: false };
    const ok = await checkFromHere([reg], { image: 'hello:latest', timeoutMs: 5000 });
    assert.equal(results(ok), 'config=ok dns=ok tcp=ok scheme=ok tls=skip login=ok manifest=ok');
    assert.match(byCheck(ok).login?.[1] ?? '', /no login needed/);
    const missing = await checkFromHere([reg], { image: 'nope:1.0', timeoutMs: 5000 });
    assert.deepEqual(byCheck(missing).manifest?.slice(0, 2), ['FAIL', `no manifest nope:1.0 on 127.0.0.1:${httpPort} (HTTP 404)`]);
    const noImage = await checkFromHere([reg], { timeoutMs: 5000 });
    assert.equal(byCheck(noImage).manifest?.[0], 'skip');
  });

  test('Bearer token exchange: the token service gets the credentials and the pull scope', async () => {
    tokenRequests.length = 0;
    const reg: RegistrySpec = { server: `127.0.0.1:${bearerPort}`, configured: `127.0.0.1:${bearerPort}`, secure: false, username: 'bob', password: 'bob-pw' };
    const rows = await checkFromHere([reg], { image: 'hello', timeoutMs: 5000 });
    assert.equal(results(rows), 'config=ok dns=ok tcp=ok scheme=ok tls=skip login=ok manifest=ok');
    assert.match(byCheck(rows).login?.[1] ?? '', /logged in as bob \(Bearer token\)/);
    assert.ok(tokenRequests.some((u) => u.includes('scope=repository%3Ahello%3Apull') && u.includes('service=unit-registry')), tokenRequests.join('\n'));
    const bad = await checkFromHere([{ ...reg, password: 'nope' }], { image: 'hello', timeoutMs: 5000 });
    assert.equal(byCheck(bad).login?.[0], 'FAIL');
    assert.match(byCheck(bad).login?.[1] ?? '', /token service http:\/\/127\.0\.0\.1:\d+\/token rejected the credentials of bob \(HTTP 401\)/);
  });

  test('nothing listening: tcp fails, the rest is skipped', async () => {
    const s = http.createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    const rows = await checkFromHere([{ server: `127.0.0.1:${port}`, configured: `127.0.0.1:${port}`, secure: false }], { timeoutMs: 5000 });
    assert.equal(results(rows), 'config=ok dns=ok tcp=FAIL scheme=skip tls=skip login=skip manifest=skip');
    assert.match(byCheck(rows).tcp?.[1] ?? '', /cannot connect to 127\.0\.0\.1 port \d+: .*ECONNREFUSED/);
  });

  test('image names', () => {
    assert.deepEqual(parseImage('testbed/hello:latest'), { repo: 'testbed/hello', ref: 'latest' });
    assert.deepEqual(parseImage('hello'), { repo: 'hello', ref: 'latest' });
    assert.deepEqual(parseImage(`a/b@${DIGEST}`), { repo: 'a/b', ref: DIGEST });
    for (const bad of ['Hello', 'a/b:$(id)', 'a b', '../x', 'a/b@sha256:zz', '']) assert.equal(parseImage(bad), undefined, bad);
  });
});

describe('vnflcm registry check PARAM_FILE (built CLI)', () => {
  function paramFile(entries: unknown[]): string {
    const body = JSON.parse(readFileSync(join(import.meta.dirname, '../../samples/private_registry_kubernetes_param_file.json'), 'utf8')) as {
      additionalParams: { k8s_cluster_installation_param: Record<string, unknown> };
    };
    body.additionalParams.k8s_cluster_installation_param.private_registry_connection_info = entries;
    const f = join(dir, `params-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(body));
    return f;
  }

  test('every check passes: exit 0, one JSON row per check', async () => {
    const f = paramFile([{ connection_type: '0', server: `127.0.0.1:${httpPort}` }]);
    const r = await runCli(['registry', 'check', f, '--image', 'hello', '-f', 'json'], { home: tempHome() });
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Record<string, string>[];
    assert.deepEqual(rows.map((x) => `${x.Check}=${x.Result}`), ['config=ok', 'dns=ok', 'tcp=ok', 'scheme=ok', 'tls=skip', 'login=ok', 'manifest=ok']);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['Node', 'Registry', 'Via', 'Check', 'Result', 'Detail', 'Hint']);
  });

  test('a failing check: exit 1, the rows still printed, stderr names the check and the hint', async () => {
    const f = paramFile([{ connection_type: '1', server: `127.0.0.1:${httpPort}` }]);
    const r = await runCli(['registry', 'check', f, '-f', 'csv', '-c', 'Check', '-c', 'Result'], { home: tempHome() });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '"Check","Result"\n"config","ok"\n"dns","ok"\n"tcp","ok"\n"scheme","FAIL"\n"tls","skip"\n"login","skip"\n"manifest","skip"\n');
    assert.match(r.stderr, /Registry check: 1 check failed on operator:\n {2}- operator 127\.0\.0\.1:\d+ scheme: .*speaks plain HTTP \(hint: use connection_type "0" for this registry\)/);
  });

  test('certificate_path without --vnfd-id is a usage error; a bad --image too', async () => {
    const f = paramFile([{ connection_type: '1', server: NAME, certificate_path: 'Files/ca.crt' }]);
    const r = await runCli(['registry', 'check', f], { home: tempHome() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /certificate_path is a file of the VNF package: give the package with --vnfd-id/);
    const r2 = await runCli(['registry', 'check', f, '--image', 'x;rm'], { home: tempHome() });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /--image "x;rm": expected an image name/);
  });

  test('an unknown instance id (and no such file)', async () => {
    const r = await runCli(['registry', 'check', 'no-such-instance'], { home: tempHome() });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Can not find requested vnf instance: no-such-instance (and there is no file no-such-instance either)\n');
  });
});
