/**
 * `npm run build`: bundles the CLI with esbuild into dist/, which bin/run.js loads.
 *
 *   vnflcm.cjs           one CommonJS bundle: oclif (src/main.ts re-exports what bin/run.js and
 *                        this build use), the command table (src/commands/index.ts) and the
 *                        library. Commands import their library code when they run; esbuild keeps
 *                        those modules unevaluated until then.
 *   vnflcm.cjs.cache     V8 code cache of the bundle, trained by running --help, list and show
 *                        (bin/bundle-loader.js): start-up then skips parsing and compiling.
 *   lazy-*.cjs           zod, yaml, yauzl, node-fetch, @inquirer/prompts, tar-stream, pg: each bundled
 *                        alone and required only when a command that uses it runs (see LAZY below)
 *   scripts/*            the remote scripts of src/**\/scripts/ (read at run time, see below)
 *   package.json         the root package.json with oclif's command target set to vnflcm.cjs
 *   oclif.manifest.json  every command's metadata, so oclif builds no command cache at start-up
 *
 * Why CommonJS and not ES modules split into chunks: Node 20 can cache compiled code only for
 * scripts (vm.Script cachedData), not for ES modules (module.enableCompileCache() is 22.1+);
 * measured on the show path, ES module chunks cost ~30 ms more (module compile, resolving each
 * chunk, compiling oclif's modules on first call). Keeping the manifest in dist/ (not the
 * repository root) means bin/dev.js, which runs the sources, never sees a stale one.
 *
 * Modules find their scripts with `join(dirname(import.meta.url), 'scripts', name)`; in the
 * bundle import.meta.url is the bundle's own URL, so every script is copied into dist/scripts/
 * (the build fails if two scripts share a name).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../bin/bundle-loader.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });

/**
 * Two changes to oclif's start-up path, made on its sources as they are bundled. The build fails
 * if an oclif upgrade changes either line, rather than silently dropping the change.
 * - It sorts the command list with String#localeCompare, the only Intl call on that path: ICU then
 *   maps ~3 MB of collation tables from the node binary into every run. For command ids
 *   (lowercase letters, '-' and ':') code-point order is the same order.
 * - Help passes every string it prints through ejs, which compiles each one into a new function
 *   (code no cache holds): ~20 of them for `--help`. Strings without an ejs tag are returned as
 *   they are, which is what ejs returns for them.
 */
const OCLIF_PATCHES = [
  {
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    from: '.sort((a, b) => a.id.localeCompare(b.id));',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));',
  },
  {
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]help[\\/]util\.js$/,
    from: 'return ejs_1.default.render(t, context);',
    to: "return t.includes('<%') || t.includes('%>') ? ejs_1.default.render(t, context) : t;",
  },
];
/**
 * One change to node-postgres (the lazily loaded lazy-pg.cjs): on load it asks whether it runs on
 * Cloudflare Workers by constructing a global `Response`, which makes Node 20 load undici, ~18 ms
 * of every shared-state command. vnflcm runs on Node only: the Node stream functions, directly.
 */
const PG_PATCHES = [
  {
    file: /[\\/]pg[\\/]lib[\\/]stream\.js$/,
    from: 'const { getStream, getSecureStream } = getStreamFuncs()',
    to: 'const { getStream, getSecureStream } = getNodejsStreamFuncs()',
  },
];
const pgPatches = {
  name: 'pg-start-up',
  setup(b) {
    for (const p of PG_PATCHES) {
      b.onLoad({ filter: p.file }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        if (!src.includes(p.from)) throw new Error(`${args.path}: "${p.from}" is not there any more`);
        return { contents: src.replace(p.from, p.to), loader: 'js' };
      });
    }
  },
};

const oclifPatches = {
  name: 'oclif-start-up',
  setup(b) {
    for (const p of OCLIF_PATCHES) {
      b.onLoad({ filter: p.file }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        if (!src.includes(p.from)) throw new Error(`${args.path}: "${p.from}" is not there any more`);
        return { contents: src.replace(p.from, p.to), loader: 'js' };
      });
    }
  },
};

/**
 * Heavy libraries only some commands use, each bundled into its own lazily required file
 * (dist/lazy-<name>.cjs): the main bundle requires it where the library is imported, and every
 * importing module is itself evaluated only when a command that needs it runs. Kept out of the
 * main bundle they cost `show`/`list`/`--help` nothing: not the bytes, not the code cache.
 *
 * An import of such a library resolves to a small generated ES module that requires the file and
 * re-exports its exports by name, default included. (Left as a plain external require, esbuild
 * would give `import fetch from 'node-fetch'` Node's CommonJS interop: the whole module object as
 * the default.)
 */
const LAZY = { zod: 'zod', yaml: 'yaml', yauzl: 'yauzl', 'node-fetch': 'node-fetch', '@inquirer/prompts': 'prompts', 'tar-stream': 'tar-stream', pg: 'pg' };
const { createRequire } = await import('node:module');
const requireFromDist = createRequire(join(DIST, 'x.cjs'));
const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    const names = Object.keys(LAZY).map((n) => n.replace(/[/]/g, '\\/'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'lazy' }));
    b.onResolve({ filter: /^\.\/lazy-[\w-]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => {
      const file = `./lazy-${LAZY[args.path]}.cjs`;
      const mod = requireFromDist(file);
      const named = Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule' && /^[A-Za-z_$][\w$]*$/.test(k));
      // bin/bundle-loader.js provides __vnflcmRequireLazy (a require with a code cache); the plain
      // require is for a bundle loaded some other way.
      const lines = [
        `const m = typeof __vnflcmRequireLazy === 'function' ? __vnflcmRequireLazy(${JSON.stringify(file.slice(2))}) : require(${JSON.stringify(file)});`,
        'export default m && m.__esModule ? m.default : m;',
      ];
      named.forEach((k, i) => lines.push(`const e${i} = m[${JSON.stringify(k)}];`));
      lines.push(`export { ${named.map((k, i) => `e${i} as ${k}`).join(', ')} };`);
      return { contents: lines.join('\n'), loader: 'js', resolveDir: DIST };
    });
  },
};

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // No import() left in the bundles: in a vm.Script it needs an experimental Node API.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
};

