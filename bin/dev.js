#!/usr/bin/env -S node --import tsx
// Runs the CLI from the TypeScript sources (no build step); for development only.
'use strict';
const { join } = require('node:path');
const { reorder } = require('../src/cli/argv.ts');

require('@oclif/core').execute({ args: reorder(process.argv.slice(2)), development: true, dir: join(__dirname, '..') });
