/** Where the shell scripts shipped with vnflcm (src/lib/remote/scripts, dist/scripts in the bundle) are on disk. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Local path of a script shipped in `src/lib/remote/scripts/` (e.g. `install-file.sh`).
 * Running from the sources (tsx) it is beside this module; from `dist/lib/remote/` the build must
 * copy the directory, else the source tree next to `dist/` is used.
 */
export function bundledScript(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`invalid script name: ${name}`);
  const candidates = [join(HERE, 'scripts', name), join(HERE, '..', '..', '..', 'src', 'lib', 'remote', 'scripts', name)];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`bundled remote script ${name} not found (looked in ${candidates.join(', ')})`);
}
