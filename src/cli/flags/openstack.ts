/**
 * The OpenStack auth options every cloud-facing command shares (OSC's global options), as oclif flags.
 *
 *   static override flags = { ...authFlags, ... };
 *   const { flags } = await this.parse(MyCommand);
 *   const config = resolveCloudConfig(authOptionsFromFlags(flags));
 *
 * The flags carry no `env:` of their own: `OS_*` variables are read by `resolveCloudConfig`, which
 * applies OSC's precedence (flag > variable > clouds.yaml) and treats empty variables as unset.
 */
import { Flags } from '@oclif/core';

const helpGroup = 'OPENSTACK';

function opt(description: string) {
  return Flags.string({ description, helpGroup });
}

export const authFlags = {
  'os-cloud': opt('Cloud name in clouds.yaml (env: OS_CLOUD)'),
  'os-auth-url': opt('Authentication URL (env: OS_AUTH_URL)'),
  'os-auth-type': Flags.string({
    description: 'Authentication type (env: OS_AUTH_TYPE)',
    helpGroup,
    options: ['password', 'v3password', 'token', 'v3token', 'v3applicationcredential'],
  }),
  'os-username': opt('Username (env: OS_USERNAME)'),
  'os-user-id': opt('User ID (env: OS_USER_ID)'),
  'os-password': opt('User password (env: OS_PASSWORD)'),
  'os-user-domain-name': opt('Domain name of the user (env: OS_USER_DOMAIN_NAME)'),
  'os-user-domain-id': opt('Domain ID of the user (env: OS_USER_DOMAIN_ID)'),
  'os-project-name': opt('Project name to scope to (env: OS_PROJECT_NAME)'),
  'os-project-id': opt('Project ID to scope to (env: OS_PROJECT_ID)'),
  'os-project-domain-name': opt('Domain name containing the project (env: OS_PROJECT_DOMAIN_NAME)'),
  'os-project-domain-id': opt('Domain ID containing the project (env: OS_PROJECT_DOMAIN_ID)'),
  'os-domain-name': opt('Domain name to scope to (env: OS_DOMAIN_NAME)'),
  'os-domain-id': opt('Domain ID to scope to (env: OS_DOMAIN_ID)'),
  'os-system-scope': opt('Scope for system operations, e.g. "all" (env: OS_SYSTEM_SCOPE)'),
  'os-token': opt('Token to authenticate with (env: OS_TOKEN)'),
  'os-application-credential-id': opt('Application credential ID (env: OS_APPLICATION_CREDENTIAL_ID)'),
  'os-application-credential-name': opt('Application credential name (env: OS_APPLICATION_CREDENTIAL_NAME)'),
  'os-application-credential-secret': opt('Application credential secret (env: OS_APPLICATION_CREDENTIAL_SECRET)'),
  'os-region-name': opt('Region name (env: OS_REGION_NAME)'),
  'os-interface': Flags.string({
    description: 'Endpoint interface (env: OS_INTERFACE; default: public)',
    helpGroup,
    options: ['public', 'internal', 'admin', 'publicURL', 'internalURL', 'adminURL'],
  }),
  'os-cacert': opt('CA certificate bundle file (env: OS_CACERT)'),
  'os-cert': opt('Client certificate bundle file (env: OS_CERT)'),
  'os-key': opt('Client certificate key file (env: OS_KEY)'),
  insecure: Flags.boolean({ description: 'Disable server certificate verification', helpGroup, default: false }),
  debug: Flags.boolean({ description: 'Log every OpenStack request and response (secrets redacted)', helpGroup, default: false }),
};

/**
 * OSC's other global options. vnflcm accepts them so scripts written for `openstack vnflcm` run
 * unchanged: -q silences progress lines, --debug adds stack traces and request logs; --verbose,
 * --log-file, --timing, --os-beta-command and the API version options change nothing here.
 */
export const generalFlags = {
  verbose: Flags.boolean({ char: 'v', description: 'Accepted for compatibility with openstackclient (no effect)', helpGroup: 'GLOBAL' }),
  quiet: Flags.boolean({ char: 'q', description: 'No progress lines on stderr', helpGroup: 'GLOBAL', default: false }),
  'log-file': Flags.string({ description: 'Accepted for compatibility (operations always log to $VNFLCM_HOME/logs)', helpGroup: 'GLOBAL' }),
  timing: Flags.boolean({ description: 'Accepted for compatibility (no effect)', helpGroup: 'GLOBAL' }),
  verify: Flags.boolean({ description: 'Verify server certificates (the default)', helpGroup, exclusive: ['insecure'] }),
  'os-beta-command': Flags.boolean({ description: 'Accepted for compatibility (no effect)', helpGroup: 'GLOBAL' }),
  'os-tacker-api-version': opt('Tacker API version (env: OS_TACKER_API_VERSION); vnflcm prints API v1 output'),
  'os-identity-api-version': opt('Identity API version (env: OS_IDENTITY_API_VERSION); only 3 is supported'),
  'os-default-domain': opt('Default domain ID (env: OS_DEFAULT_DOMAIN)'),
  // vnflcm's own: the shared state database (BaseCommand hands it to Store.open via VNFLCM_STATE_URL)
  'state-url': Flags.string({ description: 'Shared state database, postgres://... (env: VNFLCM_STATE_URL; default: the local store)', helpGroup: 'GLOBAL' }),
};

/** A copy of `flags` that parses the same and is left out of `--help`. */
function hidden<T extends Record<string, { hidden?: boolean }>>(flags: T): T {
  const out = { ...flags };
  for (const k of Object.keys(out) as (keyof T)[]) out[k] = { ...out[k], hidden: true };
  return out;
}

/**
 * Every global option, accepted (and hidden from help) by every command: commands that need no
 * cloud ignore them. Cloud commands list `authFlags` themselves, which shows them in their help.
 */
export const globalFlags = hidden({ ...authFlags, ...generalFlags });

/** Names of the global options, left out of a command's argparse usage line as OSC does. */
export const GLOBAL_FLAG_NAMES: ReadonlySet<string> = new Set(Object.keys(globalFlags));
