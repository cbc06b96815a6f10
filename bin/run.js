#!/usr/bin/env node
// Runs the bundled CLI built by `npm run build` (scripts/build.mjs): dist/vnflcm.cjs, loaded with
// its V8 code cache. dist/ is its own oclif root (dist/package.json + oclif.manifest.json);
// bin/dev.js runs the sources instead. CommonJS (bin/package.json): an ES module entry would
// start Node's ES module loader for this one file, ~5 ms.
'use strict';
const { join } = require('node:path');
const { loadBundle } = require('./bundle-loader.js');

const dist = join(__dirname, '..', 'dist');
let bundle;
try {
  bundle = loadBundle(dist);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
  process.stderr.write(`vnflcm is not built (${err.path} is missing): run npm run build\n`);
  process.exit(1);
}
// Global options (--os-cloud, --debug, …) may come before the command, as with `openstack`.
bundle.execute({ dir: dist, args: bundle.reorder(process.argv.slice(2)) });
