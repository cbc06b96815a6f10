/**
 * Heat wait benchmark: how soon `HeatClient.waitForStack` notices that the real Heat of the test
 * environment finished a stack, and how many requests it sends while waiting.
 *
 *   node --import tsx bench/heat-wait.ts [--stacks 4] [--secs 3,7,12,20] [--poll MIN_MS,GROWTH,MAX_MS] [--json]
 *
 * Every stack is one `OS::Heat::TestResource` whose create takes `--secs` seconds (so the wait
 * has a known length and no VM is needed). The waiter starts at a random moment 0-2 s after the
 * request (so the phase between its polls and Heat's completion is random, as in real use; a
 * fixed phase would flatter one polling schedule or another). While it waits, a reference poller reads
 * the stack every 100 ms; the lag is the time from the reference poller's first COMPLETE to the
 * waiter's return (so it is exact to ~0.1 s plus one request). The same for the delete.
 * Targets: lag ≤ 2 s, ≤ 1 request/s on average over the wait. Needs the test environment
 * (test/env/env.sh; run under its lock). Prints one line per wait and a summary line
 * (`--json`: one JSON object instead). `--poll` overrides waitForStack's polling (e.g. the
 * former 500,1.5,2000) for a comparison.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { HeatClient, openCloud, resolveCloudConfig, type StackRef, type StackStatus } from '../src/lib/openstack/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}
const JSON_OUT = process.argv.includes('--json');
const SECS = arg('secs', '3,7,12,20')
  .split(',')
  .map(Number)
  .filter((x) => x > 0);
const STACKS = Number(arg('stacks', String(SECS.length)));
const POLL = arg('poll', '') ? arg('poll', '').split(',').map(Number) : [];
const pollOpts = POLL.length === 3 ? { pollMinMs: POLL[0], pollGrowth: POLL[1], pollMaxMs: POLL[2] } : {};

interface Facts {
  clouds_yaml: string;
  cloud_demo: string;
}

interface Wait {
  action: 'create' | 'delete';
  secs: number;
  /** Seconds from the reference poller's first terminal status to the waiter's return. */
  lag: number;
  requests: number;
  /** Seconds the waiter waited. */
  waited: number;
  perSecond: number;
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

function template(secs: number): Record<string, unknown> {
  return {
    heat_template_version: '2018-08-31',
    resources: {
      slow: { type: 'OS::Heat::TestResource', properties: { value: 'x', action_wait_secs: { create: secs, delete: Math.max(1, Math.round(secs / 2)) } } },
    },
  };
}

/** Poll every 100 ms until the stack reaches `expect` (or is gone, for a delete); the time it was first seen. */
async function reference(heat: HeatClient, ref: StackRef, expect: StackStatus, stop: { done: boolean }): Promise<number> {
  for (;;) {
    try {
      const s = await heat.getStack(ref);
      if (s.stack_status === expect) return Date.now();
    } catch (err) {
      if (expect === 'DELETE_COMPLETE') return Date.now();
      throw err;
    }
    if (stop.done) return NaN;
    await sleep(100);
  }
}

async function measure(heat: HeatClient, refHeat: HeatClient, ref: StackRef, action: 'create' | 'delete', secs: number): Promise<Wait> {
  const expect: StackStatus = action === 'create' ? 'CREATE_COMPLETE' : 'DELETE_COMPLETE';
  let requests = 0;
  const counted = Object.create(heat) as HeatClient;
  counted.getStack = (r) => {
    requests++;
    return heat.getStack(r);
  };
  const stop = { done: false };
  const truth = reference(refHeat, ref, expect, stop);
  await sleep(Math.random() * 2000);
  const t0 = Date.now();
  await counted.waitForStack(ref, { expect, timeoutMs: 10 * 60_000, ...pollOpts });
  const t1 = Date.now();
  stop.done = true;
  const seen = await truth;
  const waited = (t1 - t0) / 1000;
  return { action, secs, lag: (t1 - seen) / 1000, requests, waited, perSecond: requests / waited };
}

async function main(): Promise<void> {
  const facts = JSON.parse(await readFile('/srv/vnflcm-testenv/env.json', 'utf8')) as Facts;
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: facts.clouds_yaml };
  const cloud = await openCloud(resolveCloudConfig({ cloud: facts.cloud_demo }, { env }), { env });
  const refCloud = await openCloud(resolveCloudConfig({ cloud: facts.cloud_demo }, { env }), { env });
  const load0 = loadavg().map((x) => x.toFixed(1)).join(' ');
  const waits: Wait[] = [];
  const uniq = `vnflcm-bench-heat-${process.pid}`;
  try {
    for (let i = 0; i < STACKS; i++) {
      const secs = SECS[i % SECS.length] as number;
      const ref = await cloud.heat.createStack({ name: `${uniq}-${i}`, template: template(secs), disableRollback: true, timeoutMins: 10 });
      const c = await measure(cloud.heat, refCloud.heat, ref, 'create', secs);
      waits.push(c);
      await cloud.heat.deleteStack(ref);
      const d = await measure(cloud.heat, refCloud.heat, ref, 'delete', Math.max(1, Math.round(secs / 2)));
      waits.push(d);
      if (!JSON_OUT) {
        for (const w of [c, d]) {
          console.log(
            `${w.action} (${w.secs} s resource): noticed ${w.lag.toFixed(2)} s after Heat, ${w.requests} requests in ${w.waited.toFixed(1)} s = ${w.perSecond.toFixed(2)}/s`,
          );
        }
      }
    }
  } finally {
    cloud.session.close();
    refCloud.session.close();
  }
  const maxLag = Math.max(...waits.map((w) => w.lag));
  const meanLag = waits.reduce((a, w) => a + w.lag, 0) / waits.length;
  const totalReq = waits.reduce((a, w) => a + w.requests, 0);
  const totalSecs = waits.reduce((a, w) => a + w.waited, 0);
  const maxRate = Math.max(...waits.map((w) => w.perSecond));
  const summary = {
    bench: 'heat-wait',
    poll: POLL.length === 3 ? POLL.join(',') : 'default',
    waits,
    maxLagS: maxLag,
    meanLagS: meanLag,
    requestsPerSecond: totalReq / totalSecs,
    maxRequestsPerSecond: maxRate,
    targets: { lagS: 2, requestsPerSecond: 1 },
    met: maxLag <= 2 && totalReq / totalSecs <= 1,
    load: `${load0} → ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  };
  if (JSON_OUT) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(
    `heat-wait (polling ${summary.poll}): lag max ${maxLag.toFixed(2)} s, mean ${meanLag.toFixed(2)} s (target ≤ 2 s); ${summary.requestsPerSecond.toFixed(2)} requests/s over all waits, ` +
      `worst wait ${maxRate.toFixed(2)}/s (target ≤ 1/s); ${summary.met ? 'targets met' : 'TARGET MISSED'}; load average ${summary.load}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
