// The admin kubeconfig edited through the yaml document API (vim.ts): only the first cluster's
// server changes; certificates, comments and the other clusters stay as they were.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverOf, withServer } from '../../src/lib/mgmt/kubernetes/vim.js';

const CA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t'.repeat(12);
const conf = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${CA}
    server: https://10.0.0.5:6443
  name: kubernetes
- cluster:
    server: https://other:6443
  name: other
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
users:
- name: kubernetes-admin
  user:
    client-certificate-data: ${CA}
`;

describe('kubeconfig server', () => {
  it('reads and replaces the first cluster\'s server, keeping everything else byte for byte', () => {
    assert.equal(serverOf(conf), 'https://10.0.0.5:6443');
    const out = withServer(conf, 'https://203.0.113.7:6443');
    assert.equal(serverOf(out), 'https://203.0.113.7:6443');
    assert.equal(out, conf.replace('https://10.0.0.5:6443', 'https://203.0.113.7:6443'));
    assert.match(out, /server: https:\/\/other:6443/);
  });

  it('refuses a kubeconfig without a cluster server, and invalid YAML', () => {
    assert.throws(() => withServer('apiVersion: v1\nclusters: []\n', 'https://x:1'), /no clusters\[0\]\.cluster\.server/);
    assert.throws(() => withServer('a: [1\n', 'https://x:1'), /not valid YAML/);
    assert.equal(serverOf('kind: Config\n'), undefined);
  });
});
