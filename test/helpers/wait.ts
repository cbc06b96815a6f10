// Waiting in tests without racing the clock: poll a condition until it holds, with an upper
// bound that only turns a hang into a clear failure (it is never what makes a test pass).
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `check` until it returns something other than undefined/false and returns that value.
 * Throws after `boundMs` naming `what`, with the last value seen by `describe` if given.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { boundMs?: number; pollMs?: number; describe?: () => string } = {},
): Promise<T> {
  const bound = opts.boundMs ?? 30_000;
  const poll = opts.pollMs ?? 100;
  const deadline = Date.now() + bound;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) {
      throw new Error(`still waiting for ${what} after ${bound / 1000} s${opts.describe ? `: ${opts.describe()}` : ''}`);
    }
    await sleep(poll);
  }
}
