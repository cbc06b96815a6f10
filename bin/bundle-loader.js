/**
 * Loads the CommonJS bundle dist/vnflcm.cjs with a V8 code cache (dist/vnflcm.cjs.cache, written
 * by `npm run build`), so that start-up skips parsing and compiling the code it runs: Node 20 has
 * no compile cache for modules (module.enableCompileCache() arrives in 22.1), so this does what
 * v8-compile-cache does, for one file. A cache made by another V8 version or with other V8 flags
 * is rejected by V8 and the bundle is simply compiled.
 *
 * With VNFLCM_WRITE_CODE_CACHE=1 (used by the build only) the cache is rewritten at exit with
 * everything compiled so far, so a few runs in a row train it with --help, list and show.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** Runs vnflcm.cjs from the directory `distUrl` (a file: URL) and returns its exports. */
export function loadBundle(distUrl) {
  const file = join(fileURLToPath(distUrl), 'vnflcm.cjs');
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(readFileSync(file, 'latin1'), {
    filename: file,
    cachedData,
  });
  // Registered like any required module, so oclif's require() of the command table finds it.
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  Module._cache[file] = mod;
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  if (process.env.VNFLCM_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }
  return mod.exports;
}
