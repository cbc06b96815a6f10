/**
 * The Kubernetes cluster driver's operations, on top of the per-node helpers:
 *
 *   install   (instantiate_end, heal_end entire)  every node: connect → hosts block + registry
 *             files → install script (init on the main master; join-control-plane one master at a
 *             time; join-worker in parallel once the join data exists) → registry config, docker
 *             logins, registry check; then the admin kubeconfig becomes a Kubernetes VIM.
 *   addNodes  (scale_end SCALE_OUT, heal_end single node)  fresh join data from a master, the new
 *             nodes as above, the hosts block on every other node, haproxy/keepalived on the
 *             masters when masters were added.
 *   removeNodes (scale_start SCALE_IN, heal_start single node)  drain + delete (workers), etcd
 *             member removal + delete + haproxy/keepalived of the other masters (masters), the
 *             hosts block of the remaining nodes (scale-in).
 *
 * Nodes run in parallel up to `--concurrency`; every step is reported per node and every
 * operation ends with a summary table. A node's failure does not stop the others; the operation
 * fails at the end naming every failed node.
 */
import pLimit from 'p-limit';
import { readFile } from 'node:fs/promises';
import { CliError, ExitCode, errorMessage } from '../../errors.js';
import type { HookContext, VnfcRef } from '../../lcm/hooks.js';
import { basicAuthSecrets, type RemoteHost } from '../../remote/index.js';
import { connectVnfc, operationLog, type SshCredentials } from '../common/vnfc-ssh.js';
import { Bundle, type BundleFile } from './bundle.js';
import { renderHostsBlock, replaceHostsBlock } from './hosts.js';
import { endpointOf, joinInfoFrom, newBootstrapToken, newCertificateKey, renderScriptConfig, type JoinInfo } from './install.js';
import {
  ADMIN_CONF,
  ApplyConflictError,
  applyBundle,
  checkScript,
  gatherFiles,
  kubectl,
  kubectlChecked,
  runInstallScript,
  type ApplyResult,
  type GatheredFile,
} from './node-ops.js';
import { assignNames, chooseMainMaster, classify, vduOf, type Role } from './nodes.js';
import { loadClusterParams, parseClusterParam, type ClusterParams } from './params.js';
import { proxySecrets, proxySettings, type ProxySettings } from './proxy.js';
import {
  CONTAINERD_CERTS_D,
  CONTAINERD_CONFIG,
  DOCKER_CERTS_D,
  DOCKER_DAEMON_JSON,
  KUBELET_CREDENTIALS,
  certsDirName,
  checkSpecs,
  containerdCaPath,
  ensureConfigPath,
  renderDaemonJson,
  renderHostsToml,
  renderKubeletCredentials,
  resolveRegistries,
  type RegistrySpec,
} from './registries.js';
import { summaryTable, type NodeRow } from './summary.js';
import { deregisterVim, registerVim, serverOf, withServer } from './vim.js';

/** Test seams. */
export interface DriverDeps {
  /** IPv4 address of a port of the stack that belongs to no VNFC (the VIP of an HA control plane). Default: `ctx.stackPorts()`. */
  vipAddress?: (ctx: HookContext, portName: string) => Promise<string | undefined>;
}

/** What the driver keeps in the instance metadata under `kubernetes`. */
export interface KubernetesMeta {
  mainMasterVnfcId?: string;
  /** vnfcId -> node name (kept so that names never change). */
  nodeNames?: Record<string, string>;
  nodes?: { name: string; role: Role; ip: string; vnfcId: string }[];
  controlPlaneEndpoint?: string;
  apiServer?: string;
  vip?: string;
  vimName?: string;
  vimId?: string;
  kubernetesVersion?: string;
  containerRuntime?: string;
  registries?: string[];
}

export interface ClusterNode {
  vnfc: VnfcRef;
  role: Role;
  name: string;
  /** Cluster address (nic_cp_name). */
  ip: string;
  sshCp: string;
  creds: SshCredentials;
}

const HOSTS = '/etc/hosts';
const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
const INSTALL_TIMEOUT_MS = 45 * 60_000;
const DEFAULT_HA_PORT = '16443';
/** Where the main master keeps the package's CNI manifest for `kubectl apply` (install script CNI_MANIFEST). */
const CNI_MANIFEST_PATH = '/var/lib/vnflcm/cni-manifest.yaml';

function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? '';
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    }),
    resolve: (v) => {
      d.settled = true;
      resolve(v);
    },
    reject: (e) => {
      d.settled = true;
      reject(e);
    },
    settled: false,
  };
  d.promise.catch(() => undefined); // waiters handle it; no unhandled rejection when nobody waits
  return d;
}

/** One operation of the driver: its inputs, the nodes, connections, results. */
export class Run {
  readonly ctx: HookContext;
  readonly deps: DriverDeps;
  readonly params: ClusterParams;
  registries: RegistrySpec[] = [];
  meta: KubernetesMeta;
  readonly rows = new Map<string, NodeRow>();
  readonly failures: { node: string; error: unknown }[] = [];
  private readonly conns = new Map<string, Promise<RemoteHost>>();
  private readonly caCache = new Map<string, Promise<Buffer>>();
  readonly secrets: string[] = [];
  readonly limit: ReturnType<typeof pLimit>;
  proxy: ProxySettings = {};
  masters: ClusterNode[] = [];
  workers: ClusterNode[] = [];
  main!: ClusterNode;

