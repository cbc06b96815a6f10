/**
 * Start-up cost of the bundled CLI (bin/run.js → dist/), side by side with the real python client
 * in one run: `show ID -f json`, `list` and `--help`, wall time (median) and peak RSS (median of
 * the runs' peaks), runs interleaved (alternating which client goes first) so that the load of the
 * machine hits both alike. Targets (issue 11): wall ≤ 0.10 × and peak RSS ≤ 0.5 × the real
 * client's.
 *
 *   npm run bench                                   (= npm run build && this file)
 *   node --import tsx bench/startup.ts [--runs 7]   (needs a built dist/)
 *
 * The real client is Debian's python3-tackerclient (`openstack vnflcm`); when it is missing and
 * this runs as root it is installed with apt-get. Its `show` and `list` talk to a stand-in written
 * here: a Keystone v3 (version discovery, password token with a catalog) and Tacker's
 * GET /vnflcm/v1/vnf_instances[/{id}] on 127.0.0.1, answering the same instance vnflcm shows from
 * its store. Writes its section of bench/RESULTS.md (bench/report.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, writeSection } from './report.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const VNFD_ID = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';
const TARGET = { wall: 0.1, rss: 0.5 };

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(opts.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive integer, not ${opts.runs}`);

interface Sample {
  seconds: number;
  rssMiB: number;
  stdout: string;
}

const work = mkdtempSync(join(tmpdir(), 'vnflcm-bench-'));
let sampleNo = 0;

/** One run of argv under GNU time: wall seconds (spawn to exit), peak RSS, stdout. */
function once(argv: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const out = join(work, `time-${sampleNo++}.txt`);
  return new Promise((resolveP, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-o', out, '-f', '%M', ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim()}`));
      const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
      resolveP({ seconds, rssMiB: kib / 1024, stdout });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { env: env ?? process.env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

// --- the real client --------------------------------------------------------------------------

function ensureRealClient(): void {
  if (sh('openstack', ['vnflcm', '--help']).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('the real client is missing: apt-get install python3-tackerclient (as root), or run this as root');
  console.log('installing python3-tackerclient with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = sh('apt-get', ['install', '-y', '-q', 'python3-tackerclient'], env);
  if (r.status !== 0) {
    sh('apt-get', ['update', '-q'], env);
    r = sh('apt-get', ['install', '-y', '-q', 'python3-tackerclient'], env);
  }
  if (r.status !== 0 || sh('openstack', ['vnflcm', '--help']).status !== 0) throw new Error(`could not install python3-tackerclient:\n${r.out}`);
}

function debVersions(): string {
  const r = sh('dpkg-query', ['-W', '-f', '${Package} ${Version}, ', 'python3-tackerclient', 'python3-openstackclient']);
  return r.status === 0 ? r.out.replace(/, $/, '') : 'python3-tackerclient (version unknown)';
}

// --- the Keystone + Tacker stand-in -----------------------------------------------------------

/** What Tacker answers for an instance: built from the fields vnflcm itself shows for it. */
function tackerInstance(shown: Record<string, unknown>, base: string): Record<string, unknown> {
  const id = String(shown.ID);
  const href = (p: string): { href: string } => ({ href: `${base}/vnflcm/v1/vnf_instances/${id}${p}` });
  return {
    id,
    vnfInstanceName: shown['VNF Instance Name'],
    vnfInstanceDescription: shown['VNF Instance Description'] ?? null,
    vnfdId: shown['VNFD ID'],
    vnfProvider: shown['VNF Provider'],
    vnfProductName: shown['VNF Product Name'],
    vnfSoftwareVersion: shown['VNF Software Version'],
    vnfdVersion: shown['VNFD Version'],
    vnfPkgId: shown['VNF Package ID'],
    instantiationState: shown['Instantiation State'],
    _links: { self: href(''), instantiate: href('/instantiate') },
  };
}

function startStandIn(instance: () => Record<string, unknown>): Promise<{ url: string; close: () => void }> {
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') ?? '';
      const inst = instance();
      if (req.method === 'GET' && (path === '/v3' || path === '')) {
        return send(res, 200, {
          version: { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', links: [{ rel: 'self', href: `${base}/v3/` }], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }] },
        });
      }
      if (req.method === 'POST' && path === '/v3/auth/tokens') {
        const domain = { id: 'default', name: 'Default' };
        const now = Date.now();
        return send(
          res,
          201,
          {
            token: {
              methods: ['password'],
              user: { id: 'u-admin', name: 'admin', domain },
              project: { id: 'p-admin', name: 'admin', domain },
              roles: [{ id: 'r-admin', name: 'admin' }],
              issued_at: new Date(now).toISOString(),
              expires_at: new Date(now + 3600_000).toISOString(),
              catalog: [
                { id: 's-keystone', type: 'identity', name: 'keystone', endpoints: [{ id: 'e1', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: `${base}/v3` }] },
                { id: 's-tacker', type: 'nfv-orchestration', name: 'tacker', endpoints: [{ id: 'e2', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: `${base}/` }] },
              ],
            },
          },
          { 'X-Subject-Token': 'bench-token' },
        );
      }
      if (req.method === 'GET' && path === '/vnflcm/v1/vnf_instances') return send(res, 200, [inst]);
      if (req.method === 'GET' && path === `/vnflcm/v1/vnf_instances/${String(inst.id)}`) return send(res, 200, inst);
      send(res, 404, { status: 404, detail: `stand-in: no ${req.method} ${path}` });
    });
  });
  return new Promise((resolveP) =>
    server.listen(0, '127.0.0.1', () => resolveP({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() })),
  );
}

// --- the run ----------------------------------------------------------------------------------

interface Case {
  name: string;
  ours: string[];
  theirs: string[];
  /** Checks one output of each side (so that an error path is never what gets timed). */
  check: (ours: string, theirs: string) => void;
}

async function main(): Promise<void> {
  try {
    readFileSync(join(ROOT, 'dist', 'vnflcm.cjs'));
  } catch {
    throw new Error('dist/ is not built: npm run build (npm run bench does it)');
  }
  ensureRealClient();

  const home = join(work, 'home');
  const ourEnv: NodeJS.ProcessEnv = { ...process.env, VNFLCM_HOME: home, NO_COLOR: '1', COLUMNS: '120' };
  const setup = (args: string[]): string => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: ourEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vnflcm ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  setup(['package', 'add', join(ROOT, 'samples', 'private-registry-vnf-package')]);
  const id = setup(['create', VNFD_ID, '-f', 'value', '-c', 'ID']).trim();
  const shown = JSON.parse(setup(['show', id, '-f', 'json'])) as Record<string, unknown>;

  let base = '';
  const standIn = await startStandIn(() => tackerInstance(shown, base));
  base = standIn.url;
  const theirEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_') && !/^(https?|no)_proxy$/i.test(k)));
  Object.assign(theirEnv, {
    OS_AUTH_URL: `${base}/v3`,
    OS_AUTH_TYPE: 'password',
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: 'admin',
    OS_PASSWORD: 'secret',
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    COLUMNS: '120',
  });

  const node = process.execPath;
  const cases: Case[] = [
    {
      name: 'show ID -f json',
      ours: [node, BIN, 'show', id, '-f', 'json'],
      theirs: ['openstack', 'vnflcm', 'show', id, '-f', 'json'],
      check: (o, t) => {
        for (const out of [o, t]) if ((JSON.parse(out) as { ID?: string }).ID !== id) throw new Error(`show did not show ${id}: ${out}`);
      },
    },
    {
      name: 'list',
      ours: [node, BIN, 'list'],
      theirs: ['openstack', 'vnflcm', 'list'],
      check: (o, t) => {
        for (const out of [o, t]) if (!out.includes(id)) throw new Error(`list did not list ${id}: ${out}`);
      },
    },
    {
      name: '--help',
      ours: [node, BIN, '--help'],
      theirs: ['openstack', 'vnflcm', '--help'],
      check: (o, t) => {
        if (!o.includes('show') || !t.includes('vnflcm show')) throw new Error(`--help printed no commands:\n${o}\n${t}`);
      },
    },
  ];

  const loadBefore = machine();
  console.log(`${RUNS} runs each, interleaved; ${loadBefore}`);
  // Warm-up (file cache) and output checks.
  for (const c of cases) c.check((await once(c.ours, ourEnv)).stdout, (await once(c.theirs, theirEnv)).stdout);

  const samples = new Map(cases.map((c) => [c.name, { ours: [] as Sample[], theirs: [] as Sample[] }]));
  const floor = { node: [] as number[], nodePlain: [] as number[] };
  const plainEnv = { ...process.env };
  delete plainEnv.NODE_EXTRA_CA_CERTS;
  for (let r = 0; r < RUNS; r++) {
    for (const c of cases) {
      const s = samples.get(c.name) as { ours: Sample[]; theirs: Sample[] };
      if (r % 2 === 0) {
        s.ours.push(await once(c.ours, ourEnv));
        s.theirs.push(await once(c.theirs, theirEnv));
      } else {
        s.theirs.push(await once(c.theirs, theirEnv));
        s.ours.push(await once(c.ours, ourEnv));
      }
    }
    floor.node.push((await once([node, '-e', '0'], process.env)).seconds);
    if (process.env.NODE_EXTRA_CA_CERTS) floor.nodePlain.push((await once([node, '-e', '0'], plainEnv)).seconds);
  }
  standIn.close();

  const rows: string[] = [];
  let allMet = true;
  console.log('');
  for (const c of cases) {
    const s = samples.get(c.name) as { ours: Sample[]; theirs: Sample[] };
    const ow = median(s.ours.map((x) => x.seconds));
    const tw = median(s.theirs.map((x) => x.seconds));
    const orss = median(s.ours.map((x) => x.rssMiB));
    const trss = median(s.theirs.map((x) => x.rssMiB));
    const omax = Math.max(...s.ours.map((x) => x.rssMiB));
    const wr = ow / tw;
    const rr = orss / trss;
    const met = wr <= TARGET.wall && rr <= TARGET.rss;
    allMet &&= met;
    console.log(
      `${`vnflcm ${c.name}`.padEnd(26)} ${ow.toFixed(3)} s ${orss.toFixed(1)} MiB (max ${omax.toFixed(1)})   ` +
        `openstack vnflcm ${c.name}: ${tw.toFixed(3)} s ${trss.toFixed(1)} MiB   ` +
        `ratio wall ${wr.toFixed(3)} (≤ ${TARGET.wall}) RSS ${rr.toFixed(2)} (≤ ${TARGET.rss})  ${met ? 'met' : 'NOT MET'}`,
    );
    const spread = (xs: Sample[]): string => `${Math.min(...xs.map((x) => x.seconds)).toFixed(3)}–${Math.max(...xs.map((x) => x.seconds)).toFixed(3)}`;
    rows.push(
      `| \`node bin/run.js ${c.name}\` | ${ow.toFixed(3)} s (${spread(s.ours)}), ${orss.toFixed(1)} MiB (max ${omax.toFixed(1)}) | ` +
        `\`${c.theirs.join(' ').replace(id, 'ID')}\`: ${tw.toFixed(3)} s (${spread(s.theirs)}), ${trss.toFixed(1)} MiB | ${wr.toFixed(3)} | ${rr.toFixed(2)} | ${met ? 'met' : '**not met**'} |`,
    );
  }
  const fl = median(floor.node);
  const flPlain = floor.nodePlain.length ? median(floor.nodePlain) : undefined;
  console.log(`${'(node -e 0)'.padEnd(26)} ${fl.toFixed(3)} s: the floor any Node CLI pays here${flPlain !== undefined ? ` (${flPlain.toFixed(3)} s without NODE_EXTRA_CA_CERTS)` : ''}`);
  const loadAfter = machine();

  writeSection(
    'startup',
    `## Start-up: \`vnflcm\` against the real \`openstack vnflcm\`

Reproduce: \`npm run build && node --import tsx bench/startup.ts --runs ${RUNS}\` (\`npm run bench\` does the same with 7 runs).
Medians of ${RUNS} runs per command, interleaved with the real client in the same run; wall time from
spawn to exit, peak RSS from GNU time. Baseline: ${debVersions()}, whose \`show\` and \`list\`
talk to the bench's Keystone v3 + Tacker stand-in on 127.0.0.1 (answers in well under a millisecond);
vnflcm reads its local store. Targets (issue 11): wall ≤ ${TARGET.wall} ×, peak RSS ≤ ${TARGET.rss} × the real client's.

Machine at the start: ${loadBefore}.
At the end: ${loadAfter.replace(/.*load average ([\d. ]+),.*/, 'load average $1')}.

| command | vnflcm: median wall (min–max), median peak RSS | real client (baseline), same run | wall ratio | RSS ratio | targets |
|---|---|---|---|---|---|
${rows.join('\n')}

Floor: \`node -e 0\` takes ${fl.toFixed(3)} s on this machine${
      flPlain !== undefined ? `, of which ~${(fl - flPlain).toFixed(3)} s is \`NODE_EXTRA_CA_CERTS\` (set in this environment; ${flPlain.toFixed(3)} s without it)` : ''
    }.
`,
  );
  console.log(`\nwrote bench/RESULTS.md (section "startup"); targets ${allMet ? 'met' : 'NOT met'}`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
