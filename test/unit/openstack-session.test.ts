/**
 * The transport (src/lib/openstack/session.ts) against FakeCloud, which replays responses recorded
 * from the real test OpenStack: auth bodies per auth type, error messages, retries, redirects,
 * the token cache and --debug redaction.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { CliError, ExitCode } from '../../src/lib/errors.js';
import { resolveCloudConfig, type AuthOptions } from '../../src/lib/openstack/config.js';
import {
  errorMessageFromBody,
  OpenStackConnectionError,
  OpenStackHttpError,
  redactJson,
  redactText,
  Session,
  type SessionOptions,
} from '../../src/lib/openstack/session.js';
import { closedPort, FakeCloud, loadRecorded, PROJECT_ID } from '../fixtures/openstack/fake-cloud.js';

let fake: FakeCloud;
let dir: string;
let cacheDir: string;

const REQUEST_ID = /\(Request-ID: req-[0-9a-f-]+\)$/;

function config(opts: AuthOptions = {}) {
  return resolveCloudConfig(fake.authOptions(opts), { env: {}, cwd: dir, home: dir });
}

function open(opts: AuthOptions = {}, s: SessionOptions = {}): Promise<Session> {
  return Session.open(config(opts), { tokenCacheDir: cacheDir, retryMinDelayMs: 5, retryMaxDelayMs: 20, ...s });
}

function authBodies(): unknown[] {
  return fake.calls('POST', '/identity/v3/auth/tokens').map((r) => JSON.parse(r.body) as unknown);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnflcm-ossession-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
let caseNo = 0;
beforeEach(async () => {
  fake = await FakeCloud.start();
  cacheDir = join(dir, `tokens-${++caseNo}`);
});
afterEach(async () => fake.close());

describe('Keystone v3 auth requests', () => {
  it('password: discovery GET, then the documented body; token from X-Subject-Token; catalog endpoints', async () => {
    const s = await open();
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /identity/v3', 'POST /identity/v3/auth/tokens'],
    );
    assert.deepEqual(authBodies()[0], {
      auth: {
        identity: { methods: ['password'], password: { user: { password: 'demo-secret', name: 'demo', domain: { name: 'Default' } } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
    assert.equal(s.projectId, PROJECT_ID);
    assert.equal(s.endpoint('orchestration'), fake.heatUrl);
    assert.equal(s.versionedEndpoint('image', 'v2'), `${fake.base}/image/v2`);
    assert.equal(s.versionedEndpoint('compute', 'v2.1'), `${fake.base}/compute/v2.1`);
    fake.route('GET', `/heat/v1/${PROJECT_ID}/stacks`, { status: 200, body: { stacks: [] } });
    await s.request('orchestration', 'GET', '/stacks');
    assert.equal(fake.calls('GET', '/stacks').at(-1)?.headers['x-auth-token'], 'fake-token-1');
    s.close();
  });

  it('password with user and project ids; ids win over names', async () => {
    const s = await open({ username: '', userDomainName: '', userId: 'uid', projectName: '', projectDomainName: '', projectId: 'pid' });
    assert.deepEqual(authBodies()[0], {
      auth: { identity: { methods: ['password'], password: { user: { password: 'demo-secret', id: 'uid' } } }, scope: { project: { id: 'pid' } } },
    });
    s.close();
  });

  it('an unversioned auth URL is resolved through the 300 version list', async () => {
    const s = await open({ authUrl: `${fake.base}/identity` });
    assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path}`), ['GET /identity', 'POST /identity/v3/auth/tokens']);
    s.close();
  });

  it('v3token: no discovery; {"token": {"id"}} and the scope', async () => {
    const s = await open({ authType: 'v3token', token: 'tok-123', username: '', password: '' });
    assert.deepEqual(fake.requests.map((r) => r.method), ['POST']);
    assert.deepEqual(authBodies()[0], {
      auth: { identity: { methods: ['token'], token: { id: 'tok-123' } }, scope: { project: { name: 'demo', domain: { name: 'Default' } } } },
    });
    s.close();
  });

  it('v3applicationcredential by id: no discovery, no scope', async () => {
    const s = await open({ username: '', password: '', applicationCredentialId: 'ac-id', applicationCredentialSecret: 'ac-secret' });
    assert.deepEqual(fake.requests.map((r) => r.method), ['POST']);
    assert.deepEqual(authBodies()[0], {
      auth: { identity: { methods: ['application_credential'], application_credential: { secret: 'ac-secret', id: 'ac-id' } } },
    });
    s.close();
  });

  it('v3applicationcredential by name carries the user', async () => {
    const s = await open({ password: '', applicationCredentialName: 'ac', applicationCredentialSecret: 'ac-secret' });
    assert.deepEqual(authBodies()[0], {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { secret: 'ac-secret', name: 'ac', user: { name: 'demo', domain: { name: 'Default' } } },
        },
      },
    });
    s.close();
  });

  it('domain and system scope', async () => {
    (await open({ projectName: '', projectDomainName: '', domainName: 'Default' })).close();
    (await open({ projectName: '', projectDomainName: '', systemScope: 'all' })).close();
    const [d, sys] = authBodies() as { auth: { scope: unknown } }[];
    assert.deepEqual(d?.auth.scope, { domain: { name: 'Default' } });
    assert.deepEqual(sys?.auth.scope, { system: { all: true } });
  });
});

describe('auth errors', () => {
  it('wrong password: the recorded Keystone 401 message, exit 4', async () => {
    await assert.rejects(open({ password: 'wrong' }), (err: unknown) => {
      assert.ok(err instanceof OpenStackHttpError);
      assert.match(err.message, /^The request you have made requires authentication\. \(HTTP 401\) \(Request-ID: req-[0-9a-f-]+\)$/);
      assert.equal(err.status, 401);
      assert.equal(err.service, 'identity');
      assert.equal(err.exitCode, ExitCode.auth);
      return true;
    });
  });

  it('Keystone unreachable: the two-line message', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/v3`;
    await assert.rejects(open({ authUrl: url }), (err: unknown) => {
      assert.ok(err instanceof CliError);
      const [l1, l2, more] = err.message.split('\n');
      assert.equal(l1, `Failed to discover available identity versions when contacting ${url}. Attempting to parse version from URL.`);
      assert.match(l2 ?? '', new RegExp(`^Unable to establish connection to ${url}/auth/tokens: .*ECONNREFUSED`));
      assert.equal(more, undefined);
      assert.equal(err.exitCode, ExitCode.auth);
      return true;
    });
  });

  it('Keystone unreachable with a token: one line (no discovery)', async () => {
    const port = await closedPort();
    await assert.rejects(open({ authUrl: `http://127.0.0.1:${port}/v3`, authType: 'v3token', token: 't' }), (err: unknown) => {
      assert.ok(err instanceof OpenStackConnectionError);
      assert.match(err.message, new RegExp(`^Unable to establish connection to http://127.0.0.1:${port}/v3/auth/tokens: `));
      return true;
    });
  });

  it('no endpoint in the region / for the interface', async () => {
    const s = await open({ regionName: 'RegionTwo' });
    assert.throws(() => s.endpoint('orchestration'), { message: 'public endpoint for orchestration service in RegionTwo region not found' });
    s.close();
    const t = await open({ regionName: '', interface: 'admin' });
    assert.throws(() => t.endpoint('orchestration'), (e: unknown) => e instanceof CliError && e.message === 'admin endpoint for orchestration service not found' && e.exitCode === ExitCode.auth);
    t.close();
  });
});

describe('retries, redirects, timeouts', () => {
  const stacks = `/heat/v1/${PROJECT_ID}/stacks`;

  it('GET: 503, 503, then 200 succeeds after two retries', async () => {
    fake.route('GET', stacks, [{ status: 503, body: 'busy' }, { status: 503, body: 'busy' }, { status: 200, body: { stacks: [] } }]);
    const s = await open();
    const res = await s.request('orchestration', 'GET', '/stacks');
    assert.equal(res.status, 200);
    assert.equal(fake.calls('GET', '/stacks').length, 3);
    s.close();
  });

  it('GET: 429 is retried; retries are bounded and the last error is reported', async () => {
    fake.route('GET', stacks, [{ status: 429, headers: { 'retry-after': '0' }, body: { overLimit: { message: 'slow down' } } }, { status: 200, body: { stacks: [] } }]);
    const s = await open();
    assert.equal((await s.request('orchestration', 'GET', '/stacks')).status, 200);
    fake.route('GET', `${stacks}/x`, { status: 500, body: { error: { message: 'engine exploded' } } });
    await assert.rejects(s.request('orchestration', 'GET', '/stacks/x'), { message: /^engine exploded \(HTTP 500\)/ });
    assert.equal(fake.calls('GET', '/stacks/x').length, 4); // 1 + 3 retries
    s.close();
  });

  it('POST and PATCH are never retried on 503', async () => {
    fake.route('POST', stacks, { status: 503, body: { error: { message: 'no engine' } } });
    fake.route('PATCH', `${stacks}/a/b`, { status: 503, body: { error: { message: 'no engine' } } });
    const s = await open();
    await assert.rejects(s.request('orchestration', 'POST', '/stacks', { json: {} }), (e: unknown) => e instanceof OpenStackHttpError && e.status === 503 && e.exitCode === 1);
    await assert.rejects(s.request('orchestration', 'PATCH', '/stacks/a/b', { json: {} }), OpenStackHttpError);
    assert.equal(fake.calls('POST', '/stacks').length, 1);
    assert.equal(fake.calls('PATCH', '/stacks/a/b').length, 1);
    s.close();
  });

  it('connection errors on GET are retried', async () => {
    const lines: string[] = [];
    const s = await open({}, { debug: (l) => lines.push(l) });
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/x`;
    await assert.rejects(s.request('orchestration', 'GET', url), (e: unknown) => e instanceof OpenStackConnectionError && e.exitCode === 1);
    // The session's own record of its decisions, not the elapsed time: 3 retries, then the error.
    const retries = lines.filter((l) => l.startsWith(`RETRY GET ${url} after `));
    assert.deepEqual(
      retries.map((l) => /\(attempt (\d+), (\d+) left\)$/.exec(l)?.slice(1)),
      [['1', '3'], ['2', '2'], ['3', '1']],
      lines.join('\n'),
    );
    assert.equal(lines.filter((l) => l.startsWith(`REQ #`) && l.includes(` GET ${url}`)).length, 4, 'four attempts were sent');
    s.close();
  });

  it("Heat's 302 on PATCH is followed as PATCH with the same body (recorded redirect)", async () => {
    const redirect = fake.fixture('heat-stack-redirect');
    const location = new URL(redirect.headers!.location!).pathname;
    const id = location.split('/').at(-1)!;
    fake.route('PATCH', `${stacks}/${id}`, redirect);
    fake.route('PATCH', location, { status: 202, body: '' });
    const s = await open();
    await s.request('orchestration', 'PATCH', `/stacks/${id}`, { json: { parameters: { capacity: 2 } } });
    const followed = fake.calls('PATCH', location);
    assert.equal(followed.length, 1);
    assert.deepEqual(JSON.parse(followed[0]!.body), { parameters: { capacity: 2 } });
    assert.equal(followed[0]!.headers['x-auth-token'], 'fake-token-1');
    assert.equal(fake.calls('GET', location).length, 0);
    s.close();
  });

  it('303 becomes GET; a redirect to another origin stays on the original origin', async () => {
    fake.route('POST', `${stacks}/see`, { status: 303, headers: { location: `http://203.0.113.9:1/heat/v1/${PROJECT_ID}/stacks/other` } });
    fake.route('GET', `${stacks}/other`, { status: 200, body: { ok: true } });
    const s = await open();
    const res = await s.request('orchestration', 'POST', '/stacks/see', { json: { a: 1 } });
    assert.deepEqual(res.json(), { ok: true });
    s.close();
  });

  it('a slow answer times out (per attempt)', async () => {
    fake.route('GET', `${stacks}/slow`, { status: 200, body: {}, delayMs: 400 });
    const s = await open({}, { timeoutMs: 100, retries: 0 });
    await assert.rejects(s.request('orchestration', 'GET', '/stacks/slow'), (e: unknown) => {
      assert.ok(e instanceof OpenStackConnectionError);
      assert.ok(e.timedOut);
      assert.match(e.message, /stacks\/slow: timed out after 0\.1 s$/);
      return true;
    });
    s.close();
  });
});

describe('token cache', () => {
  it('a second invocation reuses the cached token: no auth request; dir 0700, file 0600, no secret in clear', async () => {
    (await open()).close();
    const before = fake.requests.length;
    const s2 = await open();
    assert.equal(fake.requests.length, before, 'no request at all to open the second session');
    fake.route('GET', `/heat/v1/${PROJECT_ID}/stacks`, { status: 200, body: { stacks: [] } });
    await s2.request('orchestration', 'GET', '/stacks');
    assert.equal(fake.calls('POST', '/auth/tokens').length, 1);
    assert.equal(fake.calls('GET', '/stacks').at(-1)?.headers['x-auth-token'], 'fake-token-1');
    s2.close();

    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    assert.equal(statSync(join(cacheDir, files[0]!)).mode & 0o777, 0o600);
    assert.equal(statSync(join(cacheDir, '.salt')).mode & 0o777, 0o600);
    const text = readFileSync(join(cacheDir, files[0]!), 'utf8');
    assert.ok(!text.includes('demo-secret'));
    assert.ok(!files[0]!.includes('demo'));
  });

  it('other credentials or scope use another entry (a wrong password is not hidden by the cache)', async () => {
    (await open()).close();
    await assert.rejects(open({ password: 'wrong' }), { status: 401 });
    (await open({ projectName: 'other' })).close();
    assert.equal(fake.calls('POST', '/auth/tokens').length, 3);
  });

  it('a token expiring within 5 minutes is not reused', async () => {
    fake.route('POST', '/identity/v3/auth/tokens', () => fake.tokenResponse(4 * 60_000));
    (await open()).close();
    (await open()).close();
    assert.equal(fake.calls('POST', '/auth/tokens').length, 2);
  });

  it('a 401 from a service re-authenticates once and retries the request', async () => {
    fake.route('GET', `/heat/v1/${PROJECT_ID}/stacks`, { status: 200, body: { stacks: [] } });
    (await open()).close();
    fake.revokeTokens();
    const s = await open(); // cached (revoked) token
    const res = await s.request('orchestration', 'GET', '/stacks');
    assert.equal(res.status, 200);
    const gets = fake.calls('GET', '/stacks');
    assert.deepEqual(gets.map((g) => g.headers['x-auth-token']), ['fake-token-1', 'fake-token-2']);
    assert.equal(fake.calls('POST', '/auth/tokens').length, 2);
    s.close();
    // the new token was cached
    const before = fake.calls('POST', '/auth/tokens').length;
    (await open()).close();
    assert.equal(fake.calls('POST', '/auth/tokens').length, before);
  });

  it('a service that keeps answering 401 fails after one re-authentication (exit 4)', async () => {
    fake.route('GET', `/heat/v1/${PROJECT_ID}/stacks`, { status: 401, body: { error: { message: 'The request you have made requires authentication.' } } });
    const s = await open({}, { tokenCache: false });
    await assert.rejects(s.request('orchestration', 'GET', '/stacks'), (e: unknown) => e instanceof OpenStackHttpError && e.status === 401 && e.exitCode === ExitCode.auth);
    assert.equal(fake.calls('GET', '/stacks').length, 2);
    s.close();
  });
});

describe('--debug', () => {
  it('logs method, URL, status, timing and bodies with tokens and passwords redacted', async () => {
    const lines: string[] = [];
    fake.route('POST', `/heat/v1/${PROJECT_ID}/stacks`, { status: 201, body: { stack: { id: 'x' } } });
    const s = await open({}, { debug: (l) => lines.push(l) });
    await s.request('orchestration', 'POST', '/stacks', { json: { stack_name: 'a', parameters: { password: 'p1', nested: { secret: 's1' } }, token: { id: 'tid' } } });
    s.close();
    const out = lines.join('\n');
    assert.match(out, /REQ #\d+: GET http:\/\/127\.0\.0\.1:\d+\/identity\/v3/);
    assert.match(out, /REQ #\d+: POST http:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens/);
    assert.match(out, /RESP #\d+: 201 Created POST \S+\/auth\/tokens \d+ ms/);
    assert.match(out, /x-subject-token: <redacted>/);
    assert.match(out, /x-auth-token: <redacted>/);
    assert.match(out, /"stack_name":"a"/);
    for (const secret of ['demo-secret', 'fake-token-1', 'p1', 's1', 'tid']) assert.ok(!out.includes(secret), `${secret} leaked`);
  });

  it('long bodies are truncated', async () => {
    const lines: string[] = [];
    fake.route('GET', `/heat/v1/${PROJECT_ID}/stacks`, { status: 200, body: { stacks: [], pad: 'x'.repeat(10_000) } });
    const s = await open({}, { debug: (l) => lines.push(l) });
    await s.request('orchestration', 'GET', '/stacks');
    s.close();
    assert.match(lines.at(-1)!, /… \(\d+ more characters\)$/);
  });

  it('redactJson / redactText', () => {
    assert.deepEqual(redactJson({ auth: { identity: { token: { id: 't' }, password: { user: { password: 'p' } } } }, application_credential: { secret: 's' } }), {
      auth: { identity: { token: { id: '<redacted>' }, password: { user: { password: '<redacted>' } } } },
      application_credential: { secret: '<redacted>' },
    });
    assert.equal(redactText('not json "password": "x" and "secret":"y"'), 'not json "password": "<redacted>" and "secret":"<redacted>"');
  });
});

describe('error messages from recorded service bodies', () => {
  const msg = (name: string): string => {
    const r = loadRecorded(name).response;
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return errorMessageFromBody(r.status, r.statusText, text);
  };

  it('Keystone, Heat, Nova, Neutron, Glance', () => {
    assert.equal(msg('keystone-401'), 'The request you have made requires authentication.');
    assert.equal(msg('heat-404'), 'The Stack (no-such-stack-vnflcm) could not be found.');
    assert.equal(msg('heat-400'), 'The Resource Type (OS::Nope::Nothing) could not be found.');
    assert.equal(msg('nova-404'), 'Instance 00000000-0000-0000-0000-000000000000 could not be found.');
    assert.equal(msg('neutron-404'), 'Port 00000000-0000-0000-0000-000000000000 could not be found.');
    assert.equal(msg('glance-404'), 'No image found with ID 00000000-0000-0000-0000-000000000000');
  });

  it('plain text, HTML and empty bodies', () => {
    assert.equal(errorMessageFromBody(404, 'Not Found', '404 Not Found\n\nThe resource could not be found.\n\n   '), 'The resource could not be found.');
    assert.equal(
      errorMessageFromBody(404, 'Not Found', '<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>No image found with ID x<br /><br /></body></html>'),
      'No image found with ID x',
    );
    assert.equal(errorMessageFromBody(503, 'Service Unavailable', ''), '503 Service Unavailable');
    assert.equal(errorMessageFromBody(409, '', '{"conflictingRequest": {"code": 409, "message": "busy"}}'), 'busy');
  });

  it('OpenStackHttpError carries status, service and request id', async () => {
    fake.route('GET', `/heat/v1/${PROJECT_ID}/stacks/nope`, fake.fixture('heat-404'));
    const s = await open();
    await assert.rejects(s.request('orchestration', 'GET', '/stacks/nope'), (e: unknown) => {
      assert.ok(e instanceof OpenStackHttpError);
      assert.equal(e.status, 404);
      assert.equal(e.service, 'orchestration');
      assert.match(e.message, /^The Stack \(no-such-stack-vnflcm\) could not be found\. \(HTTP 404\) \(Request-ID: req-/);
      assert.match(e.message, REQUEST_ID);
      assert.ok(e.requestId?.startsWith('req-'));
      return true;
    });
    s.close();
  });
});
