#!/usr/bin/env node
// Runs the bundled CLI built by `npm run build` (scripts/build.mjs): dist/vnflcm.cjs, loaded with
// its V8 code cache. dist/ is its own oclif root (dist/package.json + oclif.manifest.json);
// bin/dev.js runs the sources instead.
import { loadBundle } from './bundle-loader.js';

const dist = new URL('../dist/', import.meta.url);
const { execute } = loadBundle(dist);
await execute({ dir: dist.href });
