/** vnflcm's state directory: the store, operation logs, token cache and kubeconfigs live under it. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where vnflcm keeps its state: `$VNFLCM_HOME`, else `$XDG_STATE_HOME/vnflcm`,
 * else `~/.local/state/vnflcm`.
 */
export function vnflcmHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VNFLCM_HOME) return env.VNFLCM_HOME;
  const xdg = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(xdg, 'vnflcm');
}
