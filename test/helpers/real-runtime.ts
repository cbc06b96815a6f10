/**
 * A private, real containerd and dockerd (Debian's packages, installed by `test/env/env.sh install`)
 * that see a node's rendered files at their real paths (/etc/containerd/..., /etc/docker/...,
 * /etc/hosts, /var/lib/kubelet/config.json) without touching the machine's own /etc: a holder
 * process owns a private mount namespace in which /etc and /var/lib are overlays whose upper
 * layers hold the files; the daemons join that namespace. Their state, sockets and logs live in
 * one temp dir; every process gets SIGKILL if the test process dies (setpriv --pdeathsig), and
 * `stop()` ends them and removes the dir. The daemons run in the root network namespace, which
 * routes to the test environment's registries (10.250.0.0/24 bridge).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ROOT } from './cli.js';
import type { NodeFile } from './node-files.js';
import { waitUntil } from './wait.js';

/** Debian's binaries (the docker CLI by full path: another one may sit earlier in PATH). */
export const BINARIES = {
  containerd: '/usr/bin/containerd',
  ctr: '/usr/bin/ctr',
  dockerd: '/usr/sbin/dockerd',
  docker: '/usr/bin/docker',
} as const;

/** The directories overlaid in the private namespace; every rendered file must sit below one. */
const OVERLAID = ['/etc', '/var/lib'] as const;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CriAuth {
  username?: string;
  password?: string;
  server_address?: string;
}

export interface CriImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
}

export interface RealRuntimes {
  dir: string;
  containerdSocket: string;
  dockerSocket: string;
  /** Run argv inside the private mount namespace (sees the rendered files at their real paths). */
  nsExec(argv: string[], opts?: { input?: string }): Promise<ExecResult>;
  /** Debian's docker CLI against the private dockerd (own DOCKER_CONFIG). */
  docker(args: string[], opts?: { input?: string }): Promise<ExecResult>;
  /** Debian's ctr against the private containerd. */
  ctr(args: string[]): Promise<ExecResult>;
  /** CRI ImageService.PullImage, as kubelet calls it. Rejects with the runtime's error. */
  criPull(image: string, auth?: CriAuth): Promise<string>;
  /** CRI ImageService.ImageStatus (undefined when the runtime does not have the image). */
  criImageStatus(image: string): Promise<CriImage | undefined>;
  /** SIGHUP to dockerd: it reloads daemon.json (insecure-registries among others). */
  reloadDocker(): void;
  /** The daemons' logs so far (for failure messages). */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Start dockerd too (default true). */
  docker?: boolean;
  /** Upper bound for each daemon to answer (default 60 s; a busy 2-core machine is slow). */
  readyMs?: number;
}

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  done: boolean;
}

function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined); // a command that exits without reading its input
      child.stdin?.end(opts.input);
    }
  });
}

/** Which overlaid directory holds `path` (throws for a path outside them). */
function overlayOf(path: string): (typeof OVERLAID)[number] {
  const top = OVERLAID.find((d) => path.startsWith(`${d}/`));
  if (!top) throw new Error(`real-runtime: ${path} is outside ${OVERLAID.join(', ')}`);
  return top;
}

