/**
 * The private registry VM's provisioning as named, idempotent steps (check, then apply only when
 * the check fails; `runSteps` re-checks after apply). Every remote command is an argv array or a
 * whole file written through the engine: no parameter value ever becomes shell text, proxy values
 * reach apt/docker through the engine's private env file, passwords never appear on a command line.
 *
 * Step list (Tacker's private_registry_mgmt.py order, without its flaws):
 *   apt proxy configuration        (http_proxy or https_proxy given)
 *   install docker.io
 *   docker proxy configuration     (any proxy value given)
 *   docker service running
 *   load registry image            (image_path)  |  pull registry:2 + tag registry:latest (no image_path)
 *   private_registry container
 *   registry answers HTTP          (from the operator's machine)
 */
import { RemoteError } from '../../remote/errors.js';
import type { Command, RunOptions, RunResult, UploadOptions, UploadResult, WriteFileOptions } from '../../remote/host.js';
import type { Step } from '../../remote/steps.js';
import { fileStep as ownedFiles } from '../../remote/file-step.js';
import { REGISTRY_TAG, type RegistryArchive } from './image.js';
import type { ProxySettings } from './params.js';
import { APT_PROXY_PATH, DOCKER_PROXY_PATH, proxyEnv, renderAptProxy, renderDockerProxy } from './render.js';
import { fetch } from '../../http.js';

/** What the steps need of a connection (`RemoteHost` has it all; unit tests use a fake). */
export interface RegistryHost {
  readonly target: string;
  run(command: Command, opts?: RunOptions): Promise<RunResult>;
  runChecked(command: Command, opts?: RunOptions): Promise<RunResult>;
  writeFile(remotePath: string, content: string | Buffer, opts: WriteFileOptions): Promise<void>;
  upload(localPath: string, remotePath: string, opts?: UploadOptions): Promise<UploadResult>;
  tmpDir(): Promise<string>;
}

export const STEP = {
  aptProxy: 'apt proxy configuration',
  installDocker: 'install docker.io',
  dockerProxy: 'docker proxy configuration',
  dockerRunning: 'docker service running',
  loadImage: 'load registry image',
  pullImage: 'pull registry:2',
  tagImage: 'tag registry:latest',
  container: 'private_registry container',
  http: 'registry answers HTTP',
} as const;

export const CONTAINER_NAME = 'private_registry';
export const DATA_DIR = '/var/lib/vnflcm-registry';
export const PULL_REF = 'registry:2';
/** Packages that give a working `docker` (docker-ce conflicts with docker.io; either is fine). */
const DOCKER_PACKAGES = ['docker.io', 'docker-ce'];
/** apt waits for a dpkg lock held by cloud-init / unattended-upgrades instead of failing at once. */
const APT_LOCK = ['-o', 'DPkg::Lock::Timeout=600'];

export interface WaitSpec {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export interface RegistryTimings {
  /** apt-get update / install (Tacker: 2700 s). */
  aptMs: number;
  pullMs: number;
  loadMs: number;
  /** Any other command. */
  commandMs: number;
  dockerActive: WaitSpec;
  containerRunning: WaitSpec;
  http: WaitSpec & { requestMs: number };
}

export const DEFAULT_TIMINGS: RegistryTimings = {
  aptMs: 45 * 60_000,
  pullMs: 15 * 60_000,
  loadMs: 30 * 60_000,
  commandMs: 2 * 60_000,
  // bounded like Tacker's 1 + 5 polls x 30 s, but polling faster: at most ~2 min
  dockerActive: { attempts: 30, firstDelayMs: 250, maxDelayMs: 5000 },
  containerRunning: { attempts: 30, firstDelayMs: 250, maxDelayMs: 5000 },
  http: { attempts: 30, firstDelayMs: 250, maxDelayMs: 3000, requestMs: 5000 },
};

export interface ProbeResult {
  ok: boolean;
  /** `HTTP 200`, `connection refused`, ... */
  detail: string;
}

export type ImageSource = { kind: 'pull' } | ({ kind: 'archive' } & RegistryArchive);

export interface RegistryPlan {
  port: number;
  proxy?: ProxySettings;
  image: ImageSource;
  /** `ip:port` as the operator's machine reaches it. */
  endpoint: string;
  timings: RegistryTimings;
  /** GET a URL from the operator's machine. */
  probe: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  sleep: (ms: number) => Promise<void>;
  /** A line for the operator (upload progress, why a container is re-created). */
  info: (line: string) => void;
}

/** GET with a timeout; 200 (open registry) or 401 (registry with auth) count as answering. */
export async function fetchProbe(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return { ok: res.status === 200 || res.status === 401, detail: `HTTP ${res.status}` };
  } catch (err) {
    // node-fetch's FetchError carries the system error code (ECONNREFUSED, ...) itself
    const e = err as { name?: string; message?: string; code?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ok: false, detail: `no answer within ${timeoutMs} ms` };
    return { ok: false, detail: e.code ?? e.message ?? String(err) };
  }
}

