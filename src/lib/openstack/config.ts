/**
 * Which cloud to talk to and how to authenticate: the rules of python-openstackclient (OSC).
 *
 *   const config = resolveCloudConfig(authOptionsFromFlags(flags));   // flags from `authFlags`
 *   const cloud = await openCloud(config, { debug });
 *
 * Precedence, highest first: explicit options (`--os-*` flags) > `OS_*` environment variables
 * (empty = unset; `OS_TENANT_NAME`/`OS_TENANT_ID` accepted; `OS_INSECURE` ignored as OSC does) >
 * the cloud selected with `--os-cloud`/`OS_CLOUD` in clouds.yaml, deep-merged with secure.yaml >
 * defaults. A clouds.yaml holding a single cloud is NOT used unless it is selected (OSC passes
 * `cloud=''`). Related options form a group (`project_name`/`project_id`, `username`/`user_id`,
 * the `*_domain_name`/`*_domain_id` pairs, `application_credential_id`/`_name`): the highest source
 * that sets any member of a group supplies the whole group, so `--os-project-name other` over a
 * clouds.yaml `project_id` selects `other` instead of silently keeping the file's id.
 *
 * Files: `OS_CLIENT_CONFIG_FILE`, then in `.`, `$XDG_CONFIG_HOME/openstack` (default
 * `~/.config/openstack`), `~/.config/openstack`, each of `$XDG_CONFIG_DIRS/openstack` (default
 * `/etc/xdg/openstack`) and `/etc/openstack` the first of `clouds.yaml`, `clouds.yml`,
 * `clouds.json`. `secure.yaml` is found the same way (`OS_CLIENT_SECURE_FILE` first).
 *
 * Errors are `CliError`s with exit code 4 (`ExitCode.auth`) and OSC's messages:
 * `Missing value auth-url required for auth plugin password`, `Cloud nope was not found.`.
 *
 * Over 400 lines: the precedence rules, the option groups and the clouds.yaml/secure.yaml search are one
 * algorithm (OSC's), kept together so it can be checked against OSC in one read.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CliError, ExitCode, errorMessage } from '../errors.js';

export type AuthType = 'password' | 'v3password' | 'token' | 'v3token' | 'v3applicationcredential';
export type EndpointInterface = 'public' | 'internal' | 'admin';

/** The explicit options (the `--os-*` flags). `undefined` or `''` = not given. */
export interface AuthOptions {
  cloud?: string;
  authType?: string;
  authUrl?: string;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainName?: string;
  domainId?: string;
  systemScope?: string;
  defaultDomain?: string;
  token?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  regionName?: string;
  interface?: string;
  identityApiVersion?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  /** `--insecure`: skip TLS verification (wins over a CA bundle). */
  insecure?: boolean;
}

/** Credentials and scope, ready to be turned into a Keystone v3 auth request. */
export interface AuthConfig {
  authUrl: string;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainName?: string;
  domainId?: string;
  systemScope?: string;
  token?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
}

export interface TlsConfig {
  /** CA bundle path (`~` expanded). */
  cacert?: string;
  /** Client certificate and key paths. */
  cert?: string;
  key?: string;
  /** Skip server certificate verification. */
  insecure: boolean;
}

export interface CloudConfig {
  /** The selected cloud entry, if any. */
  cloudName?: string;
  authType: AuthType;
  auth: AuthConfig;
  regionName?: string;
  interface: EndpointInterface;
  identityApiVersion: string;
  tls: TlsConfig;
  /** The clouds / secure files that were read (for messages and `--debug`). */
  configFile?: string;
  secureFile?: string;
}

export interface ResolveContext {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
}

// ------------------------------------------------------------------------------------------------
// The option table: option key, its clouds.yaml name (under `auth:` or at the cloud's top level),
// and its environment variables (the first non-empty one wins).

type OptKey = Exclude<keyof AuthOptions, 'cloud' | 'insecure'>;

interface OptSpec {
  key: OptKey;
  /** Name in clouds.yaml (snake_case) and its accepted aliases. */
  names: string[];
  /** Under `auth:` in clouds.yaml (top-level otherwise). */
  auth: boolean;
  env: string[];
}

function spec(key: OptKey, names: string[], auth: boolean, extraEnv: string[] = []): OptSpec {
  return { key, names, auth, env: [`OS_${names[0]!.toUpperCase()}`, ...extraEnv] };
}

