/**
 * The parsed values of the OpenStack auth options (OSC's `--os-*` global options) and their
 * translation into the explicit options of `resolveCloudConfig`. The oclif definitions of those
 * options are in src/cli/flags/openstack.ts: this layer does not know the CLI framework.
 */
import type { AuthOptions } from './config.js';

/** The parsed values of `authFlags` (a command's parsed flags satisfy this). */
export interface AuthFlagValues {
  'os-cloud'?: string;
  'os-auth-url'?: string;
  'os-auth-type'?: string;
  'os-username'?: string;
  'os-user-id'?: string;
  'os-password'?: string;
  'os-user-domain-name'?: string;
  'os-user-domain-id'?: string;
  'os-project-name'?: string;
  'os-project-id'?: string;
  'os-project-domain-name'?: string;
  'os-project-domain-id'?: string;
  'os-domain-name'?: string;
  'os-domain-id'?: string;
  'os-system-scope'?: string;
  'os-token'?: string;
  'os-application-credential-id'?: string;
  'os-application-credential-name'?: string;
  'os-application-credential-secret'?: string;
  'os-region-name'?: string;
  'os-interface'?: string;
  'os-cacert'?: string;
  'os-cert'?: string;
  'os-key'?: string;
  insecure?: boolean;
  debug?: boolean;
  /** Where `--debug` lines go: the CLI adds its stderr writer to the parsed flags (src/cli/base-command.ts). */
  debugLog?: (line: string) => void;
}

/** Turn parsed `authFlags` into the explicit options of `resolveCloudConfig`. */
export function authOptionsFromFlags(f: AuthFlagValues): AuthOptions {
  const o: AuthOptions = {
    cloud: f['os-cloud'],
    authUrl: f['os-auth-url'],
    authType: f['os-auth-type'],
    username: f['os-username'],
    userId: f['os-user-id'],
    password: f['os-password'],
    userDomainName: f['os-user-domain-name'],
    userDomainId: f['os-user-domain-id'],
    projectName: f['os-project-name'],
    projectId: f['os-project-id'],
    projectDomainName: f['os-project-domain-name'],
    projectDomainId: f['os-project-domain-id'],
    domainName: f['os-domain-name'],
    domainId: f['os-domain-id'],
    systemScope: f['os-system-scope'],
    token: f['os-token'],
    applicationCredentialId: f['os-application-credential-id'],
    applicationCredentialName: f['os-application-credential-name'],
    applicationCredentialSecret: f['os-application-credential-secret'],
    regionName: f['os-region-name'],
    interface: f['os-interface'],
    cacert: f['os-cacert'],
    cert: f['os-cert'],
    key: f['os-key'],
    insecure: f.insecure === true,
  };
  for (const k of Object.keys(o) as (keyof AuthOptions)[]) if (o[k] === undefined) delete o[k];
  return o;
}
