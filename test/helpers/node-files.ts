/**
 * The one place tests turn registry specs into the files the Kubernetes driver writes on a node
 * (absolute path → content and mode), with the driver's own renderers and the paths the driver
 * uses (render.ts). Real-runtime tests put exactly these files in front of the real
 * containerd and dockerd; when the renderers move, only this adapter changes.
 */
import { readFile } from 'node:fs/promises';
import { renderHostsBlock, replaceHostsBlock } from '../../src/lib/mgmt/kubernetes/hosts.js';
import type { RegistrySpec } from '../../src/lib/mgmt/kubernetes/registries.js';
import {
  CONTAINERD_CONFIG,
  DEFAULT_SANDBOX_IMAGE,
  DOCKER_DAEMON_JSON,
  KUBELET_CREDENTIALS,
  containerdCaPath,
  containerdHostsPath,
  dockerCaPath,
  renderContainerdConfig,
  renderDaemonJson,
  renderHostsToml,
  renderKubeletCredentials,
  type ContainerdConfigVersion,
} from '../../src/lib/mgmt/kubernetes/render.js';

export interface NodeFile {
  content: string;
  mode: number;
}

export type Runtime = 'containerd' | 'docker';

export interface NodeFileOptions {
  /** The cluster's instance id (names the /etc/hosts block). */
  instanceId?: string;
  /** /etc/hosts before vnflcm touches it. */
  hostsBase?: string;
  /** config.toml's version: 2 for containerd 1.6/1.7 (Debian's 1.6 in the real-runtime test), 3 for 2.x. */
  containerdConfigVersion?: ContainerdConfigVersion;
}

export const HOSTS_FILE = '/etc/hosts';

const DEFAULT_HOSTS = '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n';

/**
 * Every file the driver renders for a node's registries: /etc/hosts with the vnflcm block
 * (`hostsLines`: node lines and the registries' hosts_string), containerd's config.toml,
 * certs.d/<server>/{hosts.toml,ca.crt} and kubelet's credentials, and with the docker runtime
 * daemon.json and docker's certs.d/<server>/ca.crt.
 */
export async function renderNodeFiles(
  regs: readonly RegistrySpec[],
  hostsLines: readonly string[],
  runtime: Runtime,
  opts: NodeFileOptions = {},
): Promise<Map<string, NodeFile>> {
  const files = new Map<string, NodeFile>();
  const instanceId = opts.instanceId ?? 'node-files-test';
  files.set(HOSTS_FILE, {
    content: replaceHostsBlock(opts.hostsBase ?? DEFAULT_HOSTS, instanceId, renderHostsBlock(instanceId, hostsLines)),
    mode: 0o644,
  });
  const docker = runtime === 'docker';
  for (const r of regs) {
    files.set(containerdHostsPath(r), { content: renderHostsToml(r), mode: 0o644 });
    const caPath = containerdCaPath(r);
    if (caPath && r.caFile) {
      const ca = await readFile(r.caFile, 'utf8');
      files.set(caPath, { content: ca, mode: 0o644 });
      if (docker) files.set(dockerCaPath(r), { content: ca, mode: 0o644 });
    }
  }
  files.set(KUBELET_CREDENTIALS, { content: renderKubeletCredentials(regs), mode: 0o600 });
  files.set(CONTAINERD_CONFIG, {
    content: renderContainerdConfig({ version: opts.containerdConfigVersion ?? 2, sandboxImage: DEFAULT_SANDBOX_IMAGE }),
    mode: 0o644,
  });
  if (docker) files.set(DOCKER_DAEMON_JSON, { content: renderDaemonJson(regs), mode: 0o644 });
  return files;
}