  private constructor(ctx: HookContext, deps: DriverDeps, params: ClusterParams) {
    this.ctx = ctx;
    this.deps = deps;
    this.params = params;
    this.meta = { ...(((ctx.instance.metadata ?? {}) as { kubernetes?: KubernetesMeta }).kubernetes ?? {}) };
    this.limit = pLimit(Math.max(1, ctx.options.concurrency || 10));
  }

  static async open(ctx: HookContext, deps: DriverDeps, o: { registries: boolean }): Promise<Run> {
    const params = await loadClusterParams(ctx);
    const run = new Run(ctx, deps, params);
    run.addSecrets([params.masterCreds.password, params.workerCreds.password, ...proxySecrets(params.k8s.proxy)]);
    if (params.overrides.values.HA_VRRP_PASSWORD) run.addSecrets([params.overrides.values.HA_VRRP_PASSWORD]);
    if (o.registries) {
      run.registries = await resolveRegistries(params.k8s.private_registry_connection_info, { store: ctx.store, packageRoot: ctx.pkg.root });
      for (const r of run.registries) if (r.username && r.password) run.addSecrets(basicAuthSecrets(r.username, r.password));
    }
    await operationLog(ctx, run.secrets);
    return run;
  }

  addSecrets(s: readonly (string | undefined)[]): void {
    for (const x of s) if (x) this.secrets.push(x);
  }

  get all(): ClusterNode[] {
    return [...this.masters, ...this.workers];
  }

  get concurrency(): number {
    return Math.max(1, this.ctx.options.concurrency || 10);
  }

  /** Masters and workers of the given VNFCs, named; the main master chosen. */
  setTopology(vnfcs: readonly VnfcRef[]): void {
    const { k8s } = this.params;
    const masterVdu = vduOf(this.ctx.flavour, k8s.master_node, 'master');
    const workerVdu = vduOf(this.ctx.flavour, k8s.worker_node, 'worker');
    const { masters, workers } = classify(vnfcs, masterVdu, workerVdu);
    const names = assignNames(
      [...masters.map((vnfc) => ({ vnfc, role: 'master' as const })), ...workers.map((vnfc) => ({ vnfc, role: 'worker' as const }))],
      this.meta.nodeNames ?? {},
    );
    const mk = (vnfc: VnfcRef, role: Role): ClusterNode => {
      const p = role === 'master' ? k8s.master_node : k8s.worker_node;
      const nic = vnfc.addresses[p.nic_cp_name];
      if (!nic) {
        throw new CliError(`VNFC ${vnfc.id} (${vnfc.vduId}) has no address on ${role}_node.nic_cp_name ${p.nic_cp_name}`, ExitCode.runtime);
      }
      return {
        vnfc,
        role,
        name: names.get(vnfc.id) as string,
        ip: nic.ip,
        sshCp: p.ssh_cp_name,
        creds: role === 'master' ? this.params.masterCreds : this.params.workerCreds,
      };
    };
    const main = chooseMainMaster(masters, this.meta.mainMasterVnfcId);
    this.masters = [main, ...masters.filter((m) => m.id !== main.id)].map((v) => mk(v, 'master'));
    this.workers = workers.map((v) => mk(v, 'worker'));
    this.main = this.masters[0] as ClusterNode;
  }

  /** Record names, main master and nodes in the metadata (only the current VNFCs' names are kept). */
  async saveMeta(patch: Partial<KubernetesMeta> = {}, nodes: readonly ClusterNode[] = this.all): Promise<void> {
    const nodeNames: Record<string, string> = {};
    for (const n of nodes) nodeNames[n.vnfc.id] = n.name;
    this.meta = {
      ...this.meta,
      ...(this.main ? { mainMasterVnfcId: this.main.vnfc.id } : {}),
      nodeNames,
      nodes: nodes.map((n) => ({ name: n.name, role: n.role, ip: n.ip, vnfcId: n.vnfc.id })),
      ...patch,
    };
    await this.ctx.setMetadata({ kubernetes: this.meta });
  }

  /** The hosts block for these nodes; registry lines straight from the parameters (no `vnf:` lookup needed). */
  hostsLines(nodes: readonly ClusterNode[]): string[] {
    const registryLines = (this.params.k8s.private_registry_connection_info ?? []).flatMap((r) => (r.hosts_string ? [r.hosts_string] : []));
    return renderHostsBlock(this.ctx.instance.id, [...nodes.map((n) => `${n.ip} ${n.name}`), ...registryLines]);
  }

  row(n: ClusterNode): NodeRow {
    let r = this.rows.get(n.name);
    if (!r) {
      r = { node: n.name, role: n.role, address: n.ip, registries: '-', result: '', ok: true };
      this.rows.set(n.name, r);
    }
    return r;
  }

