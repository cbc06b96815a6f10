#!/usr/bin/env -S node --import tsx
// Runs the CLI from the TypeScript sources (no build step); for development only.
import { execute } from '@oclif/core';
import { reorder } from '../src/cli/argv.ts';

await execute({ args: reorder(process.argv.slice(2)), development: true, dir: import.meta.url });
