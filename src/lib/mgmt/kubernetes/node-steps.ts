/**
 * The check and apply of every planned step (plan.ts) on one node. File steps compare the sha256
 * and mode of the node's file with the rendered content (render.ts) and write the whole file when
 * they differ; the runtime files mark their runtime for the node's one restart (runtime-restart,
 * kubespray's "restart handler"). Install-script steps (packages, kubeadm, HA) call back into the
 * orchestrator, which owns the script's config. Every command is an argv array; file content and
 * passwords travel over SFTP or stdin only.
 */
import { RemoteError } from '../../remote/errors.js';
import type { Command, RunOptions, RunResult, WriteFileOptions } from '../../remote/host.js';
import { fileStep as ownedFiles, type OwnedFile } from '../../remote/file-step.js';
import type { Step } from '../../remote/steps.js';
import { waitUntil, type WaitSpec } from '../private-registry/steps.js';
import { replaceHostsBlock } from './hosts.js';
import type { JoinInfo } from './install.js';
import type { PlannedStep } from './plan.js';
import type { RegistrySpec } from './registries.js';
import {
  CONTAINERD_CONFIG,
  DOCKER_DAEMON_JSON,
  KUBELET_CREDENTIALS,
  basicAuth,
  containerdCaPath,
  containerdConfigVersion,
  containerdHostsPath,
  dockerCaPath,
  renderContainerdConfig,
  renderDaemonJson,
  renderHostsToml,
  renderKubeletCredentials,
} from './render.js';

export const HOSTS = '/etc/hosts';
export const ADMIN_CONF = '/etc/kubernetes/admin.conf';
export const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
/** Where the main master keeps the package's CNI manifest for `kubectl apply` (install script CNI_MANIFEST). */
export const CNI_MANIFEST_PATH = '/var/lib/vnflcm/cni-manifest.yaml';
const DOCKER_CONFIG = '/root/.docker/config.json';
const SHORT_MS = 2 * 60_000;
const RESTART_WAIT: WaitSpec = { attempts: 30, firstDelayMs: 250, maxDelayMs: 2000 };

/** What the steps need of a connection (`RemoteHost` has it all; unit tests use a fake). */
export interface NodeHost {
  readonly target: string;
  run(command: Command, opts?: RunOptions): Promise<RunResult>;
  runChecked(command: Command, opts?: RunOptions): Promise<RunResult>;
  writeFile(remotePath: string, content: string | Buffer, opts: WriteFileOptions): Promise<void>;
}

/** Everything a node's steps depend on besides the host: data, and the orchestrator's callbacks. */
export interface NodeEnv<H extends NodeHost> {
  node: string;
  instanceId: string;
  /** The managed /etc/hosts block (markers included). */
  hostsBlock: readonly string[];
  runtime: 'containerd' | 'docker';
  sandboxImage: string;
  registries: readonly RegistrySpec[];
  /** Content of a registry's CA file (read once per operation). */
  ca(file: string): Promise<Buffer>;
  cniManifest?: () => Promise<Buffer>;
  /** Install script: MODE=prepare; init; join; ha-config. Return the script's status line. */
  prepare(host: H): Promise<string>;
  init(host: H): Promise<string>;
  join(host: H, join: JoinInfo): Promise<string>;
  haConfig(host: H): Promise<string>;
  /** Join data from the main master (waits for its init, or asks an installed master). */
  joinData(): Promise<JoinInfo>;
  /** The node's control-plane role (control-plane joins run one at a time). */
  master: boolean;
  /** kubectl on a master: is the node object there; delete it. */
  staleNode?: { exists(): Promise<boolean>; remove(): Promise<void> };
  /** The registry check of one registry on this node; throws RegistryCheckError when it fails. */
  checkRegistry(host: H, reg: RegistrySpec): Promise<void>;
  sleep(ms: number): Promise<void>;
}


/** Per-node state shared by the steps of one run. */
interface NodeState {
  restart: Set<'containerd' | 'docker'>;
  restarted: string[];
  checkFailure?: unknown;
}

/** The node's whole-file steps (remote/file-step.ts) with the node's command timeout. */
function fileStep<H extends NodeHost>(name: string, files: (host: H) => Promise<OwnedFile[]>, onChange?: () => void): Step<H> {
  return ownedFiles<H>(name, files, { timeoutMs: SHORT_MS, onChange });
}

async function exists(host: NodeHost, path: string): Promise<boolean> {
  return (await host.run(['test', '-e', path], { sudo: true, timeoutMs: SHORT_MS })).code === 0;
}

function registryOf<H extends NodeHost>(env: NodeEnv<H>, st: PlannedStep): RegistrySpec {
  const r = env.registries.find((x) => x.server === st.server);
  if (!r) throw new Error(`plan step ${st.name}: no registry ${st.server}`);
  return r;
}

/** The steps of one node's plan, with their checks and applies. */
export function nodeSteps<H extends NodeHost>(planned: readonly PlannedStep[], env: NodeEnv<H>): Step<H>[] {
  const state: NodeState = { restart: new Set(), restarted: [] };
  return planned.map((p) => materialize(p, env, state));
}

