// NO_PROXY composition of the Kubernetes driver: CIDRs kept as CIDRs (no enumeration), no duplicates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeNoProxy, inCidr, proxySecrets, proxySettings, slash24 } from '../../src/lib/mgmt/kubernetes/proxy.js';

const base = { podCidr: '192.168.0.0/16', serviceCidr: '10.96.0.0/12', nodeIps: ['10.10.0.11', '10.10.0.12', '10.20.0.5'] };

describe('composeNoProxy', () => {
  it('user entries first, then localhost, pod/service CIDRs, node CIDR, stray node IPs, API host, cluster domains', () => {
    assert.equal(
      composeNoProxy({ ...base, userNoProxy: '192.168.246.0/24,10.0.0.1,registry.example.com', nodeCidr: '10.10.0.0/24', endpointHost: '10.10.0.100' }),
      '192.168.246.0/24,10.0.0.1,registry.example.com,localhost,127.0.0.1,192.168.0.0/16,10.96.0.0/12,10.10.0.0/24,10.20.0.5,.svc,.cluster.local',
    );
  });

  it('keeps a /16 as one entry (Tacker enumerated 65 536 addresses)', () => {
    const v = composeNoProxy({ ...base, nodeCidr: '10.10.0.0/16' });
    assert.ok(v.split(',').length < 15, v);
    assert.ok(v.includes('10.10.0.0/16'));
  });

  it('default node CIDR: the /24 of the first node (the first master)', () => {
    assert.ok(composeNoProxy(base).includes('10.10.0.0/24'));
  });

  it('no duplicates (also case-insensitive names), no empty entries, stable when fed its own output', () => {
    const once = composeNoProxy({ ...base, userNoProxy: ' localhost,,LOCALHOST,10.96.0.0/12, ', extraHosts: ['registry.local', 'Registry.Local'] });
    assert.equal(once.split(',').filter((e) => e.toLowerCase() === 'localhost').length, 1);
    assert.equal(once.split(',').filter((e) => e === '10.96.0.0/12').length, 1);
    assert.ok(!once.split(',').includes(''));
    assert.equal(once.split(',').filter((e) => e.toLowerCase() === 'registry.local').length, 1);
    assert.equal(composeNoProxy({ ...base, userNoProxy: once, extraHosts: ['registry.local'] }), once, 'a re-run does not grow it');
  });
});

describe('proxySettings / proxySecrets', () => {
  it('nothing without a proxy; either proxy alone is enough', () => {
    assert.deepEqual(proxySettings(undefined, base), {});
    assert.deepEqual(proxySettings({ no_proxy: 'x' }, base), {});
    const p = proxySettings({ https_proxy: 'http://proxy:3128' }, base);
    assert.equal(p.httpsProxy, 'http://proxy:3128');
    assert.equal(p.httpProxy, undefined);
    assert.ok(p.noProxy?.startsWith('localhost,127.0.0.1,'));
  });

  it('the password of a proxy URL is a secret (also percent-decoded)', () => {
    assert.deepEqual(proxySecrets({ http_proxy: 'http://user:p%40ss@proxy:3128', https_proxy: 'http://proxy:3128' }), ['p%40ss', 'p@ss']);
  });

  it('inCidr / slash24', () => {
    assert.ok(inCidr('10.10.0.255', '10.10.0.0/24'));
    assert.ok(!inCidr('10.10.1.0', '10.10.0.0/24'));
    assert.ok(inCidr('1.2.3.4', '0.0.0.0/0'));
    assert.ok(!inCidr('host', '10.0.0.0/8'));
    assert.equal(slash24('10.10.7.9'), '10.10.7.0/24');
  });
});
