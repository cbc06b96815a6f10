/**
 * Run a command class in this process (python-openstackclient's test style): the data its `run()`
 * returns, what BaseCommand printed for it (through `terminal`), and the exit code it set. VNFLCM_HOME points at `home`
 * for the call. The spawned-process tests (helpers/cli.ts) stay for the real entry point.
 */
import { Config } from '@oclif/core';
import { terminal } from '../../src/cli/base-command.js';
import { ROOT } from './cli.js';
import { stateUrlOf } from './state.js';

let config: Promise<Config> | undefined;

export interface InProcessRun<T> {
  result: T;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A command class whose instances' `run()` resolves to `T`. */
interface CommandClass<T> {
  new (...args: never[]): { run(): Promise<T> };
  run(argv?: string[], opts?: Config): Promise<unknown>;
}

/** `result` is what `run()` returned; undefined when it failed (then `exitCode` and `stderr` say why). */
export async function runCommand<T>(cmd: CommandClass<T>, argv: string[], opts: { home: string }): Promise<InProcessRun<T>> {
  config ??= Config.load({ root: ROOT });
  const cfg = await config;
  const saved = { home: process.env.VNFLCM_HOME, stateUrl: process.env.VNFLCM_STATE_URL, noColor: process.env.NO_COLOR, exitCode: process.exitCode };
  const out: string[] = [];
  const err: string[] = [];
  const write = { ...terminal };
  process.env.VNFLCM_HOME = opts.home;
  // the pg pass of the test matrix: the home's own database
  const stateUrl = stateUrlOf(opts.home);
  if (stateUrl !== undefined) process.env.VNFLCM_STATE_URL = stateUrl;
  process.env.NO_COLOR = '1';
  process.exitCode = undefined;
  terminal.out = (text) => void out.push(text);
  terminal.err = (text) => void err.push(text);
  try {
    const result = (await cmd.run(argv, cfg)) as T;
    return { result, stdout: out.join(''), stderr: err.join(''), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    terminal.out = write.out;
    terminal.err = write.err;
    process.exitCode = saved.exitCode;
    if (saved.home === undefined) delete process.env.VNFLCM_HOME;
    else process.env.VNFLCM_HOME = saved.home;
    if (saved.stateUrl === undefined) delete process.env.VNFLCM_STATE_URL;
    else process.env.VNFLCM_STATE_URL = saved.stateUrl;
    if (saved.noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved.noColor;
  }
}