/** Poll `probe` up to `spec.attempts` times with growing delays; true when it succeeded. */
export async function waitUntil(
  spec: WaitSpec,
  sleep: (ms: number) => Promise<void>,
  probe: () => Promise<{ ok: boolean; detail: string }>,
): Promise<{ ok: boolean; detail: string; attempts: number }> {
  let delay = spec.firstDelayMs;
  let last = { ok: false, detail: 'not checked' };
  for (let i = 1; i <= spec.attempts; i++) {
    last = await probe();
    if (last.ok) return { ...last, attempts: i };
    if (i < spec.attempts) {
      await sleep(delay);
      delay = Math.min(spec.maxDelayMs, delay * 2);
    }
  }
  return { ...last, attempts: spec.attempts };
}

// ------------------------------------------------------------------------------- docker facts

const sudo = { sudo: true } as const;

/** `docker image inspect -f {{.Id}} REF`, or undefined when there is no such image. */
export async function imageId(host: RegistryHost, ref: string, timeoutMs: number): Promise<string | undefined> {
  const r = await host.run(['docker', 'image', 'inspect', '-f', '{{.Id}}', ref], { ...sudo, timeoutMs });
  const id = r.stdout.trim();
  return r.code === 0 && /^sha256:[0-9a-f]{64}$/.test(id) ? id : undefined;
}

export interface ContainerFacts {
  status: string;
  imageId: string;
  /** Host ports bound to the container's 5000/tcp. */
  hostPorts: string[];
}

