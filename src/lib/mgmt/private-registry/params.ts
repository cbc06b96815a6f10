/**
 * The private-registry driver's view of `additionalParams.private_registry_installation_param`:
 * the typed parameters of the stored request (parsed once, by the schema, when the request was
 * given), named as the driver uses them. Nothing is checked here again.
 */
import { CliError, ExitCode } from '../../errors.js';
import type { InstantiateVnfRequest, PrivateRegistryInstallationParam } from '../../params/schema.js';

export const PARAM_KEY = 'private_registry_installation_param';

export interface ProxySettings {
  http?: string;
  https?: string;
  noProxy?: string;
}

export interface RegistryParams {
  sshCpName: string;
  username: string;
  password: string;
  /** Package-relative path of a `docker save` archive providing registry:latest. */
  imagePath?: string;
  /** Host port published for the registry (container port is 5000). */
  port: number;
  /** Undefined when no proxy value is set. */
  proxy?: ProxySettings;
}

export const DEFAULT_PORT = 5000;

/** The parameters of the request; a request of another kind of VNF has none. */
export function registryParams(request: InstantiateVnfRequest): RegistryParams {
  const p: PrivateRegistryInstallationParam | undefined = request.additionalParams[PARAM_KEY];
  if (!p) {
    throw new CliError(`The ${PARAM_KEY} in the additionalParams does not exist (the private registry driver needs it)`, ExitCode.invalidInput);
  }
  const proxy: ProxySettings = {
    ...(p.proxy?.http_proxy ? { http: p.proxy.http_proxy } : {}),
    ...(p.proxy?.https_proxy ? { https: p.proxy.https_proxy } : {}),
    ...(p.proxy?.no_proxy ? { noProxy: p.proxy.no_proxy } : {}),
  };
  return {
    sshCpName: p.ssh_cp_name,
    username: p.ssh_username,
    password: p.ssh_password,
    ...(p.image_path ? { imagePath: p.image_path } : {}),
    port: p.port_no,
    ...(Object.keys(proxy).length > 0 ? { proxy } : {}),
  };
}

/**
 * Strings to redact from logs and messages: the password of `user:password@` in proxy URLs
 * (as written and percent-decoded).
 */
export function proxySecrets(proxy: ProxySettings | undefined): string[] {
  const out: string[] = [];
  for (const url of [proxy?.http, proxy?.https]) {
    if (!url) continue;
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(url);
    const userinfo = m?.[1];
    if (!userinfo) continue;
    const colon = userinfo.indexOf(':');
    const pw = colon === -1 ? '' : userinfo.slice(colon + 1);
    if (!pw) continue;
    out.push(pw);
    try {
      const dec = decodeURIComponent(pw);
      if (dec !== pw) out.push(dec);
    } catch {
      /* not valid percent-encoding: the raw form is enough */
    }
  }
  return out;
}