const OPTS: OptSpec[] = [
  spec('authUrl', ['auth_url'], true),
  spec('username', ['username', 'user_name'], true),
  spec('userId', ['user_id'], true),
  spec('password', ['password'], true),
  spec('userDomainName', ['user_domain_name'], true),
  spec('userDomainId', ['user_domain_id'], true),
  spec('projectName', ['project_name', 'tenant_name'], true, ['OS_TENANT_NAME']),
  spec('projectId', ['project_id', 'tenant_id'], true, ['OS_TENANT_ID']),
  spec('projectDomainName', ['project_domain_name'], true),
  spec('projectDomainId', ['project_domain_id'], true),
  spec('domainName', ['domain_name'], true),
  spec('domainId', ['domain_id'], true),
  spec('systemScope', ['system_scope'], true),
  spec('defaultDomain', ['default_domain'], true),
  spec('token', ['token'], true),
  spec('applicationCredentialId', ['application_credential_id'], true),
  spec('applicationCredentialName', ['application_credential_name'], true),
  spec('applicationCredentialSecret', ['application_credential_secret'], true),
  spec('authType', ['auth_type'], false),
  spec('regionName', ['region_name'], false),
  spec('interface', ['interface', 'endpoint_type'], false, ['OS_ENDPOINT_TYPE']),
  spec('identityApiVersion', ['identity_api_version'], false),
  spec('cacert', ['cacert'], false),
  spec('cert', ['cert'], false),
  spec('key', ['key'], false),
];

/** Options that are taken together from the highest source that sets any of them. */
const GROUPS: OptKey[][] = [
  ['projectName', 'projectId'],
  ['username', 'userId'],
  ['userDomainName', 'userDomainId'],
  ['projectDomainName', 'projectDomainId'],
  ['domainName', 'domainId'],
  ['applicationCredentialId', 'applicationCredentialName'],
];

const AUTH_TYPES: readonly AuthType[] = ['password', 'v3password', 'token', 'v3token', 'v3applicationcredential'];

type Layer = Partial<Record<OptKey, string>>;

function authError(message: string, cause?: unknown): CliError {
  return new CliError(message, ExitCode.auth, cause === undefined ? undefined : { cause });
}

function nonEmpty(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  return s === undefined || s === '' ? undefined : s;
}

// ------------------------------------------------------------------------------------------------
// Files

