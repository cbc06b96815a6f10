/**
 * The bundle's entry (dist/vnflcm.cjs, see scripts/build.mjs): oclif's `execute` and `Config`
 * (the build uses Config to write oclif's manifest), and the command table that oclif's explicit
 * strategy reads from the same file. Anything else bin/run.js needs before oclif starts is
 * exported from here too.
 */
export { Config, execute } from '@oclif/core';
export { COMMANDS } from './commands/index.js';
export { reorder } from './cli/argv.js';
export { default as notFound } from './cli/not-found.js';