  fail(n: ClusterNode, err: unknown, result?: string): void {
    const r = this.row(n);
    r.ok = false;
    r.result = result ?? `FAILED: ${firstLine(err)}`;
    this.failures.push({ node: n.name, error: err });
  }

  /** Run a named step on a node with progress lines. */
  async step<T>(n: ClusterNode | string, name: string, fn: () => Promise<T>, detail?: (v: T) => string | undefined): Promise<T> {
    const node = typeof n === 'string' ? n : n.name;
    this.ctx.progress.step(node, name, 'start');
    try {
      const v = await fn();
      this.ctx.progress.step(node, name, 'done', detail?.(v));
      return v;
    } catch (err) {
      this.ctx.progress.step(node, name, 'failed', firstLine(err));
      throw err;
    }
  }

  /** One of the `--concurrency` slots (FIFO); `release` is idempotent and may come before the slot was granted. */
  slot(): { acquired: Promise<void>; release(): void } {
    let free!: () => void;
    const done = new Promise<void>((res) => (free = res));
    let granted!: () => void;
    const acquired = new Promise<void>((res) => (granted = res));
    void this.limit(() => {
      granted();
      return done;
    });
    return { acquired, release: () => free() };
  }

  connect(n: ClusterNode): Promise<RemoteHost> {
    let p = this.conns.get(n.vnfc.id);
    if (!p) {
      p = this.step(n, 'connect', () => connectVnfc(this.ctx, n.vnfc, n.sshCp, n.creds, { secrets: this.secrets, node: n.name }), (h) => h.target);
      p.catch(() => this.conns.delete(n.vnfc.id));
      this.conns.set(n.vnfc.id, p);
    }
    return p;
  }

  async closeAll(): Promise<void> {
    const hosts = await Promise.allSettled([...this.conns.values()]);
    await Promise.allSettled(hosts.map((h) => (h.status === 'fulfilled' ? h.value.close() : Promise.resolve())));
    this.conns.clear();
  }

  private ca(file: string): Promise<Buffer> {
    let p = this.caCache.get(file);
    if (!p) {
      p = readFile(file);
      this.caCache.set(file, p);
    }
    return p;
  }

  /**
   * Bring a node's files in line: the hosts block always; with 'pre' also the registry files
   * that need no running runtime; with 'post' everything, restarts, docker logins and the check.
   */
  async configure(n: ClusterNode, host: RemoteHost, phase: 'hosts' | 'pre' | 'post', hostsBlock: readonly string[], extra: readonly BundleFile[] = []): Promise<ApplyResult> {
    const docker = this.params.runtime === 'docker';
    const paths = [HOSTS, ...(phase === 'pre' ? [`?${KUBELET_CONF}`] : []), ...(phase === 'post' ? [CONTAINERD_CONFIG, ...(docker ? [DOCKER_DAEMON_JSON] : [])] : [])];
    for (let attempt = 1; ; attempt++) {
      const got = await gatherFiles(host, paths, 'read configuration');
      const bundle = await this.bundleFor(n, phase, hostsBlock, got);
      for (const f of extra) bundle.addFile(f);
      try {
        const res = await applyBundle(host, bundle, { node: n.name, step: phase === 'post' ? 'configure registries' : 'write files', secrets: this.secrets });
        if (phase === 'pre') res.joined = got.get(`?${KUBELET_CONF}`) !== undefined;
        return res;
      } catch (err) {
        if (err instanceof ApplyConflictError && attempt < 3) continue;
        throw err;
      }
    }
  }

  private async bundleFor(n: ClusterNode, phase: 'hosts' | 'pre' | 'post', hostsBlock: readonly string[], got: Map<string, GatheredFile | undefined>): Promise<Bundle> {
    const b = new Bundle();
    const text = (p: string): string | undefined => got.get(p)?.content.toString('utf8');
    const sha = (p: string): string => got.get(p)?.sha256 ?? 'absent';
    const hosts = text(HOSTS) ?? '';
    b.addFile({ dest: HOSTS, content: replaceHostsBlock(hosts, this.ctx.instance.id, hostsBlock), mode: 0o644, expectSha256: sha(HOSTS) });
    if (phase === 'hosts' || this.registries.length === 0) return b;
    const docker = this.params.runtime === 'docker';
    for (const r of this.registries) {
      const dir = `${CONTAINERD_CERTS_D}/${certsDirName(r.server)}`;
      b.addFile({ dest: `${dir}/hosts.toml`, content: renderHostsToml(r), mode: 0o644 });
      const caPath = containerdCaPath(r);
      if (caPath && r.caFile) {
        const ca = await this.ca(r.caFile);
        b.addFile({ dest: caPath, content: ca, mode: 0o644 });
        if (docker) b.addFile({ dest: `${DOCKER_CERTS_D}/${certsDirName(r.server)}/ca.crt`, content: ca, mode: 0o644 });
      }
    }
    b.addFile({ dest: KUBELET_CREDENTIALS, content: renderKubeletCredentials(this.registries), mode: 0o600 });
    if (phase === 'pre') return b;
    const cfg = ensureConfigPath(text(CONTAINERD_CONFIG));
    if (cfg.changed) b.addFile({ dest: CONTAINERD_CONFIG, content: cfg.content, mode: 0o644, expectSha256: sha(CONTAINERD_CONFIG), action: 'restart:containerd' });
    if (docker) {
      const dj = renderDaemonJson(text(DOCKER_DAEMON_JSON), this.registries);
      if (dj.changed) b.addFile({ dest: DOCKER_DAEMON_JSON, content: dj.content, mode: 0o644, expectSha256: sha(DOCKER_DAEMON_JSON), action: 'restart:docker' });
      for (const r of this.registries) if (r.username && r.password) b.logins.push({ server: r.server, username: r.username, password: r.password });
    }
    b.check = {
      spec: { node: n.name, runtime: this.params.runtime, registries: checkSpecs(this.registries) },
      script: await checkScript(),
    };
    return b;
  }

