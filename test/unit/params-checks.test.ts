import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkCidr,
  checkHostsString,
  checkNoProxy,
  checkPortValue,
  checkProxyUrl,
  checkServer,
  checkUserName,
  didYouMean,
  editDistance,
  findShellMeta,
  renderFound,
} from '../../src/lib/params/checks.js';
import { cidrContains, cidrsOverlap, ipVersion, isHostname, parseCidr, parseHostPort, parseRegistryAddress } from '../../src/lib/params/address.js';

describe('params checks', () => {
  it('IPv4 / IPv6 addresses (node:net)', () => {
    assert.equal(ipVersion('192.168.0.1'), 4);
    for (const bad of ['192.168.0', '192.168.0.256', '01.2.3.4', '1.2.3.4.5', '1.2.3.-1', '']) assert.equal(ipVersion(bad), undefined, bad);
    for (const ok of ['::', '::1', '::ffff:1.2.3.4', 'fd00:0:0:0:0:0:0:1']) assert.equal(ipVersion(ok), 6, ok);
    for (const bad of ['1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fd00::1%eth0', 'g::1']) assert.equal(ipVersion(bad), undefined, bad);
    // network addresses of IPv6 CIDRs with an embedded IPv4 tail and full forms
    assert.equal(parseCidr('::ffff:1.2.3.4/120')?.text, '::ffff:1.2.3.0/120');
    assert.equal(parseCidr('fd00:0:0:0:0:0:0:1/128')?.text, 'fd00::1/128');
    assert.equal(parseCidr('fd00::1%eth0/64'), undefined);
    const v6 = parseCidr('fd00:10::/32');
    assert.ok(v6 && cidrContains(v6, 'fd00:10:ffff::1') && !cidrContains(v6, 'fd01::1') && !cidrContains(v6, '10.0.0.1'));
    const v4 = parseCidr('10.10.0.0/24');
    assert.ok(v4 && cidrContains(v4, '10.10.0.255') && !cidrContains(v4, '10.10.1.0') && !cidrContains(v4, 'host'));
  });

  it('registry addresses: host, IPv4, [IPv6], port (the one parser)', () => {
    assert.deepEqual(parseRegistryAddress('[fd00::10]:5000'), { ok: true, value: { kind: 'ipv6', host: 'fd00::10', port: 5000, text: '[fd00::10]:5000' } });
    assert.deepEqual(parseRegistryAddress('[fd00::10]'), { ok: true, value: { kind: 'ipv6', host: 'fd00::10', text: '[fd00::10]' } });
    assert.deepEqual(parseRegistryAddress('10.0.0.20:5000'), { ok: true, value: { kind: 'ipv4', host: '10.0.0.20', port: 5000, text: '10.0.0.20:5000' } });
    assert.deepEqual(parseRegistryAddress('registry.example.com'), { ok: true, value: { kind: 'name', host: 'registry.example.com', text: 'registry.example.com' } });
    assert.deepEqual(parseRegistryAddress('fd00::10'), { ok: false, hint: 'put an IPv6 address in brackets: [fd00::10]:5000' });
    assert.deepEqual(parseRegistryAddress('[fd00::10]x'), { ok: false, hint: 'the part in [ ] must be an IPv6 address' });
    assert.deepEqual(parseRegistryAddress('[fd00::1%eth0]:5000'), { ok: false, hint: 'the part in [ ] must be an IPv6 address' });
    assert.deepEqual(parseRegistryAddress('https://r:5000'), { ok: false, hint: 'leave out "https://"; connection_type selects HTTP or HTTPS' });
    assert.deepEqual(parseRegistryAddress('r:5000/v2'), { ok: false, hint: 'no path: only host and port' });
    assert.deepEqual(parseHostPort('a:b:3128', { lastColon: true }), { ok: false, hint: '"a:b" is not a valid host name' });
  });

  it('CIDRs: strict network addresses with a did-you-mean', () => {
    assert.deepEqual(checkCidr('192.168.3.0/16'), { expected: 'a CIDR network address such as 10.96.0.0/12 with no host bits set', hint: 'did you mean 192.168.0.0/16?' });
    assert.equal(checkCidr('10.96.0.0/12'), undefined);
    assert.equal(checkCidr('0.0.0.0/0'), undefined);
    assert.deepEqual(checkCidr('fd00::1/64')?.hint, 'did you mean fd00::/64?');
    assert.deepEqual(checkCidr('2001:db8:0:0:1::/48')?.hint, 'did you mean 2001:db8::/48?');
    assert.deepEqual(checkCidr('10.0.0.0/08')?.hint, 'write it as <network address>/<prefix length>');
    assert.deepEqual(checkCidr('fd00::')?.hint, 'add the prefix length, e.g. fd00::/64');
    assert.equal(parseCidr('10.0.0.0/8')?.text, '10.0.0.0/8');
    const a = parseCidr('10.0.0.0/8');
    const b = parseCidr('10.96.0.0/12');
    const c = parseCidr('192.168.0.0/16');
    assert.ok(a && b && c);
    assert.ok(cidrsOverlap(a, b));
    assert.ok(!cidrsOverlap(b, c));
  });

  it('host names, servers, hosts lines, ports', () => {
    assert.ok(isHostname('registry.example.com'));
    assert.ok(isHostname('localhost'));
    for (const bad of ['-a.com', 'a-.com', 'a..b', 'my_registry', '1.2.3.4', 'a'.repeat(64)]) assert.ok(!isHostname(bad), bad);
    for (const ok of ['192.168.0.10:5000', 'registry.example.com', 'localhost:5000', '[::1]:5000', '[fd00::10]', 'vnf:abc-123']) assert.equal(checkServer(ok), undefined, ok);
    assert.equal(checkServer('[fd00::10]:65536')?.hint, 'the port 65536 is outside 1–65535');
    assert.equal(checkServer('[zz::1]:5000')?.hint, 'the part in [ ] must be an IPv6 address');
    assert.equal(checkServer('registry.example.com:')?.hint, 'the port "" is not a number');
    assert.equal(checkHostsString('fd00::20 registry.example.com reg'), undefined);
    assert.equal(checkHostsString(' 192.168.0.20\tregistry.example.com '), undefined);
    assert.equal(checkPortValue(1), undefined);
    assert.equal(checkPortValue('65535'), undefined);
    assert.equal(checkPortValue(-1)?.hint, 'ports range from 1 to 65535');
    assert.equal(checkPortValue(' 5000')?.hint, 'only the digits of the port, e.g. "5000"');
    assert.deepEqual(checkPortValue(null), { expected: 'a TCP port number 1–65535 (an integer or a string of digits)' });
  });

  it('proxies and NO_PROXY', () => {
    for (const ok of ['http://proxy:3128', 'https://u:p%40ss@proxy.example.com:8443/', 'socks5h://10.0.0.1:1080', 'http://proxy_1.corp:80']) assert.equal(checkProxyUrl(ok), undefined, ok);
    assert.equal(checkProxyUrl('http://:3128')?.hint, 'the host is missing');
    assert.equal(checkProxyUrl('http://proxy:3128/path')?.hint, 'a proxy URL has no path or fragment');
    assert.equal(checkProxyUrl('http://pro xy:3128')?.hint, 'no spaces; percent-encode them as %20');
    assert.equal(checkNoProxy('192.168.246.0/24,10.0.0.1'), undefined);
    assert.equal(checkNoProxy(' localhost , .svc , *.cluster.local,'), undefined);
    assert.equal(checkNoProxy('localhost:99999')?.hint, '"localhost:99999" has an invalid port');
    assert.equal(checkNoProxy('[zz::1]')?.hint, '"[zz::1]" is not a valid IPv6 address');
    assert.equal(checkNoProxy('10.0.0.0/40')?.hint, '"10.0.0.0/40" is not a valid CIDR');
  });

  it('user names', () => {
    assert.equal(checkUserName('ubuntu'), undefined);
    assert.equal(checkUserName('_svc.user-1'), undefined);
    assert.equal(checkUserName('my user')?.hint, 'no spaces');
    assert.equal(checkUserName('1abc')?.hint, 'letters, digits, "_", "-" and "." only, starting with a letter or "_" (at most 32 characters)');
  });

  it('shell metacharacters', () => {
    assert.deepEqual(findShellMeta('a$b', 'name'), undefined);
    assert.deepEqual(findShellMeta('a$(b)', 'name'), { what: "'$('", index: 1 });
    assert.deepEqual(findShellMeta('a;b', 'plain'), undefined);
    assert.deepEqual(findShellMeta('a;b|c', 'password'), undefined);
    assert.deepEqual(findShellMeta('a\0b', 'password'), { what: 'a NUL character', index: 1 });
    assert.deepEqual(findShellMeta('http://u&s:p&w@h:1/?a=1&b=2#x&y', 'url'), { what: "'&'", index: 29 });
    assert.deepEqual(findShellMeta('http://h&x:1', 'url'), { what: "'&'", index: 8 });
  });

  it('did you mean', () => {
    assert.equal(editDistance('ssh_pasword', 'ssh_password'), 1);
    assert.equal(editDistance('pod_cdir', 'pod_cidr'), 1);
    assert.equal(didYouMean('ssh_pasword', ['ssh_cp_name', 'ssh_username', 'ssh_password']), 'ssh_password');
    assert.equal(didYouMean('SSH_PASSWORD', ['ssh_password']), 'ssh_password');
    assert.equal(didYouMean('flavorId', ['flavourId', 'additionalParams']), 'flavourId');
    assert.equal(didYouMean('vnfInstanceName', ['flavourId', 'additionalParams']), undefined);
    assert.equal(didYouMean('ab', ['xy']), undefined);
  });

  it('found values', () => {
    assert.equal(renderFound(undefined), 'nothing');
    assert.equal(renderFound(null), 'null');
    assert.equal(renderFound(NaN), 'NaN');
    assert.equal(renderFound(-Infinity), '-Infinity');
    assert.equal(renderFound('x'.repeat(80)), `"${'x'.repeat(50)}…"`);
    assert.equal(renderFound({ a: [1, 2], password: 'hunter2' }), '{"a":[1,2],"password":"***"}');
    assert.equal(renderFound('hunter2', true), 'a 7-character string (not shown)');
    assert.equal(renderFound(1234, true), 'a number (not shown)');
    assert.equal(renderFound('http://user:secret@proxy:3128'), '"http://user:***@proxy:3128"');
    assert.equal(renderFound({ k: 'x'.repeat(100) }).length, 60);
  });
});
