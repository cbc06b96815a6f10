#!/usr/bin/env node
import { execute } from '@oclif/core';
import { reorder } from '../dist/cli/argv.js';

await execute({ dir: import.meta.url, args: reorder(process.argv.slice(2)) });