  /** Summary cell for a node's registries after 'post'. */
  registriesCell(res: ApplyResult | undefined): string {
    if (this.registries.length === 0) return '-';
    if (!res) return this.registries.map((r) => `${r.server} not configured`).join('\n');
    return this.registries
      .map((r) => {
        const lines = res.checks.filter((c) => c.server === r.server);
        const ok = lines.length > 0 && lines.every((c) => c.ok);
        return `${r.server} ${r.secure ? 'https' : 'http'}${r.caFile ? '+CA' : ''}${r.username ? '+auth' : ''} ${ok ? 'ok' : 'FAILED'}`;
      })
      .join('\n');
  }

  // ------------------------------------------------------------------ install script

  /** Values of the install script's config common to every mode. */
  private baseConfig(): Record<string, string | undefined> {
    const { k8s, overrides } = this.params;
    const { CNI_MANIFEST: _cni, ...fileValues } = overrides.values; // the CNI matters to init only
    return {
      ...fileValues,
      KUBERNETES_VERSION: k8s.kubernetes_version ?? overrides.values.KUBERNETES_VERSION,
      CONTAINER_RUNTIME: this.params.runtime,
      POD_CIDR: k8s.master_node.pod_cidr,
      SERVICE_CIDR: k8s.master_node.cluster_cidr,
      HTTP_PROXY: this.proxy.httpProxy,
      HTTPS_PROXY: this.proxy.httpsProxy,
      NO_PROXY: this.proxy.noProxy,
      INSECURE_REGISTRIES: this.registries.filter((r) => !r.secure).map((r) => r.server).join(','),
      CREATE_ADMIN_TOKEN: 'no',
    };
  }

  haValues(masters: readonly ClusterNode[]): Record<string, string | undefined> {
    if (!this.meta.vip) return {};
    return { HA_VIP: this.meta.vip, HA_MASTER_IPS: masters.map((m) => m.ip).join(','), HA_PORT: this.params.overrides.values.HA_PORT ?? DEFAULT_HA_PORT };
  }

  async install(
    n: ClusterNode,
    host: RemoteHost,
    mode: 'init' | 'prepare' | 'join-control-plane' | 'join-worker' | 'ha-config',
    o: { endpoint?: string; join?: JoinInfo; token?: string; certKey?: string; cni?: string; extraSans?: string; masters?: readonly ClusterNode[]; background?: boolean },
  ): Promise<Record<string, string>> {
    const values: Record<string, string | undefined> = {
      ...this.baseConfig(),
      MODE: mode,
      NODE_IP: n.ip,
      NODE_NAME: n.name,
      ...(n.role === 'master' ? this.haValues(o.masters ?? this.masters) : {}),
    };
    if (mode === 'init') {
      Object.assign(values, { CONTROL_PLANE_ENDPOINT: o.endpoint, JOIN_TOKEN: o.token, CERTIFICATE_KEY: o.certKey, API_SERVER_EXTRA_SANS: o.extraSans });
      values.CNI_MANIFEST = o.cni ?? this.params.overrides.values.CNI_MANIFEST;
    } else if (mode === 'prepare') {
      // background work while kubeadm init runs: where nodes share CPUs (test beds, oversubscribed
      // hosts) the node on the critical path goes first. In a scale-out the new node's prepare is
      // itself the critical path (the other nodes only get their hosts block): no lower priority.
      Object.assign(values, { CONTROL_PLANE_ENDPOINT: o.endpoint, ...(o.background ? { NICENESS: '19' } : {}) });
    } else if (mode !== 'ha-config') {
      const j = o.join as JoinInfo;
      Object.assign(values, { CONTROL_PLANE_ENDPOINT: endpointOf(j.apiServer), JOIN_TOKEN: j.token, CA_CERT_HASH: j.caCertHash });
      if (mode === 'join-control-plane') values.CERTIFICATE_KEY = j.certificateKey;
    }
    return runInstallScript(host, this.params.scriptLocal, renderScriptConfig(values), {
      step: `install_k8s_cluster.sh ${mode}`,
      timeoutMs: INSTALL_TIMEOUT_MS,
      secrets: this.secrets,
    });
  }

