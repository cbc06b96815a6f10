/**
 * Pure pieces of the private-registry driver: the config files it writes (always rendered whole,
 * so "is it already right?" is a byte comparison), the proxy environment, and OS detection.
 */
import type { ProxySettings } from './params.js';

export const APT_PROXY_PATH = '/etc/apt/apt.conf.d/95vnflcm-proxy';
export const DOCKER_PROXY_PATH = '/etc/systemd/system/docker.service.d/http-proxy.conf';

const HEADER = 'Written by vnflcm (private registry driver); rewritten whole on every run.';

/** `/etc/apt/apt.conf.d/95vnflcm-proxy`, or undefined when neither http_proxy nor https_proxy is set. */
export function renderAptProxy(proxy: ProxySettings | undefined): string | undefined {
  if (!proxy?.http && !proxy?.https) return undefined;
  const lines = [`// ${HEADER}`];
  if (proxy.http) lines.push(`Acquire::http::Proxy "${proxy.http}";`);
  if (proxy.https) lines.push(`Acquire::https::Proxy "${proxy.https}";`);
  return `${lines.join('\n')}\n`;
}

/**
 * A value inside a double-quoted systemd `Environment=` assignment: `%` starts a specifier in unit
 * files, so it is doubled; `"` and `\` would need C escapes (the param schema refuses them, this escapes
 * them anyway so the function is safe on its own).
 */
export function systemdQuoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** Docker's proxy drop-in, or undefined when no proxy value is set. */
export function renderDockerProxy(proxy: ProxySettings | undefined): string | undefined {
  if (!proxy?.http && !proxy?.https && !proxy?.noProxy) return undefined;
  const lines = [`# ${HEADER}`, '[Service]'];
  if (proxy.http) lines.push(`Environment=${systemdQuoted(`HTTP_PROXY=${proxy.http}`)}`);
  if (proxy.https) lines.push(`Environment=${systemdQuoted(`HTTPS_PROXY=${proxy.https}`)}`);
  if (proxy.noProxy) lines.push(`Environment=${systemdQuoted(`NO_PROXY=${proxy.noProxy}`)}`);
  return `${lines.join('\n')}\n`;
}

/** Environment for apt-get / docker pull (given through the engine's env file, never shell text). */
export function proxyEnv(proxy: ProxySettings | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (proxy?.http) env.http_proxy = env.HTTP_PROXY = proxy.http;
  if (proxy?.https) env.https_proxy = env.HTTPS_PROXY = proxy.https;
  if (proxy?.noProxy) env.no_proxy = env.NO_PROXY = proxy.noProxy;
  return env;
}

// ---------------------------------------------------------------------------------------------
// OS detection

export interface OsInfo {
  /** `ID` of os-release (lower case), e.g. `ubuntu`. */
  id: string;
  /** `VERSION_ID`, e.g. `22.04`. */
  versionId: string;
  /** `PRETTY_NAME` (or NAME + VERSION), for messages. */
  prettyName: string;
  /** `uname -m`. */
  arch: string;
}

export const SUPPORTED_UBUNTU = ['20.04', '22.04', '24.04'] as const;
export const SUPPORTED_ARCH = ['x86_64', 'aarch64'] as const;

/** os-release(5): `KEY=value` lines, values optionally in single or double quotes (with `\` escapes in double quotes). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let v = m[2] ?? '';
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(["\\`$])/g, '$1');
    else if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

export function detectOs(osRelease: string, unameM: string): OsInfo {
  const f = parseOsRelease(osRelease);
  const id = (f.ID ?? '').toLowerCase();
  const versionId = f.VERSION_ID ?? '';
  const prettyName = f.PRETTY_NAME || [f.NAME, f.VERSION].filter(Boolean).join(' ') || (id ? `${id} ${versionId}`.trim() : 'an unknown OS');
  return { id, versionId, prettyName, arch: unameM.trim() };
}

/** Undefined when supported, else the reason (naming what was found). */
export function unsupportedReason(os: OsInfo): string | undefined {
  const okOs = os.id === 'ubuntu' && (SUPPORTED_UBUNTU as readonly string[]).includes(os.versionId);
  const okArch = (SUPPORTED_ARCH as readonly string[]).includes(os.arch);
  if (okOs && okArch) return undefined;
  const found = `${os.prettyName} (ID=${os.id || '?'}, VERSION_ID=${os.versionId || '?'}) on ${os.arch || 'an unknown architecture'}`;
  return (
    `the private registry driver supports Ubuntu ${SUPPORTED_UBUNTU.join(', ')} on ${SUPPORTED_ARCH.join(' or ')}; ` +
    `found ${found}`
  );
}

export function osLabel(os: OsInfo): string {
  return `${os.id === 'ubuntu' ? 'Ubuntu' : os.id} ${os.versionId} ${os.arch}`;
}
