/**
 * Which state backend a command uses: `--state-url` (the global option sets VNFLCM_STATE_URL),
 * else `VNFLCM_STATE_URL`, else `state_url` in a `vnflcm.yaml` found next to clouds.yaml, else the
 * local file store. Also the one place that turns a connection string into text fit for messages.
 */
import { statSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';

export interface StateUrlChoice {
  url: string;
  /** Where it came from, for `vnflcm state status` and error messages. */
  source: string;
}

/** The state URL in effect, or undefined for the local file store. */
export async function resolveStateUrl(env: NodeJS.ProcessEnv = process.env): Promise<StateUrlChoice | undefined> {
  const fromEnv = env.VNFLCM_STATE_URL?.trim();
  if (fromEnv) return { url: fromEnv, source: 'VNFLCM_STATE_URL' };
  const file = findConfigFile(env);
  if (!file) return undefined;
  const [{ parse }, { z }] = await Promise.all([import('yaml'), import('zod')]);
  const schema = z.object({ state_url: z.string().min(1).optional() }).loose();
  const parsed = schema.safeParse(parse(readFileSync(file, 'utf8')) ?? {});
  if (!parsed.success) throw new CliError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  return parsed.data.state_url ? { url: parsed.data.state_url, source: file } : undefined;
}

/**
 * `vnflcm.yaml` (or .yml) in the directories clouds.yaml is searched in: the directory of
 * OS_CLIENT_CONFIG_FILE, `.`, `$XDG_CONFIG_HOME/openstack`, `~/.config/openstack`,
 * `$XDG_CONFIG_DIRS/openstack`, `/etc/openstack`. The same order as openstack/config.ts; not
 * imported from there because that module loads the YAML parser, which the file-store path of
 * `show` must not pay for when no such file exists.
 */
export function findConfigFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const userDir = join(homedir(), '.config', 'openstack');
  const xdgDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter((d) => d !== '');
  const dirs = [
    ...(env.OS_CLIENT_CONFIG_FILE ? [dirname(env.OS_CLIENT_CONFIG_FILE)] : []),
    process.cwd(),
    env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'openstack') : userDir,
    userDir,
    ...xdgDirs.map((d) => join(d, 'openstack')),
    '/etc/openstack',
  ];
  for (const dir of dirs.filter((d, i) => dirs.indexOf(d) === i)) {
    for (const name of ['vnflcm.yaml', 'vnflcm.yml']) {
      const p = join(dir, name);
      try {
        if (statSync(p).isFile()) return p;
      } catch {
        // not there
      }
    }
  }
  return undefined;
}

/** The URL with its password (and any password= parameter) replaced: safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(k)) u.searchParams.set(k, '****');
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':****@');
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
