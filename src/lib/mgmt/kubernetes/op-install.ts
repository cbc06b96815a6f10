/**
 * instantiate_end and heal_end (entire VNF): the whole cluster. Every node runs its plan
 * (plan.ts `install`): the main master initialises, the other nodes prepare meanwhile and join
 * once the join data exists (control-plane joins one at a time); then the admin kubeconfig
 * becomes the cluster's Kubernetes VIM.
 */
import { CliError, ExitCode } from '../../errors.js';
import type { HookContext } from '../contract.js';
import type { RemoteHost } from '../../remote/index.js';
import { operationLog } from '../common/vnfc-ssh.js';
import { executePlans, planInput } from './execute.js';
import { joinInfoFrom, newBootstrapToken, newCertificateKey, type JoinInfo } from './install.js';
import { ADMIN_CONF } from './node-ops.js';
import { CNI_MANIFEST_PATH } from './node-steps.js';
import { planOperation } from './plan.js';
import { proxySettings, type ProxySettings } from './proxy.js';
import { DEFAULT_HA_PORT, Run, firstLine, type ClusterNode, type DriverDeps } from './run.js';
import { registerVim, serverOf, withServer } from './vim.js';

interface Endpoint {
  /** host:port of the API for kubeadm. */
  endpoint: string;
  vip?: string;
  /** Extra SANs for the API certificate (a floating IP). */
  extraSans?: string;
  /** The URL the VIM records. */
  vimServer: string;
}

async function controlPlaneEndpoint(run: Run): Promise<Endpoint> {
  const { ctx, params } = run;
  const cp = params.k8s.master_node.cluster_cp_name;
  const masterVdu = run.main.vnfc.vduId;
  const isMasterCp = ctx.flavour.cps[cp]?.vdu === masterVdu || cp in run.main.vnfc.addresses;
  if (isMasterCp) {
    if (run.masters.length > 1) {
      throw new CliError(
        `${run.masters.length} master nodes need a virtual IP for the API server, but master_node.cluster_cp_name "${cp}" is a CP of each master; ` +
          'name the VIP port instead (vip_CP in the sample\'s complex flavour).',
        ExitCode.invalidInput,
      );
    }
    const addr = run.main.vnfc.addresses[cp] ?? run.main.vnfc.addresses[run.main.sshCp];
    const ip = addr?.ip ?? run.main.ip;
    const fip = run.main.vnfc.addresses[run.main.sshCp]?.floatingIp;
    return { endpoint: `${ip}:6443`, ...(fip ? { extraSans: fip } : {}), vimServer: `https://${fip ?? ip}:6443` };
  }
  const getter = run.deps.vipAddress ?? (async (c: HookContext, name: string) => (await c.stackPorts())[name]?.ip);
  const vip = run.meta.vip ?? (await getter(ctx, cp));
  if (!vip) {
    throw new CliError(
      `master_node.cluster_cp_name "${cp}" is neither a CP of the master VDU nor a port of the stack with an address; cannot tell the API server's virtual IP.`,
      ExitCode.invalidInput,
    );
  }
  const port = params.overrides.values.HA_PORT ?? DEFAULT_HA_PORT;
  return { endpoint: `${vip}:${port}`, vip, vimServer: `https://${vip}:${port}` };
}

export function proxyFor(run: Run, endpointHost: string): ProxySettings {
  const { k8s } = run.params;
  return proxySettings(k8s.proxy, {
    podCidr: k8s.master_node.pod_cidr,
    serviceCidr: k8s.master_node.cluster_cidr,
    nodeIps: run.all.map((n) => n.ip),
    endpointHost,
    extraHosts: run.registries.filter((r) => r.configured.startsWith('vnf:') || r.hostsLine).map((r) => r.server.replace(/:\d+$/, '')),
  });
}

