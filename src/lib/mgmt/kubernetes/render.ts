/**
 * Every runtime and registry file a Kubernetes node gets, rendered whole from data (no file on the
 * node is read back and patched): the plan (plan.ts) writes exactly these bytes, and a file that
 * already has them is left alone. One renderer per file:
 *
 *   /etc/containerd/config.toml                    renderContainerdConfig  (version 2 or 3)
 *   /etc/containerd/certs.d/<server>/hosts.toml    renderHostsToml
 *   /etc/containerd/certs.d/<server>/ca.crt        the package's CA file as it is
 *   /var/lib/kubelet/config.json                   renderKubeletCredentials (0600)
 *   /etc/docker/daemon.json                        renderDaemonJson         (docker runtime)
 *   /etc/docker/certs.d/<server>/ca.crt            the package's CA file as it is
 *
 * The /etc/hosts block is hosts.ts (the rest of /etc/hosts belongs to the OS).
 */
// TOML from data with a well-kept library: keys, strings and IPv6 URLs are quoted for us.
import { stringify as stringifyToml } from 'smol-toml';
import type { RegistrySpec } from './registries.js';

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
export const CONTAINERD_CERTS_D = '/etc/containerd/certs.d';
export const KUBELET_CREDENTIALS = '/var/lib/kubelet/config.json';
export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';
export const DOCKER_CERTS_D = '/etc/docker/certs.d';
/** The pause image of kubeadm 1.34/1.35 (the install script's default Kubernetes is 1.35). */
export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10.1';

const MANAGED = '# managed by vnflcm';

/** Directory name of a registry under certs.d (host[:port]; a bracketed IPv6 host keeps its brackets). */
export function certsDirName(server: string): string {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(server) || server.includes('..')) throw new Error(`unexpected registry server ${JSON.stringify(server)}`);
  return server;
}

export function containerdHostsPath(reg: Pick<RegistrySpec, 'server'>): string {
  return `${CONTAINERD_CERTS_D}/${certsDirName(reg.server)}/hosts.toml`;
}

/** `/etc/containerd/certs.d/<server>/ca.crt` when the registry has a CA file. */
export function containerdCaPath(reg: Pick<RegistrySpec, 'server' | 'caFile'>): string | undefined {
  return reg.caFile ? `${CONTAINERD_CERTS_D}/${certsDirName(reg.server)}/ca.crt` : undefined;
}

export function dockerCaPath(reg: Pick<RegistrySpec, 'server'>): string {
  return `${DOCKER_CERTS_D}/${certsDirName(reg.server)}/ca.crt`;
}

// ------------------------------------------------------------------------------- containerd

/** containerd's config generation: `version = 2` for containerd 1.6/1.7, `version = 3` for 2.x. */
export type ContainerdConfigVersion = 2 | 3;

/**
 * The config version for `containerd --version` output, e.g.
 * `containerd github.com/containerd/containerd v1.7.12 …`, `containerd containerd.io 1.7.27 …`,
 * `containerd github.com/containerd/containerd/v2 v2.0.4 …`, Ubuntu's `… 1.6.12-0ubuntu1~20.04.3`.
 */
export function containerdConfigVersion(versionOutput: string): ContainerdConfigVersion {
  const tokens = (versionOutput.trim().split('\n')[0] ?? '').split(/\s+/).slice(1);
  const m = tokens.map((t) => /^v?(\d+)\.(\d+)/.exec(t)).find((x) => x !== null);
  if (!m) throw new Error(`cannot tell the containerd version from ${JSON.stringify(versionOutput.trim().slice(0, 120))}`);
  const major = Number(m[1]);
  if (major < 1 || (major === 1 && Number(m[2]) < 6)) throw new Error(`containerd ${m[1]}.${m[2]} is too old (1.6 or later is needed)`);
  return major >= 2 ? 3 : 2;
}

export interface ContainerdConfigInput {
  version: ContainerdConfigVersion;
  sandboxImage: string;
}

/**
 * The whole `config.toml`: the CRI plugin enabled, runc with the systemd cgroup driver (what
 * kubeadm configures the kubelet with), the sandbox image, and registries only through
 * `config_path` (never `mirrors`/`configs` beside it: containerd refuses that combination).
 */
export function renderContainerdConfig(o: ContainerdConfigInput): string {
  const runc = { runtime_type: 'io.containerd.runc.v2', options: { SystemdCgroup: true } };
  const registry = { config_path: CONTAINERD_CERTS_D };
  const config =
    o.version === 2
      ? {
          version: 2,
          plugins: {
            'io.containerd.grpc.v1.cri': {
              sandbox_image: o.sandboxImage,
              containerd: { default_runtime_name: 'runc', runtimes: { runc } },
              registry,
            },
          },
        }
      : {
          version: 3,
          plugins: {
            'io.containerd.cri.v1.images': { pinned_images: { sandbox: o.sandboxImage }, registry },
            'io.containerd.cri.v1.runtime': { containerd: { default_runtime_name: 'runc', runtimes: { runc } } },
          },
        };
  return `${MANAGED} (containerd ${o.version === 2 ? '1.6/1.7' : '2.x'})\n${stringifyToml(config)}`;
}

/**
 * containerd's hosts.toml for one registry: the server, pull/resolve, the CA for HTTPS with a
 * package CA. Credentials never go here (containerd does not read them from hosts.toml): they are
 * kubelet's config.json.
 */
export function renderHostsToml(reg: Pick<RegistrySpec, 'server' | 'secure' | 'caFile'>): string {
  const url = `${reg.secure ? 'https' : 'http'}://${reg.server}`;
  const ca = containerdCaPath(reg);
  const hosts = { server: url, host: { [url]: { capabilities: ['pull', 'resolve'], ...(ca ? { ca } : {}) } } };
  return `${MANAGED}: registry ${reg.server} (${reg.secure ? 'HTTPS' : 'HTTP'})\n${stringifyToml(hosts)}`;
}

// ------------------------------------------------------------------------------- kubelet, docker

/** kubelet's credential file: every registry with credentials, in list order (`{"auths": {}}` when none has any). */
export function renderKubeletCredentials(regs: readonly Pick<RegistrySpec, 'server' | 'username' | 'password'>[]): string {
  const auths: Record<string, { auth: string }> = {};
  for (const r of regs) {
    if (r.username === undefined || r.password === undefined) continue;
    auths[r.server] = { auth: basicAuth(r.username, r.password) };
  }
  return `${JSON.stringify({ auths }, null, 2)}\n`;
}

export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** The whole docker daemon.json: systemd cgroups (as kubelet), bounded logs, the HTTP registries as insecure. */
export function renderDaemonJson(regs: readonly Pick<RegistrySpec, 'server' | 'secure'>[]): string {
  const cfg = {
    'exec-opts': ['native.cgroupdriver=systemd'],
    'log-driver': 'json-file',
    'log-opts': { 'max-size': '100m' },
    'insecure-registries': regs.filter((r) => !r.secure).map((r) => r.server),
  };
  return `${JSON.stringify(cfg, null, 2)}\n`;
}
