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
'use strict';
const { readFileSync, realpathSync, renameSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

/** Runs vnflcm.cjs from the directory `dist` and returns its exports. */
function loadBundle(dist) {
  const file = join(dist, 'vnflcm.cjs');
  const cacheFile = `${file}.cache`;
  // V8 checks a cache against the source's length only: one older than the bundle is not used.
  let cachedData;
  try {
    if (statSync(cacheFile).mtimeMs >= statSync(file).mtimeMs) cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The file is pure ASCII and is the CommonJS wrapper function itself (scripts/build.mjs).
  const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  // Registered like any required module, so oclif's require() of the command table finds it
  // (under the real path, as require() resolves it, and under the given one for
  // --preserve-symlinks); required any other way the file would only define a function.
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dist);
  Module._cache[file] = mod;
  Module._cache[realpathSync(file)] = mod;
  // The lazily required chunks (dist/lazy-*.cjs) get a code cache of their own the same way.
  globalThis.__vnflcmRequireLazy = (name) => requireCached(join(dist, name));
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, dist);
  mod.loaded = true;
  if (process.env.VNFLCM_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }
  return mod.exports;
}

/**
 * require() of a lazily loaded chunk with a V8 code cache (`<file>.cache`, written by the build's
 * training runs like the bundle's): the PostgreSQL driver costs every command of the shared-state
 * backend its compile time otherwise. Without a cache file this is a plain compile.
 */
function requireCached(file) {
  const hit = Module._cache[file];
  if (hit) return hit.exports;
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    if (statSync(cacheFile).mtimeMs >= statSync(file).mtimeMs) cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(join(file, '..'));
  Module._cache[file] = mod;
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, join(file, '..'));
  mod.loaded = true;
  if (process.env.VNFLCM_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }
  return mod.exports;
}

module.exports = { loadBundle };