/** The directories searched for clouds.yaml / secure.yaml, in order. */
export function configSearchDirs(ctx: ResolveContext = {}): string[] {
  const env = ctx.env ?? process.env;
  const home = ctx.home ?? homedir();
  const cwd = ctx.cwd ?? process.cwd();
  const userDir = join(home, '.config', 'openstack');
  const xdgHome = nonEmpty(env.XDG_CONFIG_HOME);
  const xdgDirs = (nonEmpty(env.XDG_CONFIG_DIRS) ?? '/etc/xdg').split(':').filter((d) => d !== '');
  const dirs = [cwd, xdgHome ? join(xdgHome, 'openstack') : userDir, userDir, ...xdgDirs.map((d) => join(d, 'openstack')), '/etc/openstack'];
  return dirs.filter((d, i) => dirs.indexOf(d) === i);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function findFile(base: 'clouds' | 'secure', override: string | undefined, ctx: ResolveContext): string | undefined {
  if (override && isFile(override)) return override;
  for (const dir of configSearchDirs(ctx)) {
    for (const ext of ['.yaml', '.yml', '.json']) {
      const p = join(dir, base + ext);
      if (isFile(p)) return p;
    }
  }
  return undefined;
}

/** The clouds.yaml that would be read (`OS_CLIENT_CONFIG_FILE` first), or undefined. */
export function findCloudsFile(ctx: ResolveContext = {}): string | undefined {
  return findFile('clouds', nonEmpty((ctx.env ?? process.env).OS_CLIENT_CONFIG_FILE), ctx);
}

/** The secure.yaml that would be read (`OS_CLIENT_SECURE_FILE` first), or undefined. */
export function findSecureFile(ctx: ResolveContext = {}): string | undefined {
  return findFile('secure', nonEmpty((ctx.env ?? process.env).OS_CLIENT_SECURE_FILE), ctx);
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readConfigFile(path: string): Json {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw authError(`Could not read ${path}: ${errorMessage(err)}`, err);
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw authError(`Could not read ${path}: expected a mapping with a "clouds" key`);
  return doc;
}

/** Deep merge: `over` wins; mappings are merged recursively, anything else is replaced. */
export function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** openstacksdk accepts `auth-url` as well as `auth_url`. */
function normalizeKeys(obj: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) out[k.replace(/-/g, '_')] = isRecord(v) ? normalizeKeys(v) : v;
  return out;
}

/** The names of the clouds defined in the clouds file (after merging secure.yaml). */
export function listClouds(ctx: ResolveContext = {}): string[] {
  const { clouds } = loadCloudsDocument(ctx);
  return Object.keys(clouds);
}

function loadCloudsDocument(ctx: ResolveContext): { clouds: Json; configFile?: string; secureFile?: string } {
  const configFile = findCloudsFile(ctx);
  const secureFile = findSecureFile(ctx);
  let doc: Json = configFile ? readConfigFile(configFile) : {};
  if (secureFile) doc = deepMerge(doc, readConfigFile(secureFile));
  const clouds = isRecord(doc.clouds) ? doc.clouds : {};
  return { clouds, configFile, secureFile };
}

// ------------------------------------------------------------------------------------------------
// Layers

function cloudLayer(entry: Json): { layer: Layer; insecure?: boolean } {
  const cloud = normalizeKeys(entry);
  const auth = isRecord(cloud.auth) ? cloud.auth : {};
  const layer: Layer = {};
  for (const s of OPTS) {
    for (const name of s.names) {
      // auth keys may also sit at the cloud's top level (openstacksdk moves them into auth)
      const v = s.auth ? nonEmpty(auth[name]) ?? nonEmpty(cloud[name]) : nonEmpty(cloud[name]);
      if (v !== undefined) {
        layer[s.key] = v;
        break;
      }
    }
  }
  if (layer.regionName === undefined && Array.isArray(cloud.regions) && cloud.regions.length > 0) {
    const r: unknown = cloud.regions[0];
    const name = isRecord(r) ? nonEmpty(r.name) : nonEmpty(r);
    if (name !== undefined) layer.regionName = name;
  }
  let insecure: boolean | undefined;
  if (cloud.verify === false || cloud.verify === 'false' || cloud.verify === 'False') insecure = true;
  if (cloud.insecure === true || cloud.insecure === 'true' || cloud.insecure === 'True') insecure = true;
  return insecure === undefined ? { layer } : { layer, insecure };
}

function envLayer(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {};
  for (const s of OPTS) {
    for (const name of s.env) {
      const v = nonEmpty(env[name]);
      if (v !== undefined) {
        layer[s.key] = v;
        break;
      }
    }
  }
  return layer;
}

function optionsLayer(opts: AuthOptions): Layer {
  const layer: Layer = {};
  for (const s of OPTS) {
    const v = nonEmpty(opts[s.key]);
    if (v !== undefined) layer[s.key] = v;
  }
  return layer;
}

/** Merge layers (highest first), honouring the option groups. */
function mergeLayers(layers: Layer[]): Layer {
  const out: Layer = {};
  const grouped = new Set(GROUPS.flat());
  for (const s of OPTS) {
    if (grouped.has(s.key)) continue;
    for (const l of layers) {
      if (l[s.key] !== undefined) {
        out[s.key] = l[s.key];
        break;
      }
    }
  }
  for (const group of GROUPS) {
    const l = layers.find((layer) => group.some((k) => layer[k] !== undefined));
    if (l) for (const k of group) if (l[k] !== undefined) out[k] = l[k];
  }
  return out;
}

function expandHome(p: string | undefined, home: string, cwd: string): string | undefined {
  if (p === undefined) return undefined;
  const expanded = p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
  return isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
}

function normalizeInterface(v: string | undefined): EndpointInterface {
  const i = (v ?? 'public').replace(/URL$/, '').toLowerCase();
  if (i === 'public' || i === 'internal' || i === 'admin') return i;
  throw authError(`Invalid interface ${v}: expected public, internal or admin`);
}

// ------------------------------------------------------------------------------------------------

/**
 * Resolve the cloud to use. Throws `CliError` (exit 4) for an unknown cloud, an unreadable
 * clouds file, an unknown auth type or a missing required value.
 */
export function resolveCloudConfig(opts: AuthOptions = {}, ctx: ResolveContext = {}): CloudConfig {
  const env = ctx.env ?? process.env;
  const home = ctx.home ?? homedir();
  const cwd = ctx.cwd ?? process.cwd();
  const cloudName = nonEmpty(opts.cloud) ?? nonEmpty(env.OS_CLOUD);

  const layers: Layer[] = [optionsLayer(opts), envLayer(env)];
  let insecure = opts.insecure === true;
  let configFile: string | undefined;
  let secureFile: string | undefined;
  if (cloudName !== undefined) {
    const doc = loadCloudsDocument({ env, home, cwd });
    configFile = doc.configFile;
    secureFile = doc.secureFile;
    const entry = doc.clouds[cloudName];
    if (!isRecord(entry)) throw authError(`Cloud ${cloudName} was not found.`);
    const c = cloudLayer(entry);
    layers.push(c.layer);
    if (!opts.insecure && c.insecure) insecure = true;
  }
  const o = mergeLayers(layers);

  // auth type: explicit, else from the arguments (OSC: token -> token, else password)
  let authType: AuthType;
  if (o.authType !== undefined) {
    const t = o.authType.toLowerCase().replace(/_/g, '');
    const found = AUTH_TYPES.find((a) => a === t || (t === 'applicationcredential' && a === 'v3applicationcredential'));
    if (!found) throw authError(`The plugin ${o.authType} could not be found`);
    authType = found;
  } else if (o.token !== undefined) authType = 'token';
  else if (o.applicationCredentialSecret !== undefined) authType = 'v3applicationcredential';
  else authType = 'password';

  const missing = (name: string): CliError => authError(`Missing value ${name} required for auth plugin ${authType}`);
  if (o.authUrl === undefined) throw missing('auth-url');

  const defaultDomain = o.defaultDomain;
  const auth: AuthConfig = { authUrl: o.authUrl };
  const copy = (keys: (keyof AuthConfig & OptKey)[]): void => {
    for (const k of keys) if (o[k] !== undefined) auth[k] = o[k];
  };

  if (authType === 'v3applicationcredential') {
    copy(['applicationCredentialId', 'applicationCredentialName', 'applicationCredentialSecret']);
    if (auth.applicationCredentialSecret === undefined) throw missing('application-credential-secret');
    if (auth.applicationCredentialId === undefined) {
      if (auth.applicationCredentialName === undefined) throw missing('application-credential-id');
      // a credential given by name needs its user (by id, or by name + domain)
      copy(['username', 'userId', 'userDomainName', 'userDomainId']);
      if (auth.username === undefined && auth.userId === undefined) throw missing('username');
      if (auth.username !== undefined && auth.userDomainId === undefined && auth.userDomainName === undefined) {
        auth.userDomainId = defaultDomain ?? 'default';
      }
    }
  } else {
    if (authType === 'token' || authType === 'v3token') {
      copy(['token']);
      if (auth.token === undefined) throw missing('token');
    } else {
      copy(['username', 'userId', 'password', 'userDomainName', 'userDomainId']);
      if (auth.username === undefined && auth.userId === undefined) throw missing('username');
      if (auth.password === undefined) throw missing('password');
      if (auth.username !== undefined && auth.userDomainId === undefined && auth.userDomainName === undefined) {
        auth.userDomainId = defaultDomain ?? 'default';
      }
    }
    copy(['projectName', 'projectId', 'projectDomainName', 'projectDomainId', 'domainName', 'domainId', 'systemScope']);
    const targets = [
      auth.projectId !== undefined || auth.projectName !== undefined,
      auth.domainId !== undefined || auth.domainName !== undefined,
      auth.systemScope !== undefined,
    ].filter(Boolean).length;
    if (targets > 1) {
      throw authError('Authentication cannot be scoped to multiple targets. Pick one of: project, domain, trust, system or unscoped');
    }
    if (auth.projectName !== undefined && auth.projectDomainId === undefined && auth.projectDomainName === undefined) {
      auth.projectDomainId = defaultDomain ?? 'default';
    }
  }

  const identityApiVersion = o.identityApiVersion ?? '3';
  if (!/^3(\.\d+)?$/.test(identityApiVersion)) {
    throw authError(`Identity API version ${identityApiVersion} is not supported: only version 3 is`);
  }

  const tls: TlsConfig = { insecure };
  const cacert = expandHome(o.cacert, home, cwd);
  const cert = expandHome(o.cert, home, cwd);
  const key = expandHome(o.key, home, cwd);
  if (cacert !== undefined) tls.cacert = cacert;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;

  const config: CloudConfig = {
    authType,
    auth,
    interface: normalizeInterface(o.interface),
    identityApiVersion,
    tls,
  };
  if (cloudName !== undefined) config.cloudName = cloudName;
  if (o.regionName !== undefined) config.regionName = o.regionName;
  if (configFile !== undefined) config.configFile = configFile;
  if (secureFile !== undefined) config.secureFile = secureFile;
  return config;
}
