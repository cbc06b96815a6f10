/**
 * clouds.yaml / secure.yaml / OS_* / --os-* resolution (src/lib/openstack/config.ts), with temp
 * files, a fake HOME and an explicit environment (the real one is never read).
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError, ExitCode } from '../../src/lib/errors.js';
import { configSearchDirs, findCloudsFile, resolveCloudConfig, type ResolveContext } from '../../src/lib/openstack/config.js';
import { authFlags } from '../../src/cli/flags/openstack.js';
import { authOptionsFromFlags } from '../../src/lib/openstack/auth-options.js';

let root: string;
let n = 0;

/** A fresh fake HOME, cwd and XDG dirs; files given relative to `root`. */
function sandbox(files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): ResolveContext & { dir: string } {
  const dir = join(root, `s${++n}`);
  const home = join(dir, 'home');
  const cwd = join(dir, 'cwd');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
  return { dir, home, cwd, env: { XDG_CONFIG_DIRS: join(dir, 'xdg-dirs'), ...env } };
}

const CLOUDS = `
clouds:
  aio:
    auth:
      auth_url: http://keystone.example:5000/v3
      username: admin
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: internal
    identity_api_version: 3
  only:
    auth:
      auth_url: http://only.example:5000/v3
      username: u
      password: p
`;
const SECURE = `
clouds:
  aio:
    auth:
      password: from-secure
`;