/** instantiate_end and heal_end (entire): the whole cluster. */
export async function installCluster(ctx: HookContext, deps: DriverDeps, title: string): Promise<void> {
  const run = await Run.open(ctx, deps, { registries: true });
  try {
    if (ctx.hook === 'heal_end') run.meta = { ...run.meta, vip: undefined, mainMasterVnfcId: undefined };
    run.setTopology(await ctx.vnfcs());
    const ep = await controlPlaneEndpoint(run);
    run.proxy = proxyFor(run, ep.endpoint.replace(/:\d+$/, ''));
    await run.saveMeta({
      controlPlaneEndpoint: ep.endpoint,
      vip: ep.vip,
      kubernetesVersion: run.params.k8s.kubernetes_version ?? run.params.overrides.values.KUBERNETES_VERSION,
      containerRuntime: run.params.runtime,
      registries: run.registries.map((r) => r.server),
      vimName: run.params.vimName,
    });
    ctx.progress.info(
      `Kubernetes cluster: ${run.masters.length} master(s), ${run.workers.length} worker(s); main master ${run.main.name} (${run.main.ip}); ` +
        `API ${ep.endpoint}; runtime ${run.params.runtime}; ${run.registries.length} private registr${run.registries.length === 1 ? 'y' : 'ies'}; concurrency ${run.concurrency}`,
    );
    const token = newBootstrapToken();
    const certKey = newCertificateKey();
    run.addSecrets([token, certKey]);
    await operationLog(ctx, [token, certKey]);

    // The join data comes from the main master's kubeadm init; when the main master was
    // initialised before (its kubeadm-init step is skipped), from join-info on it, once asked.
    let settle!: (v: JoinInfo | 'installed') => void;
    let fail!: (e: unknown) => void;
    const initDone = new Promise<JoinInfo | 'installed'>((res, rej) => {
      settle = res;
      fail = rej;
    });
    initDone.catch(() => undefined);
    let fresh: Promise<JoinInfo> | undefined;
    const joinData = async (): Promise<JoinInfo> => {
      let v: JoinInfo | 'installed';
      try {
        v = await initDone;
      } catch (err) {
        throw new CliError(`not joined: the main master ${run.main.name} failed (${firstLine(err)})`, ExitCode.remote);
      }
      if (v !== 'installed') return v;
      fresh ??= run.connect(run.main).then((h) => run.joinInfo(run.main, h));
      return fresh;
    };
    const cni = run.params.overrides.cniLocalFile ? CNI_MANIFEST_PATH : undefined;
    const init = async (n: ClusterNode, host: RemoteHost): Promise<string> => {
      const out = await run.install(n, host, 'init', { endpoint: ep.endpoint, token, certKey, ...(cni ? { cni } : {}), ...(ep.extraSans ? { extraSans: ep.extraSans } : {}) });
      settle(joinInfoFrom(out, `kubeadm init on ${n.name}`));
      return out.status ?? '';
    };

    // a main master that cannot be reached reports no step: its joiners must not wait for it
    run.connect(run.main).catch((err: unknown) => fail(err));
    const specs = planOperation('install', run, new Set(), planInput(run));
    await executePlans(run, specs, run.hostsLines(run.all), {
      joinData,
      init,
      prepare: { endpoint: ep.endpoint, background: true },
      onReport: (node, r) => {
        if (node !== run.main.name) return;
        if (r.name === 'kubeadm-init' && r.status === 'skipped') settle('installed');
        else if (r.status === 'failed') fail(new Error(r.error ?? r.name));
      },
    });

    if (run.row(run.main).ok) {
      const step = 'register Kubernetes VIM';
      ctx.progress.step(run.main.name, step, 'start');
      try {
        const host = await run.connect(run.main);
        const conf = (await host.readFile(ADMIN_CONF, { sudo: true, step: 'read admin kubeconfig' })).toString('utf8');
        const current = serverOf(conf);
        const kubeconfig = current && current !== ep.vimServer ? withServer(conf, ep.vimServer) : conf;
        const vim = await registerVim(ctx, { name: run.params.vimName, kubeconfig, server: ep.vimServer });
        await run.saveMeta({ apiServer: ep.vimServer, vimId: vim.vimId });
        ctx.progress.step(run.main.name, step, 'done', `${run.params.vimName} → ${ep.vimServer}, kubeconfig ${vim.kubeconfigFile}`);
      } catch (err) {
        ctx.progress.step(run.main.name, step, 'failed', firstLine(err));
        run.failures.push({ node: run.main.name, error: err });
      }
    }
    run.finish(`${title}: Kubernetes cluster of ${ctx.instance.id}`);
  } finally {
    await run.closeAll();
  }
}
