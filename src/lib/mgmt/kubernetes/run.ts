/**
 * One operation of the Kubernetes driver: its parameters, the nodes (named, main master first),
 * their connections, the install script's config, the summary rows. The orchestrators
 * (op-install.ts, op-add.ts, op-remove.ts) build plans over it; execute.ts runs them.
 */
import { readFile } from 'node:fs/promises';
import { CliError, ExitCode, errorMessage } from '../../errors.js';
import type { HookContext, VnfcRef } from '../contract.js';
import { basicAuthSecrets, type RemoteHost } from '../../remote/index.js';
import { connectVnfc, operationLog, type SshCredentials } from '../common/vnfc-ssh.js';
import { renderHostsBlock } from './hosts.js';
import { endpointOf, joinInfoFrom, newBootstrapToken, newCertificateKey, renderScriptConfig, type JoinInfo } from './install.js';
import { ADMIN_CONF, runInstallScript } from './node-ops.js';
import { assignNames, chooseMainMaster, classify, vduOf, type Role } from './nodes.js';
import { loadClusterParams, type ClusterParams } from './params.js';
import { proxySecrets, type ProxySettings } from './proxy.js';
import { resolveRegistries, type RegistrySpec } from './registries.js';
import { summaryTable, type NodeRow } from './summary.js';

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

const INSTALL_TIMEOUT_MS = 45 * 60_000;
export const DEFAULT_HA_PORT = '16443';

export function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? '';
}

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
  proxy: ProxySettings = {};
  masters: ClusterNode[] = [];
  workers: ClusterNode[] = [];
  main!: ClusterNode;

  private constructor(ctx: HookContext, deps: DriverDeps, params: ClusterParams) {
    this.ctx = ctx;
    this.deps = deps;
    this.params = params;
    this.meta = { ...(((ctx.instance.metadata ?? {}) as { kubernetes?: KubernetesMeta }).kubernetes ?? {}) };
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

  /** The node's connection (one per node and operation; a failed attempt is forgotten). */
  connect(n: ClusterNode): Promise<RemoteHost> {
    let p = this.conns.get(n.vnfc.id);
    if (!p) {
      const progress = this.ctx.progress;
      progress.step(n.name, 'connect', 'start');
      p = connectVnfc(this.ctx, n.vnfc, n.sshCp, n.creds, { secrets: this.secrets, node: n.name }).then(
        (h) => {
          progress.step(n.name, 'connect', 'done', h.target);
          return h;
        },
        (err: unknown) => {
          progress.step(n.name, 'connect', 'failed', firstLine(err));
          this.conns.delete(n.vnfc.id);
          throw err;
        },
      );
      this.conns.set(n.vnfc.id, p);
    }
    return p;
  }

  byName(name: string): ClusterNode {
    const n = this.all.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async closeAll(): Promise<void> {
    const hosts = await Promise.allSettled([...this.conns.values()]);
    await Promise.allSettled(hosts.map((h) => (h.status === 'fulfilled' ? h.value.close() : Promise.resolve())));
    this.conns.clear();
  }

  ca(file: string): Promise<Buffer> {
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