/** `docker container inspect private_registry`, or undefined when it does not exist. */
export async function inspectContainer(host: RegistryHost, timeoutMs: number): Promise<ContainerFacts | undefined> {
  const r = await host.run(['docker', 'container', 'inspect', CONTAINER_NAME], { ...sudo, timeoutMs });
  if (r.code !== 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
  const c = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
  if (!c || typeof c !== 'object') return undefined;
  const state = c.State as { Status?: unknown } | undefined;
  const hostConfig = c.HostConfig as { PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> } | undefined;
  const bindings = hostConfig?.PortBindings?.['5000/tcp'] ?? [];
  return {
    status: typeof state?.Status === 'string' ? state.Status : 'unknown',
    imageId: typeof c.Image === 'string' ? c.Image : '',
    hostPorts: (Array.isArray(bindings) ? bindings : []).map((b) => String(b?.HostPort ?? '')),
  };
}

/** Why an existing container cannot be kept (undefined = keep it). */
export function containerMismatch(c: ContainerFacts, port: number, wantedImageId: string | undefined): string | undefined {
  if (c.status !== 'running') return `it is ${c.status}`;
  if (c.hostPorts.length === 0) return 'it publishes no host port for 5000/tcp';
  if (!c.hostPorts.every((p) => p === String(port))) return `it publishes port ${c.hostPorts.join(', ')} instead of ${port}`;
  if (wantedImageId && c.imageId !== wantedImageId) return `it runs image ${c.imageId.slice(0, 19)}, not the current ${REGISTRY_TAG} (${wantedImageId.slice(0, 19)})`;
  return undefined;
}

// ------------------------------------------------------------------------------- the steps

/** A whole-file step of the registry VM (remote/file-step.ts): rendered bytes, 0644 root:root. */
function fileStep(name: string, path: string, content: string, t: RegistryTimings, after?: (host: RegistryHost) => Promise<void>): Step<RegistryHost> {
  return ownedFiles<RegistryHost>(name, () => [{ path, content, mode: 0o644 }], { timeoutMs: t.commandMs, onChange: after });
}

export function registrySteps(plan: RegistryPlan): Step<RegistryHost>[] {
  const t = plan.timings;
  const env = proxyEnv(plan.proxy);
  const steps: Step<RegistryHost>[] = [];

  const apt = renderAptProxy(plan.proxy);
  if (apt) steps.push(fileStep(STEP.aptProxy, APT_PROXY_PATH, apt, t));

  steps.push({
    name: STEP.installDocker,
    async check(host) {
      const r = await host.run(['dpkg-query', '-W', '-f', '${Package} ${Status}\\n', ...DOCKER_PACKAGES], { timeoutMs: t.commandMs });
      return r.stdout.split('\n').some((l) => DOCKER_PACKAGES.some((p) => l.trim() === `${p} install ok installed`));
    },
    async apply(host) {
      await host.runChecked(['apt-get', ...APT_LOCK, 'update'], { sudo: true, env, timeoutMs: t.aptMs });
      await host.runChecked(['apt-get', ...APT_LOCK, 'install', '-y', 'docker.io'], {
        sudo: true,
        env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
        timeoutMs: t.aptMs,
      });
    },
  });

  const dropIn = renderDockerProxy(plan.proxy);
  if (dropIn) {
    steps.push(
      fileStep(STEP.dockerProxy, DOCKER_PROXY_PATH, dropIn, t, async (host) => {
        // only reached when the drop-in changed
        await host.runChecked(['systemctl', 'daemon-reload'], { sudo: true, timeoutMs: t.commandMs });
        await host.runChecked(['systemctl', 'restart', 'docker'], { sudo: true, timeoutMs: t.commandMs });
      }),
    );
  }

  steps.push({
    name: STEP.dockerRunning,
    async check(host) {
      const [active, enabled] = await Promise.all([
        host.run(['systemctl', 'is-active', 'docker'], { timeoutMs: t.commandMs }),
        host.run(['systemctl', 'is-enabled', 'docker'], { timeoutMs: t.commandMs }),
      ]);
      return active.stdout.trim() === 'active' && enabled.stdout.trim() === 'enabled';
    },
    async apply(host) {
      await host.runChecked(['systemctl', 'enable', '--now', 'docker'], { sudo: true, timeoutMs: t.commandMs });
      const w = await waitUntil(t.dockerActive, plan.sleep, async () => {
        const r = await host.run(['systemctl', 'is-active', 'docker'], { timeoutMs: t.commandMs });
        const s = r.stdout.trim() || `exit ${r.code}`;
        return { ok: s === 'active', detail: s };
      });
      if (!w.ok) {
        throw new RemoteError(
          `Step "${STEP.dockerRunning}" on ${host.target}: the docker service is not running after ${w.attempts} checks (systemctl is-active: ${w.detail}).`,
          { target: host.target, step: STEP.dockerRunning },
        );
      }
    },
  });

  const image = plan.image;
  if (image.kind === 'archive') {
    steps.push({
      name: STEP.loadImage,
      async check(host) {
        const id = await imageId(host, REGISTRY_TAG, t.commandMs);
        return id !== undefined && (image.expectedId === undefined || id === image.expectedId);
      },
      async apply(host) {
        const remote = `${await host.tmpDir()}/registry-image.tar`;
        try {
          await host.upload(image.localPath, remote, {
            progressIntervalMs: 2000,
            onProgress: (p) => {
              // transfer progress only for archives big enough to take a while
              if (p.phase === 'transfer' && p.total >= 8 * 1024 * 1024 && p.transferred > 0 && p.transferred < p.total) {
                plan.info(`uploading ${image.label}: ${mib(p.transferred)} of ${mib(p.total)} MiB`);
              } else if (p.phase === 'verify') {
                plan.info(`uploaded ${image.label} (${mib(p.total)} MiB), verifying its SHA-256 on the VM`);
              }
            },
          });
          const r = await host.runChecked(['docker', 'load', '-i', remote], { sudo: true, timeoutMs: t.loadMs });
          const id = await imageId(host, REGISTRY_TAG, t.commandMs);
          const loaded = r.stdout.split('\n').filter((l) => l.startsWith('Loaded image')).join('; ') || 'nothing';
          if (!id) {
            throw new RemoteError(
              `Step "${STEP.loadImage}" on ${host.target}: the image archive ${image.label} does not provide ${REGISTRY_TAG} ` +
                `(docker load reported: ${loaded}). Save the registry image as ${REGISTRY_TAG}: docker save ${REGISTRY_TAG} -o ${image.label}`,
              { target: host.target, step: STEP.loadImage },
            );
          }
          if (image.expectedId && id !== image.expectedId) {
            throw new RemoteError(
              `Step "${STEP.loadImage}" on ${host.target}: after loading ${image.label}, ${REGISTRY_TAG} is ${id}, ` +
                `but the archive's manifest names ${image.expectedId} (docker load reported: ${loaded}).`,
              { target: host.target, step: STEP.loadImage },
            );
          }
        } finally {
          await host.run(['rm', '-f', '--', remote], { timeoutMs: t.commandMs }).catch(() => undefined);
        }
      },
    });
  } else {
    steps.push({
      name: STEP.pullImage,
      async check(host) {
        // an image already there (pulled before, or pre-loaded as registry:latest) needs no network
        return (await imageId(host, PULL_REF, t.commandMs)) !== undefined || (await imageId(host, REGISTRY_TAG, t.commandMs)) !== undefined;
      },
      async apply(host) {
        await host.runChecked(['docker', 'pull', PULL_REF], { sudo: true, env, timeoutMs: t.pullMs });
      },
    });
    steps.push({
      name: STEP.tagImage,
      async check(host) {
        return (await imageId(host, REGISTRY_TAG, t.commandMs)) !== undefined;
      },
      async apply(host) {
        await host.runChecked(['docker', 'tag', PULL_REF, REGISTRY_TAG], { sudo: true, timeoutMs: t.commandMs });
      },
    });
  }

  steps.push({
    name: STEP.container,
    async check(host) {
      const [c, want] = await Promise.all([inspectContainer(host, t.commandMs), imageId(host, REGISTRY_TAG, t.commandMs)]);
      return c !== undefined && containerMismatch(c, plan.port, want) === undefined;
    },
    async apply(host) {
      const [c, want] = await Promise.all([inspectContainer(host, t.commandMs), imageId(host, REGISTRY_TAG, t.commandMs)]);
      if (c) {
        plan.info(`container ${CONTAINER_NAME} exists but ${containerMismatch(c, plan.port, want) ?? 'does not match'}: removing and re-creating it`);
        await host.runChecked(['docker', 'rm', '-f', CONTAINER_NAME], { sudo: true, timeoutMs: t.commandMs });
      }
      await host.runChecked(
        ['docker', 'run', '-d', '-p', `${plan.port}:5000`, '-v', `${DATA_DIR}:/var/lib/registry`, '--restart=always', '--name', CONTAINER_NAME, REGISTRY_TAG],
        { sudo: true, timeoutMs: t.commandMs },
      );
      const w = await waitUntil(t.containerRunning, plan.sleep, async () => {
        const r = await host.run(['docker', 'inspect', '-f', '{{.State.Status}}', CONTAINER_NAME], { sudo: true, timeoutMs: t.commandMs });
        const s = r.stdout.trim() || `exit ${r.code}`;
        return { ok: s === 'running', detail: s };
      });
      if (!w.ok) {
        const logs = await host.run(['docker', 'logs', '--tail', '15', CONTAINER_NAME], { sudo: true, timeoutMs: t.commandMs }).catch(() => undefined);
        const tail = `${logs?.stdout ?? ''}${logs?.stderr ?? ''}`.trim();
        throw new RemoteError(
          `Step "${STEP.container}" on ${host.target}: container ${CONTAINER_NAME} is ${w.detail} after ${w.attempts} checks, not running.` +
            (tail ? `\nLast lines of docker logs:\n${tail.split('\n').map((l) => `  ${l}`).join('\n')}` : ''),
          { target: host.target, step: STEP.container },
        );
      }
    },
  });

  const url = `http://${plan.endpoint}/v2/`;
  steps.push({
    name: STEP.http,
    async check() {
      return (await plan.probe(url, t.http.requestMs)).ok;
    },
    async apply(host) {
      const w = await waitUntil(t.http, plan.sleep, () => plan.probe(url, t.http.requestMs));
      if (!w.ok) {
        throw new RemoteError(
          `Step "${STEP.http}": ${url} did not answer 200 or 401 from this machine after ${w.attempts} attempts (last: ${w.detail}). ` +
            `The container runs on ${host.target}; check firewalls / security groups for TCP port ${plan.port}.`,
          { target: host.target, step: STEP.http },
        );
      }
    },
  });

  return steps;
}

function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(1);
}
