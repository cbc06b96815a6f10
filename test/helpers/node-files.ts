/**
 * The one place tests turn registry specs into the files the Kubernetes driver writes on a node
 * (absolute path → content and mode), with the driver's own renderers and the paths the driver
 * uses (cluster.ts bundleFor). Real-runtime tests put exactly these files in front of the real
 * containerd and dockerd; when the renderers move, only this adapter changes.
 */
import { readFile } from 'node:fs/promises';
import { renderHostsBlock, replaceHostsBlock } from '../../src/lib/mgmt/kubernetes/hosts.js';
import {
  CONTAINERD_CERTS_D,
  CONTAINERD_CONFIG,
  DOCKER_CERTS_D,
  DOCKER_DAEMON_JSON,
  KUBELET_CREDENTIALS,
  certsDirName,
  containerdCaPath,
  ensureConfigPath,
  renderDaemonJson,
  renderHostsToml,
  renderKubeletCredentials,
  type RegistrySpec,
} from '../../src/lib/mgmt/kubernetes/registries.js';

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
  /** config.toml before vnflcm touches it (absent on a node that never ran `containerd config default`). */
  containerdConfig?: string;
  /** daemon.json before vnflcm touches it. */
  daemonJson?: string;
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
    const dir = `${CONTAINERD_CERTS_D}/${certsDirName(r.server)}`;
    files.set(`${dir}/hosts.toml`, { content: renderHostsToml(r), mode: 0o644 });
    const caPath = containerdCaPath(r);
    if (caPath && r.caFile) {
      const ca = await readFile(r.caFile, 'utf8');
      files.set(caPath, { content: ca, mode: 0o644 });
      if (docker) files.set(`${DOCKER_CERTS_D}/${certsDirName(r.server)}/ca.crt`, { content: ca, mode: 0o644 });
    }
  }
  files.set(KUBELET_CREDENTIALS, { content: renderKubeletCredentials(regs), mode: 0o600 });
  files.set(CONTAINERD_CONFIG, { content: ensureConfigPath(opts.containerdConfig).content, mode: 0o644 });
  if (docker) files.set(DOCKER_DAEMON_JSON, { content: renderDaemonJson(opts.daemonJson, regs).content, mode: 0o644 });
  return files;
}
