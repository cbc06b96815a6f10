#!/usr/bin/env -S node --import tsx
// Runs the CLI from the TypeScript sources (no build step); for development only.
'use strict';
const { join } = require('node:path');

require('@oclif/core').execute({ development: true, dir: join(__dirname, '..') });
