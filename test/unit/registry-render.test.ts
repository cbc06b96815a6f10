// Private registry driver: the files it renders (exact text), the proxy environment, OS detection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APT_PROXY_PATH,
  DOCKER_PROXY_PATH,
  detectOs,
  osLabel,
  parseOsRelease,
  proxyEnv,
  renderAptProxy,
  renderDockerProxy,
  systemdQuoted,
  unsupportedReason,
} from '../../src/lib/mgmt/private-registry/render.js';

const FULL = { http: 'http://proxy.example.com:3128', https: 'https://u:p%40ss@proxy.example.com:3129', noProxy: 'localhost,10.0.0.0/8,.svc' };

test('paths of the rendered files', () => {
  assert.equal(APT_PROXY_PATH, '/etc/apt/apt.conf.d/95vnflcm-proxy');
  assert.equal(DOCKER_PROXY_PATH, '/etc/systemd/system/docker.service.d/http-proxy.conf');
});

test('apt proxy file: exact text, only the lines that are set, none without http/https', () => {
  assert.equal(
    renderAptProxy(FULL),
    '// Written by vnflcm (private registry driver); rewritten whole on every run.\n' +
      'Acquire::http::Proxy "http://proxy.example.com:3128";\n' +
      'Acquire::https::Proxy "https://u:p%40ss@proxy.example.com:3129";\n',
  );
  assert.equal(
    renderAptProxy({ https: 'http://p:1' }),
    '// Written by vnflcm (private registry driver); rewritten whole on every run.\nAcquire::https::Proxy "http://p:1";\n',
  );
  assert.equal(renderAptProxy({ noProxy: 'localhost' }), undefined);
  assert.equal(renderAptProxy(undefined), undefined);
});

test('docker drop-in: exact text, % doubled for systemd, only the variables that are set', () => {
  assert.equal(
    renderDockerProxy(FULL),
    '# Written by vnflcm (private registry driver); rewritten whole on every run.\n' +
      '[Service]\n' +
      'Environment="HTTP_PROXY=http://proxy.example.com:3128"\n' +
      'Environment="HTTPS_PROXY=https://u:p%%40ss@proxy.example.com:3129"\n' +
      'Environment="NO_PROXY=localhost,10.0.0.0/8,.svc"\n',
  );
  assert.equal(
    renderDockerProxy({ noProxy: 'localhost' }),
    '# Written by vnflcm (private registry driver); rewritten whole on every run.\n[Service]\nEnvironment="NO_PROXY=localhost"\n',
  );
  assert.equal(renderDockerProxy(undefined), undefined);
  assert.equal(renderDockerProxy({}), undefined);
});

test('shell metacharacters are written literally (files are data, not shell)', () => {
  const evil = { http: "http://u:p$(id)`id`;'x'@h:1", noProxy: 'a,$(touch /tmp/x)|b&' };
  assert.equal(renderAptProxy(evil), '// Written by vnflcm (private registry driver); rewritten whole on every run.\nAcquire::http::Proxy "http://u:p$(id)`id`;\'x\'@h:1";\n');
  assert.match(renderDockerProxy(evil) ?? '', /^Environment="HTTP_PROXY=http:\/\/u:p\$\(id\)`id`;'x'@h:1"$/m);
  assert.match(renderDockerProxy(evil) ?? '', /^Environment="NO_PROXY=a,\$\(touch \/tmp\/x\)\|b&"$/m);
});

test('systemdQuoted escapes backslash, double quote and %', () => {
  assert.equal(systemdQuoted('A=b'), '"A=b"');
  assert.equal(systemdQuoted('A=1%2"3\\4'), '"A=1%%2\\"3\\\\4"');
});

test('proxy environment for apt/docker: lower and upper case, only what is set', () => {
  assert.deepEqual(proxyEnv(FULL), {
    http_proxy: FULL.http,
    HTTP_PROXY: FULL.http,
    https_proxy: FULL.https,
    HTTPS_PROXY: FULL.https,
    no_proxy: FULL.noProxy,
    NO_PROXY: FULL.noProxy,
  });
  assert.deepEqual(proxyEnv({ https: 'http://p:1' }), { https_proxy: 'http://p:1', HTTPS_PROXY: 'http://p:1' });
  assert.deepEqual(proxyEnv(undefined), {});
});

const UBUNTU_2004 = `NAME="Ubuntu"
VERSION="20.04.6 LTS (Focal Fossa)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 20.04.6 LTS"
VERSION_ID="20.04"
HOME_URL="https://www.ubuntu.com/"
VERSION_CODENAME=focal
UBUNTU_CODENAME=focal
`;

test('os-release parsing: quotes, escapes, comments, blank lines', () => {
  const f = parseOsRelease(`# comment\n\nID=ubuntu\nVERSION_ID="22.04"\nNAME='Ubuntu'\nPRETTY_NAME="A \\"quoted\\" \\$name"\nbroken line\n`);
  assert.deepEqual(f, { ID: 'ubuntu', VERSION_ID: '22.04', NAME: 'Ubuntu', PRETTY_NAME: 'A "quoted" $name' });
});

test('supported: Ubuntu 20.04 / 22.04 / 24.04 on x86_64 / aarch64', () => {
  for (const v of ['20.04', '22.04', '24.04']) {
    for (const arch of ['x86_64', 'aarch64']) {
      const os = detectOs(UBUNTU_2004.replace('VERSION_ID="20.04"', `VERSION_ID="${v}"`), `${arch}\n`);
      assert.equal(unsupportedReason(os), undefined, `${v} ${arch}`);
      assert.equal(osLabel(os), `Ubuntu ${v} ${arch}`);
    }
  }
});

test('refused with a message naming what was found', () => {
  const debian = detectOs('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n', 'x86_64\n');
  assert.equal(
    unsupportedReason(debian),
    'the private registry driver supports Ubuntu 20.04, 22.04, 24.04 on x86_64 or aarch64; found Debian GNU/Linux 12 (bookworm) (ID=debian, VERSION_ID=12) on x86_64',
  );
  const old = detectOs(UBUNTU_2004.replace('VERSION_ID="20.04"', 'VERSION_ID="18.04"').replace('20.04.6 LTS"', '18.04.6 LTS"'), 'x86_64');
  assert.match(unsupportedReason(old) ?? '', /found Ubuntu 18\.04\.6 LTS \(ID=ubuntu, VERSION_ID=18\.04\) on x86_64$/);
  const arm32 = detectOs(UBUNTU_2004, 'armv7l\n');
  assert.match(unsupportedReason(arm32) ?? '', /found Ubuntu 20\.04\.6 LTS \(ID=ubuntu, VERSION_ID=20\.04\) on armv7l$/);
  const empty = detectOs('', '');
  assert.match(unsupportedReason(empty) ?? '', /found an unknown OS \(ID=\?, VERSION_ID=\?\) on an unknown architecture$/);
});