function expectCliError(fn: () => unknown, message: string, exitCode: number = ExitCode.auth): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CliError, `expected CliError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.exitCode, exitCode);
    return true;
  });
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'vnflcm-osconfig-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('clouds.yaml search order', () => {
  it('tries OS_CLIENT_CONFIG_FILE, cwd, XDG_CONFIG_HOME, ~/.config, XDG_CONFIG_DIRS, /etc/openstack', () => {
    const ctx = sandbox({}, { XDG_CONFIG_HOME: '/x/home', XDG_CONFIG_DIRS: '/x/d1:/x/d2' });
    assert.deepEqual(configSearchDirs(ctx), [
      ctx.cwd,
      '/x/home/openstack',
      join(ctx.home!, '.config', 'openstack'),
      '/x/d1/openstack',
      '/x/d2/openstack',
      '/etc/openstack',
    ]);
    const dflt = sandbox({}, { XDG_CONFIG_DIRS: '' });
    assert.deepEqual(configSearchDirs(dflt).slice(1), [join(dflt.home!, '.config', 'openstack'), '/etc/xdg/openstack', '/etc/openstack']);
  });

  it('the first existing file wins: cwd before ~/.config; .yaml before .yml before .json', () => {
    const ctx = sandbox({
      'cwd/clouds.yml': 'clouds: {}',
      'cwd/clouds.json': '{"clouds": {}}',
      'home/.config/openstack/clouds.yaml': CLOUDS,
    });
    assert.equal(findCloudsFile(ctx), join(ctx.cwd!, 'clouds.yml'));
    const ctx2 = sandbox({ 'cwd/clouds.json': '{"clouds": {}}', 'home/.config/openstack/clouds.yaml': CLOUDS });
    assert.equal(findCloudsFile(ctx2), join(ctx2.cwd!, 'clouds.json'));
    const ctx3 = sandbox({ 'home/.config/openstack/clouds.yaml': CLOUDS, 'xdg-dirs/openstack/clouds.yaml': 'clouds: {}' });
    assert.equal(findCloudsFile(ctx3), join(ctx3.home!, '.config/openstack/clouds.yaml'));
  });

  it('OS_CLIENT_CONFIG_FILE comes first; a missing one falls back to the search', () => {
    const ctx = sandbox({ 'cwd/clouds.yaml': 'clouds: {}', 'elsewhere/my.yaml': CLOUDS });
    ctx.env!.OS_CLIENT_CONFIG_FILE = join(ctx.dir, 'elsewhere/my.yaml');
    assert.equal(findCloudsFile(ctx), join(ctx.dir, 'elsewhere/my.yaml'));
    ctx.env!.OS_CLIENT_CONFIG_FILE = join(ctx.dir, 'missing.yaml');
    assert.equal(findCloudsFile(ctx), join(ctx.cwd!, 'clouds.yaml'));
  });

  it('reads clouds.json and XDG_CONFIG_HOME', () => {
    const ctx = sandbox(
      { 'xdg/openstack/clouds.json': JSON.stringify({ clouds: { j: { auth: { auth_url: 'http://j/v3', username: 'u', password: 'p' } } } }) },
    );
    ctx.env!.XDG_CONFIG_HOME = join(ctx.dir, 'xdg');
    assert.equal(resolveCloudConfig({ cloud: 'j' }, ctx).auth.authUrl, 'http://j/v3');
  });
});

describe('cloud selection and merge', () => {
  it('secure.yaml is deep-merged over clouds.yaml', () => {
    const ctx = sandbox({ 'home/.config/openstack/clouds.yaml': CLOUDS, 'cwd/secure.yaml': SECURE });
    const c = resolveCloudConfig({ cloud: 'aio' }, ctx);
    assert.equal(c.auth.password, 'from-secure');
    assert.equal(c.auth.username, 'admin');
    assert.equal(c.regionName, 'RegionOne');
    assert.equal(c.interface, 'internal');
    assert.equal(c.configFile, join(ctx.home!, '.config/openstack/clouds.yaml'));
    assert.equal(c.secureFile, join(ctx.cwd!, 'secure.yaml'));
  });

  it('OS_CLOUD selects a cloud; a single cloud is not picked automatically', () => {
    const ctx = sandbox({ 'cwd/clouds.yaml': 'clouds:\n  only:\n    auth: {auth_url: "http://o/v3", username: u, password: p}\n' });
    expectCliError(() => resolveCloudConfig({}, ctx), 'Missing value auth-url required for auth plugin password');
    ctx.env!.OS_CLOUD = 'only';
    assert.equal(resolveCloudConfig({}, ctx).auth.authUrl, 'http://o/v3');
  });

  it('unknown cloud: "Cloud nope was not found." (exit 4), also without any clouds file', () => {
    expectCliError(() => resolveCloudConfig({ cloud: 'nope' }, sandbox({ 'cwd/clouds.yaml': CLOUDS })), 'Cloud nope was not found.');
    expectCliError(() => resolveCloudConfig({ cloud: 'nope' }, sandbox()), 'Cloud nope was not found.');
  });

  it('nothing configured: "Missing value auth-url required for auth plugin password"', () => {
    expectCliError(() => resolveCloudConfig({}, sandbox()), 'Missing value auth-url required for auth plugin password');
  });

  it('an unreadable clouds file is a config error', () => {
    const ctx = sandbox({ 'cwd/clouds.yaml': 'clouds: [unclosed' });
    assert.throws(() => resolveCloudConfig({ cloud: 'x' }, ctx), (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.auth && e.message.startsWith('Could not read '));
  });
});

describe('precedence: --os-* > OS_* > clouds.yaml', () => {
  const files = { 'cwd/clouds.yaml': CLOUDS, 'cwd/secure.yaml': SECURE };

  it('env overrides the cloud, options override env', () => {
    const ctx = sandbox(files, { OS_CLOUD: 'aio', OS_REGION_NAME: 'RegionEnv', OS_PASSWORD: 'pw-env', OS_USERNAME: 'env-user' });
    let c = resolveCloudConfig({}, ctx);
    assert.equal(c.regionName, 'RegionEnv');
    assert.equal(c.auth.password, 'pw-env');
    assert.equal(c.auth.username, 'env-user');
    c = resolveCloudConfig({ regionName: 'RegionFlag', password: 'pw-flag' }, ctx);
    assert.equal(c.regionName, 'RegionFlag');
    assert.equal(c.auth.password, 'pw-flag');
  });

  it('--os-cloud beats OS_CLOUD', () => {
    const ctx = sandbox(files, { OS_CLOUD: 'aio' });
    assert.equal(resolveCloudConfig({ cloud: 'only' }, ctx).auth.authUrl, 'http://only.example:5000/v3');
  });

  it('empty variables count as unset', () => {
    const ctx = sandbox(files, { OS_CLOUD: 'aio', OS_REGION_NAME: '', OS_PASSWORD: '', OS_AUTH_URL: '' });
    const c = resolveCloudConfig({ regionName: '' }, ctx);
    assert.equal(c.regionName, 'RegionOne');
    assert.equal(c.auth.password, 'from-secure');
    assert.equal(c.auth.authUrl, 'http://keystone.example:5000/v3');
  });

  it('OS_TENANT_NAME / OS_TENANT_ID are aliases of the project', () => {
    const base = { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p' };
    assert.equal(resolveCloudConfig({}, sandbox({}, { ...base, OS_TENANT_NAME: 'tn' })).auth.projectName, 'tn');
    assert.equal(resolveCloudConfig({}, sandbox({}, { ...base, OS_TENANT_ID: 'tid' })).auth.projectId, 'tid');
    assert.equal(resolveCloudConfig({}, sandbox({}, { ...base, OS_TENANT_NAME: 'tn', OS_PROJECT_NAME: 'pn' })).auth.projectName, 'pn');
  });

  it('a project given by a higher source replaces the whole project group of a lower one', () => {
    const ctx = sandbox({ 'cwd/clouds.yaml': 'clouds:\n  c:\n    auth: {auth_url: "http://k/v3", username: u, password: p, project_id: from-file}\n' });
    const c = resolveCloudConfig({ cloud: 'c', projectName: 'flag-project' }, ctx);
    assert.equal(c.auth.projectName, 'flag-project');
    assert.equal(c.auth.projectId, undefined);
  });

  it('without OS_CLOUD, only options and variables are used (OS_INSECURE ignored)', () => {
    const ctx = sandbox(files, { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'demo', OS_INSECURE: 'true', OS_INTERFACE: 'admin' });
    const c = resolveCloudConfig({}, ctx);
    assert.equal(c.cloudName, undefined);
    assert.equal(c.tls.insecure, false);
    assert.equal(c.interface, 'admin');
    assert.equal(c.auth.userDomainId, 'default');
    assert.equal(c.auth.projectDomainId, 'default');
  });

  it('OS_DEFAULT_DOMAIN fills the user and project domains', () => {
    const ctx = sandbox({}, { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'x', OS_DEFAULT_DOMAIN: 'd1' });
    const c = resolveCloudConfig({}, ctx);
    assert.equal(c.auth.userDomainId, 'd1');
    assert.equal(c.auth.projectDomainId, 'd1');
  });

  it('interface aliases (publicURL, endpoint_type) and the default public', () => {
    const base = { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p' };
    assert.equal(resolveCloudConfig({}, sandbox({}, base)).interface, 'public');
    assert.equal(resolveCloudConfig({ interface: 'internalURL' }, sandbox({}, base)).interface, 'internal');
    assert.equal(resolveCloudConfig({}, sandbox({}, { ...base, OS_ENDPOINT_TYPE: 'adminURL' })).interface, 'admin');
  });

  it('clouds.yaml keys may use dashes and sit at the cloud top level; regions list gives the region', () => {
    const ctx = sandbox({ 'cwd/clouds.yaml': 'clouds:\n  c:\n    auth-url: "http://k/v3"\n    username: u\n    auth: {password: p}\n    regions: [R2, R3]\n' });
    const c = resolveCloudConfig({ cloud: 'c' }, ctx);
    assert.equal(c.auth.authUrl, 'http://k/v3');
    assert.equal(c.auth.username, 'u');
    assert.equal(c.regionName, 'R2');
  });
});

describe('auth types', () => {
  const base = { authUrl: 'http://k/v3' };

  it('password by default; token when a token is given; v3applicationcredential when a secret is given', () => {
    assert.equal(resolveCloudConfig({ ...base, username: 'u', password: 'p' }, sandbox()).authType, 'password');
    assert.equal(resolveCloudConfig({ ...base, token: 't', projectId: 'p1' }, sandbox()).authType, 'token');
    const ac = resolveCloudConfig({ ...base, applicationCredentialId: 'i', applicationCredentialSecret: 's', projectName: 'ignored' }, sandbox());
    assert.equal(ac.authType, 'v3applicationcredential');
    assert.equal(ac.auth.projectName, undefined);
  });

  it('explicit types and their missing values', () => {
    expectCliError(() => resolveCloudConfig({ ...base, authType: 'v3token' }, sandbox()), 'Missing value token required for auth plugin v3token');
    expectCliError(() => resolveCloudConfig({ ...base, authType: 'v3applicationcredential', applicationCredentialId: 'i' }, sandbox()), 'Missing value application-credential-secret required for auth plugin v3applicationcredential');
    expectCliError(() => resolveCloudConfig({ ...base, applicationCredentialName: 'n', applicationCredentialSecret: 's' }, sandbox()), 'Missing value username required for auth plugin v3applicationcredential');
    expectCliError(() => resolveCloudConfig({ ...base, username: 'u' }, sandbox()), 'Missing value password required for auth plugin password');
    expectCliError(() => resolveCloudConfig({ ...base, password: 'p' }, sandbox()), 'Missing value username required for auth plugin password');
    expectCliError(() => resolveCloudConfig({ ...base, authType: 'kerberos' }, sandbox()), 'The plugin kerberos could not be found');
    expectCliError(() => resolveCloudConfig({ authType: 'v3token', token: 't' }, sandbox()), 'Missing value auth-url required for auth plugin v3token');
  });

  it('application credential by name needs a user; gets the default domain', () => {
    const c = resolveCloudConfig({ ...base, applicationCredentialName: 'n', applicationCredentialSecret: 's', username: 'u' }, sandbox());
    assert.deepEqual(c.auth, { authUrl: 'http://k/v3', applicationCredentialName: 'n', applicationCredentialSecret: 's', username: 'u', userDomainId: 'default' });
  });

  it('scope: project, domain, system; two at once is an error', () => {
    const user = { ...base, username: 'u', password: 'p' };
    assert.equal(resolveCloudConfig({ ...user, domainName: 'D' }, sandbox()).auth.domainName, 'D');
    assert.equal(resolveCloudConfig({ ...user, systemScope: 'all' }, sandbox()).auth.systemScope, 'all');
    expectCliError(
      () => resolveCloudConfig({ ...user, projectName: 'p', systemScope: 'all' }, sandbox()),
      'Authentication cannot be scoped to multiple targets. Pick one of: project, domain, trust, system or unscoped',
    );
  });
});

describe('TLS options', () => {
  const user = { authUrl: 'https://k/v3', username: 'u', password: 'p' };

  it('--insecure wins over a CA bundle; cacert ~ is expanded', () => {
    const ctx = sandbox();
    const c = resolveCloudConfig({ ...user, cacert: '~/ca.pem', insecure: true }, ctx);
    assert.equal(c.tls.insecure, true);
    assert.equal(c.tls.cacert, join(ctx.home!, 'ca.pem'));
  });

  it('clouds.yaml verify: false / insecure: true; cert and key from OS_CERT / OS_KEY', () => {
    const ctx = sandbox({
      'cwd/clouds.yaml': 'clouds:\n  v: {auth: {auth_url: "https://k/v3", username: u, password: p}, verify: false}\n  i: {auth: {auth_url: "https://k/v3", username: u, password: p}, insecure: true, cacert: /ca.pem}\n',
    }, { OS_CERT: '/c.pem', OS_KEY: '/k.pem' });
    assert.equal(resolveCloudConfig({ cloud: 'v' }, ctx).tls.insecure, true);
    const i = resolveCloudConfig({ cloud: 'i' }, ctx);
    assert.deepEqual(i.tls, { insecure: true, cacert: '/ca.pem', cert: '/c.pem', key: '/k.pem' });
    assert.equal(resolveCloudConfig({ ...user }, ctx).tls.insecure, false);
  });
});

describe('authFlags', () => {
  it('declares the --os-* flags, --insecure and --debug', () => {
    for (const f of ['os-cloud', 'os-auth-url', 'os-username', 'os-password', 'os-project-name', 'os-project-id', 'os-user-domain-name',
      'os-project-domain-name', 'os-domain-name', 'os-system-scope', 'os-token', 'os-application-credential-id',
      'os-application-credential-name', 'os-application-credential-secret', 'os-auth-type', 'os-region-name', 'os-interface',
      'os-cacert', 'os-cert', 'os-key', 'insecure', 'debug']) {
      assert.ok(f in authFlags, f);
    }
  });

  it('authOptionsFromFlags maps flag names and drops unset ones', () => {
    assert.deepEqual(authOptionsFromFlags({ 'os-cloud': 'aio', 'os-project-name': 'p', insecure: false, debug: true }), {
      cloud: 'aio',
      projectName: 'p',
      insecure: false,
    });
  });
});
