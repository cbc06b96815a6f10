/**
 * Built-in management driver for the Docker private registry VNF (Tacker's
 * `private_registry_mgmt.py`), for the hooks `instantiate_end` and
 * `heal_end`: SSH to the VM, check the OS, configure the proxy, install Docker, load or pull the
 * registry image, run the `private_registry` container, check from this machine that it answers,
 * and record the endpoint in the instance's metadata (`vnf:<instance id>` for other instances).
 *
 * Differences from Tacker (its flaws F1–F8): connection retries end in a clear error; nothing is
 * pasted into shell text; success is the exit status, not "nothing on stderr"; host keys are
 * pinned per VNFC/server; Ubuntu 20.04/22.04/24.04 on x86_64/aarch64 with the distribution's
 * docker.io; the archive must provide registry:latest (checked before upload and after load);
 * every step checks before it changes, so a re-run (heal, retry) is safe and quick; progress per
 * step; secrets are redacted from the operation log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../../errors.js';
import type { HookContext, MgmtDriver, VnfcRef } from '../contract.js';
import { RemoteError } from '../../remote/errors.js';
import type { RemoteHost } from '../../remote/host.js';
import { runSteps } from '../../remote/steps.js';
import { connectVnfc, operationLog, vnfcAddress } from '../common/vnfc-ssh.js';
import { inspectRegistryArchive } from './image.js';
import { registryParams, proxySecrets, type RegistryParams } from './params.js';
import { detectOs, osLabel, unsupportedReason, type OsInfo } from './render.js';
import { DEFAULT_TIMINGS, fetchProbe, registrySteps, type ImageSource, type RegistryPlan, type RegistryTimings } from './steps.js';

export interface RegistryEndpoint {
  /** `ip:port`, what a Kubernetes VNF puts in `private_registry_connection_info[].server`. */
  endpoint: string;
  vnfcId: string;
  url: string;
}

/** Test seams: timings and the HTTP probe. */
export interface DriverOptions {
  timings?: RegistryTimings;
  probe?: RegistryPlan['probe'];
  sleep?: RegistryPlan['sleep'];
}

const defaultSleep = (ms: number): Promise<void> => sleep(ms);

/** `uname -m` and `/etc/os-release` of the VM; throws a RemoteError naming what was found when unsupported. */
export async function checkOs(host: RemoteHost, timeoutMs: number): Promise<OsInfo> {
  const step = 'detect OS';
  const [rel, arch] = await Promise.all([
    host.runChecked(['cat', '/etc/os-release'], { step, timeoutMs }),
    host.runChecked(['uname', '-m'], { step, timeoutMs }),
  ]);
  const os = detectOs(rel.stdout, arch.stdout);
  const why = unsupportedReason(os);
  if (why) {
    throw new RemoteError(`${host.target}: unsupported OS: ${why}.`, { target: host.target, step });
  }
  return os;
}

/** The VNFCs to provision: for a VNFC heal the healed ones (when they are found), else all. */
export function targetVnfcs(ctx: Pick<HookContext, 'hook' | 'heal'>, all: VnfcRef[]): VnfcRef[] {
  if (ctx.hook === 'heal_end' && ctx.heal && !ctx.heal.entire && ctx.heal.vnfcIds.length > 0) {
    const healed = all.filter((v) => ctx.heal?.vnfcIds.includes(v.id));
    if (healed.length > 0) return healed;
  }
  return all;
}

async function provisionVnfc(
  ctx: HookContext,
  vnfc: VnfcRef,
  node: string,
  params: RegistryParams,
  image: ImageSource,
  opts: DriverOptions,
): Promise<RegistryEndpoint> {
  const timings = opts.timings ?? DEFAULT_TIMINGS;
  const ip = vnfcAddress(vnfc, params.sshCpName);
  const endpoint = ip.includes(':') ? `[${ip}]:${params.port}` : `${ip}:${params.port}`;
  const secrets = proxySecrets(params.proxy);
  const log = await operationLog(ctx, [params.password, ...secrets]);

  ctx.progress.step(node, 'connect', 'start', `${params.username}@${ip}`);
  let host: RemoteHost;
  try {
    host = await connectVnfc(ctx, vnfc, params.sshCpName, { username: params.username, password: params.password }, { secrets, node });
  } catch (err) {
    ctx.progress.step(node, 'connect', 'failed', firstLine(err));
    throw err;
  }
  ctx.progress.step(node, 'connect', 'done', host.target);
  try {
    let os: OsInfo;
    try {
      os = await checkOs(host, timings.commandMs);
    } catch (err) {
      ctx.progress.step(node, 'detect OS', 'failed', firstLine(err));
      throw err;
    }
    ctx.progress.step(node, 'detect OS', 'done', osLabel(os));

    const steps = registrySteps({
      port: params.port,
      ...(params.proxy ? { proxy: params.proxy } : {}),
      image,
      endpoint,
      timings,
      probe: opts.probe ?? fetchProbe,
      sleep: opts.sleep ?? defaultSleep,
      info: (line) => ctx.progress.info(`${node}: ${log.secrets.apply(line)}`),
    });
    await runSteps(host, steps, {
      log,
      target: host.target,
      onStepStart: (name) => ctx.progress.step(node, name, 'start'),
      onStep: (report) =>
        ctx.progress.step(node, report.name, report.status, report.status === 'failed' ? firstLine(report.error) : `${(report.ms / 1000).toFixed(1)} s`),
    });
  } finally {
    await host.close();
  }
  return { endpoint, vnfcId: vnfc.id, url: `http://${endpoint}` };
}

/** instantiate_end and heal_end (the same idempotent provisioning). */
export async function provisionRegistry(ctx: HookContext, opts: DriverOptions = {}): Promise<RegistryEndpoint> {
  const params = registryParams(ctx.request);
  // Local checks first: a bad archive fails before any VM is touched.
  const image: ImageSource = params.imagePath
    ? { kind: 'archive', ...(await inspectRegistryArchive(ctx.pkg.root, params.imagePath)) }
    : { kind: 'pull' };
  const all = await ctx.vnfcs();
  if (all.length === 0) {
    throw new CliError(`${ctx.hook}: the VNF instance ${ctx.instance.id} has no VNFC to install the private registry on.`);
  }
  const targets = targetVnfcs(ctx, all);
  const results: RegistryEndpoint[] = [];
  for (const [i, vnfc] of targets.entries()) {
    const node = targets.length > 1 ? `${vnfc.vduId}#${i}` : vnfc.vduId;
    results.push(await provisionVnfc(ctx, vnfc, node, params, image, opts));
  }
  const first = results[0] as RegistryEndpoint;
  await ctx.setMetadata({ private_registry: { endpoint: first.endpoint, vnfcId: first.vnfcId, url: first.url } });
  ctx.progress.info(`private registry: ${first.url} (refer to it as vnf:${ctx.instance.id})`);
  return first;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err ?? '');
  return text.split('\n')[0] ?? '';
}

export const privateRegistryDriver: MgmtDriver = {
  instantiate_end: async (ctx) => {
    await provisionRegistry(ctx);
  },
  heal_end: async (ctx) => {
    await provisionRegistry(ctx);
  },
};