  /** Fresh join data from an installed master (install script, MODE=join-info). */
  async joinInfo(n: ClusterNode, host: RemoteHost): Promise<JoinInfo> {
    const token = newBootstrapToken();
    const certKey = newCertificateKey();
    this.addSecrets([token, certKey]);
    await operationLog(this.ctx, [token, certKey]);
    host.secrets.add([token, certKey]);
    const out = await runInstallScript(
      host,
      this.params.scriptLocal,
      renderScriptConfig({ MODE: 'join-info', JOIN_TOKEN: token, CERTIFICATE_KEY: certKey, CREATE_ADMIN_TOKEN: 'no' }),
      { step: 'install_k8s_cluster.sh join-info', timeoutMs: 10 * 60_000, secrets: this.secrets },
    );
    return joinInfoFrom(out, `join-info on ${n.name}`);
  }

  /** A reachable master (not excluded) that has the admin kubeconfig: the main master first. */
  async controlMaster(exclude: ReadonlySet<string>): Promise<{ node: ClusterNode; host: RemoteHost }> {
    const reasons: string[] = [];
    for (const m of this.masters) {
      if (exclude.has(m.vnfc.id)) continue;
      try {
        const host = await this.connect(m);
        if (await host.exists(ADMIN_CONF, { sudo: true, step: 'find admin kubeconfig' })) return { node: m, host };
        reasons.push(`${m.name}: no ${ADMIN_CONF}`);
      } catch (err) {
        reasons.push(`${m.name}: ${firstLine(err)}`);
      }
    }
    throw new CliError(`No master node can manage the cluster (${reasons.join('; ') || 'no other master'}).`, ExitCode.remote);
  }