function materialize<H extends NodeHost>(p: PlannedStep, env: NodeEnv<H>, state: NodeState): Step<H> {
  let status: string | undefined;
  const said = (): string | undefined => status;
  switch (p.kind) {
    case 'hosts-block':
      return {
        name: p.name,
        async check(host) {
          const cur = (await host.runChecked(['cat', '--', HOSTS], { timeoutMs: SHORT_MS })).stdout;
          return replaceHostsBlock(cur, env.instanceId, env.hostsBlock) === cur;
        },
        async apply(host) {
          const cur = (await host.runChecked(['cat', '--', HOSTS], { timeoutMs: SHORT_MS })).stdout;
          await host.writeFile(HOSTS, replaceHostsBlock(cur, env.instanceId, env.hostsBlock), { mode: 0o644, owner: 'root', group: 'root', sudo: true, timeoutMs: SHORT_MS });
        },
      };
    case 'runtime-packages':
      return {
        name: p.name,
        // a node that has joined (or initialised) the cluster was installed by an earlier run; the
        // script checks every package itself, so once it ran in this operation the step holds
        check: async (host) => status !== undefined || (await exists(host, KUBELET_CONF)),
        async apply(host) {
          status = await env.prepare(host);
        },
        detail: said,
      };
    case 'cni-manifest': {
      const load = env.cniManifest;
      if (!load) throw new Error('plan step cni-manifest: the package has no CNI manifest file');
      return fileStep(p.name, async () => [{ path: CNI_MANIFEST_PATH, content: await load(), mode: 0o644 }]);
    }
    case 'containerd-config':
      return fileStep<H>(
        p.name,
        async (host) => {
          // the config generation follows the containerd the node has (1.6/1.7: 2, 2.x: 3)
          const v = containerdConfigVersion((await host.runChecked(['containerd', '--version'], { timeoutMs: SHORT_MS })).stdout);
          return [{ path: CONTAINERD_CONFIG, content: renderContainerdConfig({ version: v, sandboxImage: env.sandboxImage }), mode: 0o644 }];
        },
        () => state.restart.add('containerd'),
      );
    case 'registry-hosts': {
      const r = registryOf(env, p);
      return fileStep(p.name, async () => [{ path: containerdHostsPath(r), content: renderHostsToml(r), mode: 0o644 }]);
    }
    case 'registry-ca': {
      const r = registryOf(env, p);
      return fileStep(p.name, async () => {
        const ca = await env.ca(r.caFile as string);
        return [{ path: containerdCaPath(r) as string, content: ca, mode: 0o644 }, ...(env.runtime === 'docker' ? [{ path: dockerCaPath(r), content: ca, mode: 0o644 }] : [])];
      });
    }
    case 'kubelet-credentials':
      return fileStep(p.name, async () => [{ path: KUBELET_CREDENTIALS, content: renderKubeletCredentials(env.registries), mode: 0o600 }]);
    case 'docker-daemon':
      return fileStep(p.name, async () => [{ path: DOCKER_DAEMON_JSON, content: renderDaemonJson(env.registries), mode: 0o644 }], () => state.restart.add('docker'));
    case 'runtime-restart':
      return {
        name: p.name,
        check: async () => state.restart.size === 0,
        async apply(host) {
          for (const unit of ['containerd', 'docker'] as const) {
            if (!state.restart.has(unit)) continue;
            await host.runChecked(['systemctl', 'restart', unit], { sudo: true, timeoutMs: SHORT_MS });
            const w = await waitUntil(RESTART_WAIT, env.sleep, async () => {
              const r = await host.run(['systemctl', 'is-active', unit], { timeoutMs: SHORT_MS });
              return { ok: r.stdout.trim() === 'active', detail: r.stdout.trim() || `exit ${r.code}` };
            });
            if (!w.ok) throw new RemoteError(`Step "${p.name}" on ${host.target}: ${unit} is ${w.detail} after its restart, not active.`, { target: host.target, step: p.name });
            state.restarted.push(unit);
          }
          state.restart.clear();
        },
        detail: () => (state.restarted.length ? `restarted ${state.restarted.join(', ')}` : undefined),
      };
    case 'docker-login': {
      const r = registryOf(env, p);
      const { username, password } = r as Required<Pick<RegistrySpec, 'username' | 'password'>>;
      return {
        name: p.name,
        async check(host) {
          const c = await host.run(['cat', '--', DOCKER_CONFIG], { sudo: true, timeoutMs: SHORT_MS });
          if (c.code !== 0) return false;
          try {
            const auths = (JSON.parse(c.stdout) as { auths?: Record<string, { auth?: string }> }).auths ?? {};
            return auths[r.server]?.auth === basicAuth(username, password);
          } catch {
            return false;
          }
        },
        async apply(host) {
          await host.runChecked(['docker', 'login', r.server, '--username', username, '--password-stdin'], { sudo: true, stdin: password, timeoutMs: SHORT_MS });
        },
      };
    }
    case 'kubeadm-init':
      return {
        name: p.name,
        check: (host) => exists(host, ADMIN_CONF),
        async apply(host) {
          status = await env.init(host);
        },
        detail: said,
      };
    case 'kubeadm-join':
      return {
        name: p.name,
        check: (host) => exists(host, KUBELET_CONF),
        waitFor: () => env.joinData(),
        ...(env.master ? { exclusive: 'control-plane join' } : {}),
        async apply(host) {
          status = await env.join(host, await env.joinData());
        },
        detail: said,
      };
    case 'ha-config':
      return {
        name: p.name,
        check: async () => status !== undefined,
        async apply(host) {
          status = await env.haConfig(host);
        },
        detail: said,
      };
    case 'stale-node':
      return {
        name: p.name,
        check: async () => !(await env.staleNode?.exists()),
        apply: async () => env.staleNode?.remove(),
      };
    case 'registry-check': {
      const r = registryOf(env, p);
      return {
        name: p.name,
        async check(host) {
          try {
            await env.checkRegistry(host, r);
            return true;
          } catch (err) {
            state.checkFailure = err;
            return false;
          }
        },
        async apply() {
          throw state.checkFailure;
        },
      };
    }
  }
}
