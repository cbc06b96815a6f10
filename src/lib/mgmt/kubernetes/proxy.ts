/**
 * Proxy settings handed to the install script. NO_PROXY keeps CIDRs as CIDRs (Go programs —
 * containerd, kubelet, kubeadm — understand them): Tacker enumerated every address of the node
 * network (256 entries for a /24, 65 536 for a /16) and grew the list on every run.
 */
import { cidrContains, ipVersion, parseCidr } from '../../params/address.js';

export interface ProxyInput {
  http_proxy?: string;
  https_proxy?: string;
  no_proxy?: string;
  k8s_node_cidr?: string;
}

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** Whether an IP address lies in a CIDR. */
export function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  return c !== undefined && cidrContains(c, ip);
}

/** The /24 network around an IPv4 address (Tacker's default node CIDR), or undefined. */
export function slash24(ip: string): string | undefined {
  return ipVersion(ip) === 4 ? parseCidr(`${ip}/24`)?.text : undefined;
}

/**
 * NO_PROXY: the user's entries first, then localhost, the pod and service CIDRs, the node
 * network (k8s_node_cidr, default the /24 of the first master), node addresses outside it, the
 * API endpoint host, cluster-internal domains and extra hosts (registries on the VNF network).
 * Each entry once (host names compared case-insensitively), order kept.
 */
export function composeNoProxy(o: {
  userNoProxy?: string;
  podCidr: string;
  serviceCidr: string;
  nodeCidr?: string;
  nodeIps: readonly string[];
  endpointHost?: string;
  extraHosts?: readonly string[];
}): string {
  const nodeCidr = o.nodeCidr ?? (o.nodeIps[0] ? slash24(o.nodeIps[0]) : undefined);
  const entries: string[] = [
    ...(o.userNoProxy ?? '').split(','),
    'localhost',
    '127.0.0.1',
    o.podCidr,
    o.serviceCidr,
    ...(nodeCidr ? [nodeCidr] : []),
    ...o.nodeIps.filter((ip) => !nodeCidr || !inCidr(ip, nodeCidr)),
    ...(o.endpointHost && !(nodeCidr && inCidr(o.endpointHost, nodeCidr)) ? [o.endpointHost] : []),
    '.svc',
    '.cluster.local',
    ...(o.extraHosts ?? []),
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of entries) {
    const e = raw.trim();
    if (!e) continue;
    const key = e.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out.join(',');
}

/** Proxy settings for the nodes, or {} when no proxy is configured. */
export function proxySettings(proxy: ProxyInput | undefined, noProxyParts: Omit<Parameters<typeof composeNoProxy>[0], 'userNoProxy' | 'nodeCidr'>): ProxySettings {
  if (!proxy || (!proxy.http_proxy && !proxy.https_proxy)) return {};
  return {
    ...(proxy.http_proxy ? { httpProxy: proxy.http_proxy } : {}),
    ...(proxy.https_proxy ? { httpsProxy: proxy.https_proxy } : {}),
    noProxy: composeNoProxy({ ...noProxyParts, userNoProxy: proxy.no_proxy, nodeCidr: proxy.k8s_node_cidr }),
  };
}

/** The password of a proxy URL (to redact it from logs), if it has one. */
export function proxySecrets(proxy: ProxyInput | undefined): string[] {
  const out: string[] = [];
  for (const u of [proxy?.http_proxy, proxy?.https_proxy]) {
    if (!u) continue;
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/@]*)@/.exec(u);
    const userinfo = m?.[1];
    if (!userinfo) continue;
    const pw = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
    if (pw) {
      out.push(pw);
      try {
        const dec = decodeURIComponent(pw);
        if (dec !== pw) out.push(dec);
      } catch {
        /* not percent-encoded */
      }
    }
  }
  return out;
}
