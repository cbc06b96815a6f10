// The node files the Kubernetes driver renders whole (render.ts), against golden files under
// test/fixtures/k8s: containerd config.toml in both generations, hosts.toml, kubelet
// credentials, docker daemon.json; and the containerd version detection that picks the generation.
// UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RegistrySpec } from '../../src/lib/mgmt/kubernetes/registries.js';
import {
  containerdCaPath,
  containerdConfigVersion,
  containerdHostsPath,
  dockerCaPath,
  renderContainerdConfig,
  renderDaemonJson,
  renderHostsToml,
  renderKubeletCredentials,
} from '../../src/lib/mgmt/kubernetes/render.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/k8s/', import.meta.url));

function golden(name: string, actual: string): void {
  const file = `${FIXTURES}${name}`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file`);
}

const http: RegistrySpec = { server: '10.0.0.20:5000', secure: false, configured: '10.0.0.20:5000' };
const https: RegistrySpec = {
  server: 'registry.example.com',
  secure: true,
  username: 'alice',
  password: 'p@ss:w"rd',
  caFile: '/pkg/Files/ca.crt',
  hostsLine: '10.0.0.21 registry.example.com',
  configured: 'registry.example.com',
};

describe('containerd config.toml', () => {
  it('version 2 (containerd 1.6/1.7): CRI grpc.v1 tables, systemd cgroups, sandbox image, config_path', () => {
    golden('containerd-config-v2.toml', renderContainerdConfig({ version: 2, sandboxImage: 'registry.k8s.io/pause:3.10' }));
  });

  it('version 3 (containerd 2.x): cri.v1.images / cri.v1.runtime tables, pinned sandbox image', () => {
    golden('containerd-config-v3.toml', renderContainerdConfig({ version: 3, sandboxImage: 'registry.k8s.io/pause:3.10' }));
  });

  it('never mirrors/configs beside config_path (containerd refuses the combination)', () => {
    for (const version of [2, 3] as const) {
      const t = renderContainerdConfig({ version, sandboxImage: 'x/pause:1' });
      assert.doesNotMatch(t, /mirrors|registry\.configs|auths/);
      assert.equal(t.match(/config_path = "\/etc\/containerd\/certs\.d"/g)?.length, 1);
      assert.match(t, new RegExp(`^version = ${version}$`, 'm'));
    }
  });

  it('the generation follows `containerd --version`', () => {
    assert.equal(containerdConfigVersion('containerd github.com/containerd/containerd 1.6.12-0ubuntu1~20.04.3\n'), 2);
    assert.equal(containerdConfigVersion('containerd github.com/containerd/containerd v1.7.12 71909c1814c544ac47ab91d2e8b84718e517bb99'), 2);
    assert.equal(containerdConfigVersion('containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da'), 2);
    assert.equal(containerdConfigVersion('containerd github.com/containerd/containerd/v2 v2.0.4 1a43cb6a1035441f9aca8f5666a9b3ef9e70ab20'), 3);
    assert.equal(containerdConfigVersion('containerd github.com/containerd/containerd/v2 2.1.1'), 3);
    assert.throws(() => containerdConfigVersion('containerd github.com/containerd/containerd v1.5.9 x'), /too old/);
    assert.throws(() => containerdConfigVersion('bash: containerd: command not found'), /cannot tell the containerd version/);
  });
});

describe('registry files', () => {
  it('hosts.toml for an HTTP registry: http:// server and host, pull/resolve, no CA', () => {
    golden('hosts-http.toml', renderHostsToml(http));
    assert.equal(containerdHostsPath(http), '/etc/containerd/certs.d/10.0.0.20:5000/hosts.toml');
  });

  it('hosts.toml for an HTTPS registry with a CA; credentials never in hosts.toml', () => {
    const t = renderHostsToml(https);
    golden('hosts-https-ca.toml', t);
    assert.doesNotMatch(t, /alice|p@ss|auth/i);
    assert.doesNotMatch(renderHostsToml({ ...https, caFile: undefined }), /ca =/);
    assert.equal(containerdCaPath(https), '/etc/containerd/certs.d/registry.example.com/ca.crt');
    assert.equal(dockerCaPath(https), '/etc/docker/certs.d/registry.example.com/ca.crt');
  });

  it('kubelet config.json: one auths entry per registry with credentials, base64(user:password)', () => {
    const other: RegistrySpec = { server: 'r2:5000', secure: false, username: 'bob', password: 'x', configured: 'r2:5000' };
    const text = renderKubeletCredentials([http, https, other]);
    golden('kubelet-config.json', text);
    const json = JSON.parse(text) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(json.auths['registry.example.com']?.auth as string, 'base64').toString(), 'alice:p@ss:w"rd');
    assert.deepEqual(JSON.parse(renderKubeletCredentials([http])), { auths: {} }, 'no default user ever');
  });

  it('docker daemon.json, whole: systemd cgroups, bounded logs, the HTTP registries as insecure', () => {
    golden('docker-daemon.json', renderDaemonJson([http, https]));
    assert.deepEqual(JSON.parse(renderDaemonJson([https]))['insecure-registries'], []);
  });

  it('refuses server names that would leave certs.d', () => {
    assert.throws(() => containerdHostsPath({ server: '../etc' }), /unexpected registry server/);
    assert.throws(() => dockerCaPath({ server: '..' }), /unexpected registry server/);
    assert.throws(() => containerdHostsPath({ server: 'a/b' }), /unexpected registry server/);
  });
});