// A warning (e.g. an import.meta property that is empty in CommonJS) fails the build.
const strict = async (options) => {
  const r = await build(options);
  if (r.warnings.length > 0) throw new Error(`esbuild: ${r.warnings.length} warning(s), see above`);
};

await strict({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(LAZY).map(([pkg, name]) => [`lazy-${name}`, pkg])),
  // pg's optional native binding (pg.native) is never used: left a plain require that is never run.
  external: ['pg-native'],
  outdir: DIST,
  outExtension: { '.js': '.cjs' },
  plugins: [pgPatches],
});

await strict({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: join(DIST, 'vnflcm.cjs'),
  // Left in node_modules and required on first use: ssh2 loads an optional native addon;
  // typescript/ts-node/tsx are oclif's optional TypeScript support (development only, megabytes).
  external: ['ssh2', 'cpu-features', 'typescript', 'ts-node', 'tsx'],
  // Modules locate files beside themselves: in the bundle that is dist/.
  define: { 'import.meta.url': '__bundleUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
  // The file is the CommonJS wrapper function itself: bin/bundle-loader.js compiles it as is
  // (no second copy of the source for Module.wrap) and calls it like require() would.
  banner: { js: "(function(exports,require,module,__filename,__dirname){'use strict';var __bundleUrl=require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: '})' },
  plugins: [oclifPatches, lazyChunks],
});

// esbuild escapes non-ASCII in strings, templates and names but leaves regular-expression literals
// as written (ansis has a raw U+009B in one). \uXXXX means the same there, and a pure-ASCII file
// lets bin/bundle-loader.js read it as latin1: a one-byte string, no UTF-8 decoding.
{
  const file = join(DIST, 'vnflcm.cjs');
  const text = readFileSync(file, 'utf8').replace(/[^ -~\t\n\r]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(file, text, 'latin1');
}

// Remote scripts, flattened into dist/scripts/.
const scripts = new Map();
function collect(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p);
    else if (basename(dirname(p)) === 'scripts') {
      const prev = scripts.get(e.name);
      if (prev) throw new Error(`two remote scripts named ${e.name}: ${relative(ROOT, prev)} and ${relative(ROOT, p)}`);
      scripts.set(e.name, p);
    }
  }
}
collect(SRC);
mkdirSync(join(DIST, 'scripts'));
for (const [name, p] of scripts) copyFileSync(p, join(DIST, 'scripts', name));

// dist/package.json: the oclif root bin/run.js starts from.
const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const distPjson = {
  name: pjson.name,
  version: pjson.version,
  description: pjson.description, // the first line of `vnflcm --help`
  license: pjson.license,
  private: true,
  type: 'commonjs',
  oclif: {
    ...pjson.oclif,
    commands: { ...pjson.oclif.commands, target: './vnflcm.cjs' },
    // The bundle holds the hooks too (src/main.ts exports them by name).
    hooks: { command_not_found: { target: './vnflcm.cjs', identifier: 'notFound' } },
  },
};
writeFileSync(join(DIST, 'package.json'), `${JSON.stringify(distPjson, null, 2)}\n`);

// oclif.manifest.json: with no manifest yet oclif computes it from the bundled commands; store it.
const { Config } = loadBundle(DIST);
const config = await Config.load(DIST);
const root = config.getPluginsList().find((p) => p.isRoot);
if (!root || root.root !== DIST) throw new Error('oclif did not load dist/ as its root');
writeFileSync(join(DIST, 'oclif.manifest.json'), `${JSON.stringify(root.manifest)}\n`);

// Train the code cache on the start-up paths the benchmarks time: --help, list and show of a real
// instance. Each training run loads the cache of the previous one and adds what it compiled; the
// setup runs before them write no cache.
const home = mkdtempSync(join(tmpdir(), 'vnflcm-build-'));
try {
  const run = (args, train) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
      env: { ...process.env, VNFLCM_HOME: home, VNFLCM_STATE_URL: '', NO_COLOR: '1', VNFLCM_WRITE_CODE_CACHE: train ? '1' : '' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.status !== 0) throw new Error(`build: vnflcm ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  run(['package', 'add', join(ROOT, 'samples', 'private-registry-vnf-package')], false);
  const id = run(['create', 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f', '-f', 'value', '-c', 'ID'], false);
  for (const args of [['--help'], ['list'], ['list', '-f', 'json'], ['show', id], ['show', id, '-f', 'json']]) run(args, true);
  // The shared-state path up to connecting (to a closed port: it fails, which is all it needs to
  // compile the PostgreSQL driver's start-up code into dist/lazy-pg.cjs.cache).
  spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), 'list'], {
    env: { ...process.env, VNFLCM_HOME: home, VNFLCM_STATE_URL: 'postgres://vnflcm@127.0.0.1:1/vnflcm', NO_COLOR: '1', VNFLCM_WRITE_CODE_CACHE: '1' },
    stdio: 'ignore',
  });
} finally {
  rmSync(home, { recursive: true, force: true });
}
console.log(`dist/: ${Object.keys(root.manifest.commands).length} commands, ${scripts.size} remote scripts`);