function upperName(top: string): string {
  return top.slice(1).replace(/\//g, '-');
}

const CRI_PROTO = join(ROOT, 'test', 'fixtures', 'cri', 'runtime-v1-images.proto');

type Unary<Req, Res> = (req: Req, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;

/** A client made from the proto file: its methods are looked up by name. */
type CriClient = InstanceType<grpc.ServiceClientConstructor>;

interface CriClients {
  images: CriClient;
  runtime: CriClient;
}

function criClients(socket: string): CriClients {
  const def = protoLoader.loadSync(CRI_PROTO, { keepCase: true, longs: String, defaults: true });
  const v1 = (grpc.loadPackageDefinition(def).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const ImageService = v1.ImageService as grpc.ServiceClientConstructor;
  const RuntimeService = v1.RuntimeService as grpc.ServiceClientConstructor;
  const creds = grpc.credentials.createInsecure();
  return { images: new ImageService(`unix://${socket}`, creds), runtime: new RuntimeService(`unix://${socket}`, creds) };
}

/** One unary call of a method the proto file above declares. */
function call<Req, Res>(client: CriClient, method: string, req: Req, timeoutMs: number): Promise<Res> {
  const fn = client[method];
  if (typeof fn !== 'function') throw new Error(`CRI client has no method ${method}`);
  const unary = fn as Unary<Req, Res>;
  return new Promise((resolveCall, reject) => {
    unary.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(err);
      else resolveCall(res as Res);
    });
  });
}

/** GET /_ping on dockerd's socket answers OK. */
function dockerPing(socket: string): Promise<boolean> {
  return new Promise((resolvePing) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolvePing(res.statusCode === 200 && body === 'OK'));
    });
    req.on('error', () => resolvePing(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export function missingBinaries(): string[] {
  return Object.values(BINARIES).filter((b) => !existsSync(b));
}

/** Start the namespace holder, containerd and (by default) dockerd with `files` in place. */
export async function startRealRuntimes(files: ReadonlyMap<string, NodeFile>, opts: RuntimeOptions = {}): Promise<RealRuntimes> {
  const missing = missingBinaries();
  if (missing.length > 0) throw new Error(`real-runtime: ${missing.join(', ')} missing; run test/env/env.sh install`);
  const readyMs = opts.readyMs ?? 60_000;
  const dir = await mkdtemp(join(tmpdir(), 'vnflcm-rr-'));
  const procs: Proc[] = [];
  const logFiles: string[] = [];
  const containerdSocket = join(dir, 'containerd.sock');
  const dockerSocket = join(dir, 'docker.sock');
  const dockerConfig = join(dir, 'docker-config');
  let clients: CriClients | undefined;

  const spawnLogged = (name: string, args: string[]): Proc => {
    const log = join(dir, `${name}.log`);
    logFiles.push(log);
    const out = createWriteStream(log);
    // setpriv: the daemon gets SIGKILL if this test process dies before stop().
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    const p: Proc = { name, child, done: false, exited: Promise.resolve() };
    p.exited = new Promise((resolveExit) => {
      child.on('close', () => {
        p.done = true;
        out.end();
        resolveExit();
      });
      child.on('error', () => {
        p.done = true;
        resolveExit();
      });
    });
    procs.push(p);
    return p;
  };

  const stopProc = async (p: Proc): Promise<void> => {
    if (p.done) return;
    p.child.kill('SIGTERM');
    const killer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
    await p.exited;
    clearTimeout(killer);
  };

  const logs = async (): Promise<string> => {
    const parts: string[] = [];
    for (const f of logFiles) parts.push(`--- ${f}\n${(await readFile(f, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n')}`);
    return parts.join('\n');
  };

  const stop = async (): Promise<void> => {
    clients?.images.close();
    clients?.runtime.close();
    for (const p of [...procs].reverse()) await stopProc(p);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // Upper layers: the rendered files at their paths relative to the overlaid directory.
    for (const top of OVERLAID) {
      await mkdir(join(dir, 'upper', upperName(top)), { recursive: true });
      await mkdir(join(dir, 'work', upperName(top)), { recursive: true });
    }
    for (const [path, f] of files) {
      const top = overlayOf(path);
      const dest = join(dir, 'upper', upperName(top), relative(top, path));
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, f.content, { mode: f.mode });
      await chmod(dest, f.mode);
    }
    // The holder mounts the overlays in its own mount namespace, says so, and waits to be killed.
    const mountArgs = OVERLAID.flatMap((top) => [top, join(dir, 'upper', upperName(top)), join(dir, 'work', upperName(top))]);
    const holder = spawnLogged('holder', [
      'unshare', '--mount', '--propagation', 'private', '--',
      'sh', '-c',
      'set -e; while [ $# -gt 0 ]; do mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$1"; shift 3; done; ' +
        'echo mounted > "$0"; exec sleep infinity',
      join(dir, 'holder.ready'), ...mountArgs,
    ]);
    await waitUntil(
      'the namespace holder to mount the overlays',
      async () => {
        if (holder.done) throw new Error(`holder exited: ${await logs()}`);
        return existsSync(join(dir, 'holder.ready'));
      },
      { boundMs: readyMs },
    );
    const pid = String(holder.child.pid);
    const inNs = (argv: string[]): string[] => ['nsenter', '-t', pid, '-m', '--', ...argv];

    await mkdir(join(dir, 'containerd'), { recursive: true });
    const containerd = spawnLogged('containerd', inNs([
      BINARIES.containerd, '--config', '/etc/containerd/config.toml',
      '--root', join(dir, 'containerd', 'root'), '--state', join(dir, 'containerd', 'state'), '--address', containerdSocket,
    ]));
    clients = criClients(containerdSocket);
    const cri = clients;
    await waitUntil('containerd to answer CRI Version', async () => {
      if (containerd.done) throw new Error(`containerd exited: ${await logs()}`);
      if (!existsSync(containerdSocket)) return false;
      return call<{ version: string }, { runtime_name: string }>(cri.runtime, 'Version', { version: 'v1' }, 2000).then((v) => v.runtime_name === 'containerd', () => false);
    }, { boundMs: readyMs, describe: () => containerdSocket });

    if (opts.docker ?? true) {
      await mkdir(dockerConfig, { recursive: true, mode: 0o700 });
      const dockerd = spawnLogged('dockerd', inNs([
        BINARIES.dockerd, '--config-file', '/etc/docker/daemon.json',
        '--host', `unix://${dockerSocket}`, '--containerd', containerdSocket,
        '--data-root', join(dir, 'docker', 'root'), '--exec-root', join(dir, 'docker', 'exec'), '--pidfile', join(dir, 'docker', 'docker.pid'),
        // No networking of its own: it only pulls, and must not touch the host's iptables or bridges.
        '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--storage-driver', 'vfs',
      ]));
      await waitUntil('dockerd to answer /_ping', async () => {
        if (dockerd.done) throw new Error(`dockerd exited: ${await logs()}`);
        return existsSync(dockerSocket) && dockerPing(dockerSocket);
      }, { boundMs: readyMs, describe: () => dockerSocket });
    }

    return {
      dir,
      containerdSocket,
      dockerSocket,
      nsExec: (argv, o = {}) => run(inNs(argv)[0] as string, inNs(argv).slice(1), o),
      docker: (args, o = {}) => run(BINARIES.docker, args, { ...o, env: { DOCKER_HOST: `unix://${dockerSocket}`, DOCKER_CONFIG: dockerConfig } }),
      ctr: (args) => run(BINARIES.ctr, ['--address', containerdSocket, ...args]),
      criPull: async (image, auth) => (await call<object, { image_ref: string }>(cri.images, 'PullImage', { image: { image }, ...(auth ? { auth } : {}) }, 120_000)).image_ref,
      criImageStatus: async (image) => (await call<object, { image?: CriImage | null }>(cri.images, 'ImageStatus', { image: { image } }, 30_000)).image ?? undefined,
      reloadDocker: () => {
        const d = procs.find((p) => p.name === 'dockerd');
        if (!d || d.done) throw new Error('dockerd is not running');
        d.child.kill('SIGHUP');
      },
      logs,
      stop,
    };
  } catch (err) {
    const detail = await logs();
    await stop();
    throw new Error(`${(err as Error).message}\n${detail}`);
  }
}