  /** Print the summary table and fail when a node failed. */
  finish(title: string): void {
    if (this.rows.size > 0) {
      this.ctx.progress.info(`${title}:`);
      for (const line of summaryTable([...this.rows.values()]).split('\n')) this.ctx.progress.info(line);
    }
    if (this.failures.length > 0) {
      const lines = this.failures.map((f) => `  - ${f.node}: ${errorMessage(f.error).split('\n').join('\n    ')}`);
      throw new CliError(
        `${title}: ${this.failures.length} node${this.failures.length === 1 ? '' : 's'} failed:\n${lines.join('\n')}\nFull output: ${this.ctx.logFile}`,
        ExitCode.remote,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------- install

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

function proxyFor(run: Run, endpointHost: string): ProxySettings {
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
    const block = run.hostsLines(run.all);
    const token = newBootstrapToken();
    const certKey = newCertificateKey();
    run.addSecrets([token, certKey]);
    await operationLog(ctx, [token, certKey]);
    const join = deferred<JoinInfo>();
    let cpChain: Promise<unknown> = Promise.resolve();
    const serialCp = <T>(fn: () => Promise<T>): Promise<T> => {
      const p = cpChain.then(fn);
      cpChain = p.catch(() => undefined);
      return p;
    };

    // A node holds one of the `--concurrency` slots while vnflcm works on it, not while it waits
    // for the main master's join data: otherwise nodes beyond the limit would wait for whole
    // pipelines of nodes that are only waiting themselves.
    const pipeline = async (n: ClusterNode): Promise<void> => {
      const row = run.row(n);
      const isMain = n === run.main;
      let res: ApplyResult | undefined;
      let slot = run.slot();
      try {
        await slot.acquired;
        const host = await run.connect(n);
        // the main master also gets the package's CNI manifest (when there is one) in the same bundle
        const cniFile = isMain && run.params.overrides.cniLocalFile ? run.params.overrides.cniLocalFile : undefined;
        const extra: BundleFile[] = cniFile ? [{ dest: CNI_MANIFEST_PATH, content: await readFile(cniFile), mode: 0o644 }] : [];
        const pre = await run.step(n, 'hosts block and registry files', () => run.configure(n, host, 'pre', block, extra));
        if (isMain) {
          const cni = cniFile ? CNI_MANIFEST_PATH : undefined;
          const out = await run.step(n, 'kubeadm init', () =>
            run.install(n, host, 'init', { endpoint: ep.endpoint, token, certKey, ...(cni ? { cni } : {}), ...(ep.extraSans ? { extraSans: ep.extraSans } : {}) }),
            (o) => o.status,
          );
          join.resolve(joinInfoFrom(out, `kubeadm init on ${n.name}`));
          row.result = out.status === 'already-installed' ? 'control plane (was installed)' : 'control plane initialised';
        } else {
          // (a node that joined before re-checks everything in its join run: no separate prepare)
          if (!pre.joined) await run.step(n, 'prepare (runtime, packages)', () => run.install(n, host, 'prepare', { endpoint: ep.endpoint, background: true }), (o) => o.status);
          let ji: JoinInfo;
          slot.release();
          try {
            ji = await join.promise;
          } catch (err) {
            run.fail(n, err, `not joined: the main master ${run.main.name} failed`);
            ctx.progress.step(n.name, 'join', 'skipped', `main master ${run.main.name} failed`);
            return;
          }
          slot = run.slot();
          await slot.acquired;
          const mode = n.role === 'master' ? 'join-control-plane' : 'join-worker';
          const doJoin = (): Promise<Record<string, string>> => run.step(n, `kubeadm join (${n.role === 'master' ? 'control plane' : 'worker'})`, () => run.install(n, host, mode, { join: ji }), (o) => o.status);
          const out = n.role === 'master' ? await serialCp(doJoin) : await doJoin();
          row.result = out.status === 'already-installed' ? 'joined (was joined)' : 'joined';
        }
        res = await run.step(n, 'registries', () => run.configure(n, host, 'post', block), (r) => registriesDetail(r));
        row.registries = run.registriesCell(res);
      } catch (err) {
        if (isMain && !join.settled) join.reject(err);
        row.registries = run.registriesCell(res);
        run.fail(n, err);
      } finally {
        slot.release();
      }
    };
    await Promise.all([run.main, ...run.masters.slice(1), ...run.workers].map((n) => pipeline(n)));

    const mainOk = run.row(run.main).ok;
    if (mainOk) {
      try {
        await run.step(run.main, 'register Kubernetes VIM', async () => {
          const host = await run.connect(run.main);
          const conf = (await host.readFile(ADMIN_CONF, { sudo: true, step: 'read admin kubeconfig' })).toString('utf8');
          const current = serverOf(conf);
          const kubeconfig = current && current !== ep.vimServer ? withServer(conf, ep.vimServer) : conf;
          const vim = await registerVim(ctx, { name: run.params.vimName, kubeconfig, server: ep.vimServer });
          await run.saveMeta({ apiServer: ep.vimServer, vimId: vim.vimId });
          return vim;
        }, (v) => `${run.params.vimName} → ${ep.vimServer}, kubeconfig ${v.kubeconfigFile}`);
      } catch (err) {
        run.failures.push({ node: run.main.name, error: err });
      }
    }
    run.finish(`${title}: Kubernetes cluster of ${ctx.instance.id}`);
  } finally {
    await run.closeAll();
  }
}

function registriesDetail(r: ApplyResult): string {
  const parts = [`${r.checks.filter((c) => c.ok).length}/${r.checks.length} checks ok`];
  if (r.restarted.length) parts.push(`restarted ${r.restarted.join(', ')}`);
  if (r.logins.length) parts.push(`docker login ${r.logins.join(', ')}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------- add nodes

/** scale_end (SCALE_OUT) and heal_end (single VNFCs): join `added` and refresh everybody's hosts block. */
export async function addNodes(ctx: HookContext, deps: DriverDeps, addedIds: readonly string[], o: { heal: boolean; title: string }): Promise<void> {
  const run = await Run.open(ctx, deps, { registries: true });
  try {
    run.setTopology(await ctx.vnfcs());
    const added = new Set(addedIds);
    const fresh = run.all.filter((n) => added.has(n.vnfc.id));
    if (fresh.length === 0) {
      ctx.progress.info(`${o.title}: no new Kubernetes node (VNFCs ${addedIds.join(', ') || 'none'})`);
      return;
    }
    const old = run.all.filter((n) => !added.has(n.vnfc.id));
    const endpointHost = (run.meta.controlPlaneEndpoint ?? run.main.ip).replace(/:\d+$/, '');
    run.proxy = proxyFor(run, endpointHost);
    const block = run.hostsLines(run.all);
    await run.saveMeta();

    const control = await run.controlMaster(added);
    // the new nodes prepare (runtime, packages) while a master makes the join data
    const joinData = run.step(control.node, 'join data (token, CA hash, certificate key)', () => run.joinInfo(control.node, control.host), (j) => j.apiServer);
    joinData.catch(() => undefined);

    let cpChain: Promise<unknown> = Promise.resolve();
    const serialCp = <T>(fn: () => Promise<T>): Promise<T> => {
      const p = cpChain.then(fn);
      cpChain = p.catch(() => undefined);
      return p;
    };
    const join = async (n: ClusterNode): Promise<void> => {
      const row = run.row(n);
      let res: ApplyResult | undefined;
      let slot = run.slot(); // not held while waiting for the join data (see installCluster)
      try {
        await slot.acquired;
        if (o.heal) {
          // a healed VNFC keeps its name: remove what is left of the old node first
          const gone = await kubectl(control.host, ['get', 'node', n.name, '-o', 'name'], { step: `look up node ${n.name}` });
          if (gone.code === 0 && gone.stdout.trim()) {
            await run.step(n, 'delete stale node object', () => kubectlChecked(control.host, ['delete', 'node', n.name], { step: `delete node ${n.name}` }));
          }
        }
        const host = await run.connect(n);
        const pre = await run.step(n, 'hosts block and registry files', () => run.configure(n, host, 'pre', block));
        if (!pre.joined) await run.step(n, 'prepare (runtime, packages)', () => run.install(n, host, 'prepare', { endpoint: run.meta.controlPlaneEndpoint }), (x) => x.status);
        let ji: JoinInfo;
        slot.release();
        try {
          ji = await joinData;
        } catch (err) {
          run.fail(n, err, `not joined: no join data from ${control.node.name}`);
          return;
        }
        slot = run.slot();
        await slot.acquired;
        const mode = n.role === 'master' ? 'join-control-plane' : 'join-worker';
        const doJoin = (): Promise<Record<string, string>> => run.step(n, `kubeadm join (${n.role === 'master' ? 'control plane' : 'worker'})`, () => run.install(n, host, mode, { join: ji }), (x) => x.status);
        const out = n.role === 'master' ? await serialCp(doJoin) : await doJoin();
        row.result = out.status === 'already-installed' ? 'joined (was joined)' : o.heal ? 'healed, joined' : 'joined';
        res = await run.step(n, 'registries', () => run.configure(n, host, 'post', block), (r) => registriesDetail(r));
        row.registries = run.registriesCell(res);
      } catch (err) {
        row.registries = run.registriesCell(res);
        run.fail(n, err);
      } finally {
        slot.release();
      }
    };
    const refresh = async (n: ClusterNode): Promise<void> => {
      const row = run.row(n);
      row.registries = '(unchanged)';
      try {
        const host = await run.connect(n);
        const r = await run.step(n, 'hosts block', () => run.configure(n, host, 'hosts', block), (x) => (x.changed.length ? 'updated' : 'unchanged'));
        row.result = r.changed.length ? 'hosts block updated' : 'unchanged';
      } catch (err) {
        run.fail(n, err);
      }
    };
    await Promise.all([...fresh.map((n) => join(n)), ...old.map((n) => run.limit(() => refresh(n)))]);

    if (fresh.some((n) => n.role === 'master') && run.meta.vip) await haConfig(run, run.masters.filter((m) => !added.has(m.vnfc.id)), run.masters);
    run.finish(o.title);
  } finally {
    await run.closeAll();
  }
}

/** Re-render haproxy + keepalived (install script MODE=ha-config) on `on` for the master list `masters`. */
async function haConfig(run: Run, on: readonly ClusterNode[], masters: readonly ClusterNode[]): Promise<void> {
  await Promise.all(
    on.map((m) =>
      run.limit(async () => {
        try {
          const host = await run.connect(m);
          await run.step(m, 'haproxy/keepalived', () => run.install(m, host, 'ha-config', { masters }));
        } catch (err) {
          run.fail(m, err);
        }
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------- remove nodes

/**
 * scale_start (SCALE_IN) and heal_start (single VNFCs): take `goneIds` out of the cluster.
 * Scale-in drains strictly (a failed drain stops the operation before Heat removes anything) and
 * rewrites the hosts block of the remaining nodes; heal drains best-effort (the node is usually
 * broken) and keeps the hosts lines (the VNFC comes back under the same name).
 */
export async function removeNodes(ctx: HookContext, deps: DriverDeps, goneIds: readonly string[], o: { heal: boolean; title: string }): Promise<void> {
  // registries are not needed here (their hosts lines come from the parameters), so a registry VNF
  // that is gone by now does not stop a scale-in
  const run = await Run.open(ctx, deps, { registries: false });
  try {
    run.setTopology(await ctx.vnfcs());
    const goneSet = new Set(goneIds);
    const gone = run.all.filter((n) => goneSet.has(n.vnfc.id));
    if (gone.length === 0) {
      ctx.progress.info(`${o.title}: no Kubernetes node among VNFCs ${goneIds.join(', ') || '(none)'}`);
      return;
    }
    const goneMasters = gone.filter((n) => n.role === 'master');
    if (goneMasters.length > 0 && goneMasters.length >= run.masters.length) {
      throw new CliError(
        run.masters.length === 1
          ? `${goneMasters[0]?.name} is the only master node: healing or removing it would destroy the cluster. ` +
              'Heal the entire VNF instead (heal without --vnfc / vnfcInstanceId): the cluster is rebuilt on new VMs.'
          : `Every master node (${goneMasters.map((m) => m.name).join(', ')}) would be removed at once; at least one must stay. ` +
              'Heal them one at a time, or heal the entire VNF.',
        ExitCode.usage,
      );
    }
    const control = await run.controlMaster(goneSet);
    for (const n of gone) run.row(n).registries = '-';

    await Promise.all(
      gone
        .filter((n) => n.role === 'worker')
        .map((n) =>
          run.limit(async () => {
            try {
              run.row(n).result = await removeWorker(run, control.host, n, o.heal);
            } catch (err) {
              run.fail(n, err);
            }
          }),
        ),
    );
    for (const m of goneMasters) {
      try {
        run.row(m).result = await removeMaster(run, control, m);
      } catch (err) {
        run.fail(m, err);
      }
    }
    const remainingMasters = run.masters.filter((m) => !goneSet.has(m.vnfc.id));
    if (goneMasters.length > 0 && run.meta.vip) await haConfig(run, remainingMasters, remainingMasters);

    if (!o.heal) {
      const remaining = run.all.filter((n) => !goneSet.has(n.vnfc.id));
      const block = run.hostsLines(remaining);
      await Promise.all(
        remaining.map((n) =>
          run.limit(async () => {
            const row = run.row(n);
            row.registries = '(unchanged)';
            try {
              const host = await run.connect(n);
              const r = await run.step(n, 'hosts block', () => run.configure(n, host, 'hosts', block), (x) => (x.changed.length ? 'updated' : 'unchanged'));
              row.result = row.result || (r.changed.length ? 'hosts block updated' : 'unchanged');
            } catch (err) {
              run.fail(n, err);
            }
          }),
        ),
      );
      if (run.failures.length === 0) await run.saveMeta({}, remaining);
    }
    run.finish(o.title);
  } finally {
    await run.closeAll();
  }
}

async function nodeExists(host: RemoteHost, name: string): Promise<boolean> {
  const r = await kubectl(host, ['get', 'node', name, '-o', 'name'], { step: `look up node ${name}` });
  if (r.code === 0) return r.stdout.trim() !== '';
  if (/NotFound|not found/i.test(r.stderr)) return false;
  throw new CliError(`kubectl get node ${name} failed on ${host.target}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`, ExitCode.remote);
}

async function removeWorker(run: Run, control: RemoteHost, n: ClusterNode, heal: boolean): Promise<string> {
  if (!(await nodeExists(control, n.name))) {
    run.ctx.progress.step(n.name, 'drain and delete', 'skipped', 'not a node of the cluster');
    return 'not in the cluster';
  }
  const drainTimeout = heal ? 120 : 300;
  const args = ['drain', n.name, '--ignore-daemonsets', '--delete-emptydir-data', `--timeout=${drainTimeout}s`, ...(heal ? ['--force'] : [])];
  let drained = 'drained';
  if (heal) {
    const r = await run.step(n, 'drain', () => kubectl(control, args, { step: `drain ${n.name}`, timeoutMs: (drainTimeout + 60) * 1000 }), (x) => (x.code === 0 ? undefined : 'incomplete'));
    if (r.code !== 0) {
      drained = 'drain incomplete';
      run.ctx.progress.info(`${n.name}: drain did not finish (${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}); the node is deleted anyway`);
    }
  } else {
    await run.step(n, 'drain', () => kubectlChecked(control, args, { step: `drain ${n.name}`, timeoutMs: (drainTimeout + 60) * 1000 }));
  }
  await run.step(n, 'delete node', () => kubectlChecked(control, ['delete', 'node', n.name], { step: `delete node ${n.name}` }));
  return `${drained}, deleted`;
}

/** Remove a master: its etcd member (through the etcd pod of the control master), its node object. */
async function removeMaster(run: Run, control: { node: ClusterNode; host: RemoteHost }, m: ClusterNode): Promise<string> {
  const parts: string[] = [];
  const etcd = await run.step(m, 'remove etcd member', () => removeEtcdMember(control, m.name), (x) => x);
  parts.push(etcd);
  if (await nodeExists(control.host, m.name)) {
    await run.step(m, 'delete node', () => kubectlChecked(control.host, ['delete', 'node', m.name], { step: `delete node ${m.name}` }));
    parts.push('deleted');
  } else {
    parts.push('not a node of the cluster');
  }
  return parts.join(', ');
}

const ETCDCTL = [
  'etcdctl',
  '--endpoints=https://127.0.0.1:2379',
  '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
  '--cert=/etc/kubernetes/pki/etcd/server.crt',
  '--key=/etc/kubernetes/pki/etcd/server.key',
];

/**
 * `etcdctl member remove` of the member named like the node, run with `kubectl exec` in the etcd
 * static pod of the control master (kubeadm names it etcd-<node>). Member lines of
 * `member list` look like `8e9e05c52164694d, started, master-1, https://…:2380, https://…:2379, false`.
 */
export async function removeEtcdMember(control: { node: ClusterNode; host: RemoteHost }, name: string): Promise<string> {
  const pod = `etcd-${control.node.name}`;
  const list = await kubectlChecked(control.host, ['-n', 'kube-system', 'exec', pod, '--', ...ETCDCTL, 'member', 'list'], { step: 'etcd member list' });
  const id = etcdMemberId(list.stdout, name);
  if (!id) return `no etcd member named ${name} (already removed)`;
  await kubectlChecked(control.host, ['-n', 'kube-system', 'exec', pod, '--', ...ETCDCTL, 'member', 'remove', id], { step: `etcd member remove ${name}` });
  return `etcd member ${id} removed`;
}

export function etcdMemberId(memberList: string, name: string): string | undefined {
  for (const line of memberList.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length >= 3 && f[2] === name && /^[0-9a-f]+$/.test(f[0] as string)) return f[0];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------- VIM

/** terminate_end and heal_start (entire): deregister the cluster's VIM; nothing happens inside the cluster. */
export async function forgetCluster(ctx: HookContext, title: string): Promise<void> {
  const meta = { ...(((ctx.instance.metadata ?? {}) as { kubernetes?: KubernetesMeta }).kubernetes ?? {}) };
  let vimName = meta.vimName;
  if (!vimName) {
    try {
      vimName = parseClusterParam(ctx.request).vim_name;
    } catch {
      /* the default name below */
    }
  }
  vimName ??= `kubernetes_vim_${ctx.instance.id}`;
  const said = await deregisterVim(ctx, vimName);
  ctx.progress.step('', 'deregister Kubernetes VIM', 'done', said);
  delete meta.vimId;
  delete meta.apiServer;
  await ctx.setMetadata({ kubernetes: meta });
  ctx.progress.info(`${title}: ${said}`);
}
