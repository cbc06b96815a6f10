// End-to-end tests of the remote-execution layer (src/lib/remote) against test-bed VMs with a
// real sshd (test/env/env.sh vm ...). Needs root. VMs: t-ssh-e1/e2/e3 at 10.250.0.30-32, taken
// down at the end.
//
//   node --import tsx --test test/e2e/remote-ssh.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connect, type ConnectOptions, type RetryInfo } from '../../src/lib/remote/connect.js';
import { HostKeyChangedError, RemoteCommandError, RemoteError, RemoteTimeoutError } from '../../src/lib/remote/errors.js';
import type { RemoteHost, UploadProgress } from '../../src/lib/remote/host.js';
import { MemoryHostKeyStore } from '../../src/lib/remote/hostkeys.js';
import { OperationLog } from '../../src/lib/remote/log.js';
import { bundledScript } from '../../src/lib/remote/scripts.js';
import { ExitCode } from '../../src/lib/errors.js';
import { waitUntil } from '../helpers/wait.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENV_SH = join(ROOT, 'test/env/env.sh');
const VM_SH = join(ROOT, 'test/env/testbed/vm.sh');
const IS_ROOT = process.getuid?.() === 0;
const CAN_RUN = IS_ROOT && (existsSync(ENV_SH) || existsSync(VM_SH));
const SKIP = CAN_RUN ? false : 'needs root and test/env (env.sh vm / testbed/vm.sh)';

/** A password that would break any code pasting it into shell text, and is easy to grep for. */
const PW = `t-ssh-PW'"$(touch /tmp/t-ssh-pw-pwned)\`id\`;x`;
const E1 = { name: 't-ssh-e1', ip: '10.250.0.30' };
const E2 = { name: 't-ssh-e2', ip: '10.250.0.31' };
const E3 = { name: 't-ssh-e3', ip: '10.250.0.32' };
const MARKER = '/tmp/t-ssh-pwned';
const HOSTILE = [
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `; touch ${MARKER}`,
  `&& touch ${MARKER}`,
  `| touch ${MARKER}`,
  `\ntouch ${MARKER}\n`,
  `'; touch ${MARKER}; '`,
  `"; touch ${MARKER}; "`,
  '*',
  '~',
  '',
  '$HOME ${PATH} $((6*7))',
  'unicode ✓ 日本語 🚀',
  '{{.State.Status}}',
];

const work = CAN_RUN ? mkdtempSync(join(tmpdir(), 't-ssh-e2e-')) : '';
const logPath = join(work, 'op.log');
let log: OperationLog;
const hosts: RemoteHost[] = [];

function vmArgs(args: string[]): string[] {
  return existsSync(ENV_SH) ? [ENV_SH, 'vm', ...args] : [VM_SH, ...args];
}

function vmSync(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync('bash', vmArgs(args), { encoding: 'utf8', timeout: 180_000, env: { ...process.env, TESTBED_QUIET: '1', ...env } });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

/** Asynchronous, so that connect() keeps running while the VM boots. */
function vmAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const p = spawn('bash', vmArgs(args), { env: { ...process.env, TESTBED_QUIET: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => res({ code: code ?? 1, out }));
  });
}

function vmUp(vm: { name: string; ip: string }): void {
  vmSync(['down', vm.name]);
  const r = vmSync(['up', vm.name, vm.ip], { TESTBED_PASSWORD: PW });
  assert.equal(r.code, 0, `vm up ${vm.name}: ${r.out}${r.err}`);
}

function vmExec(vm: { name: string }, cmd: string[]): { code: number; out: string } {
  const r = vmSync(['exec', vm.name, ...cmd]);
  return { code: r.code, out: r.out };
}

function callLog(vm: { name: string }): { prog: string; argv: string[] }[] {
  const r = existsSync(ENV_SH)
    ? spawnSync('bash', [ENV_SH, 'calls', vm.name], { encoding: 'utf8' })
    : spawnSync('bash', [VM_SH, 'calls', vm.name], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as { prog: string; argv: string[] });
}

/** Host path of a file inside the VM. */
function vmPath(vm: { name: string }, p: string): string {
  return vmSync(['path', vm.name, p]).out.trim();
}

function allCmdlines(vm: { name: string }): string {
  return vmExec(vm, ['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f" 2>/dev/null; echo; done']).out;
}

const store = new MemoryHostKeyStore();
function opts(vm: { ip: string }, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return { host: vm.ip, username: 'ubuntu', password: PW, hostKeyStore: store, hostKeyId: `e2e/${vm.ip}`, log, timeoutMs: 60_000, ...extra };
}

async function open(vm: { ip: string }, extra: Partial<ConnectOptions> = {}): Promise<RemoteHost> {
  const h = await connect(opts(vm, extra));
  hosts.push(h);
  return h;
}

/**
 * For a `vm.sh up --no-sshd` VM: a listener on port 22 that accepts each connection and ends it
 * (FIN) before any SSH banner, like an sshd being restarted during boot. It reads what the client
 * sent before closing so that the kernel sends FIN, not RST. Prints its pid (inside the VM).
 */
const BANNERLESS_LISTENER = `
import os, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22))
s.listen(64)
pid = os.fork()
if pid:
    print(pid, flush=True)
    os._exit(0)
os.setsid()
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
while True:
    c, _ = s.accept()
    try:
        c.shutdown(socket.SHUT_WR)
        c.settimeout(10)
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()
`;

/** connect()'s retry reasons in order; `seen` resolves (from the callback itself) once one matches. */
class RetryLog {
  readonly reasons: string[] = [];
  private waiters: { re: RegExp; resolve: () => void }[] = [];
  readonly onRetry = (info: RetryInfo): void => {
    this.reasons.push(info.reason);
    this.waiters = this.waiters.filter((w) => (w.re.test(info.reason) ? (w.resolve(), false) : true));
  };
  /** A retry matching `re` (already seen or still to come); fails if `pending` settles first. */
  seen(re: RegExp, pending: Promise<unknown>, what: string): Promise<void> {
    const hit = new Promise<void>((resolve) => {
      if (this.reasons.some((r) => re.test(r))) resolve();
      else this.waiters.push({ re, resolve });
    });
    const settledFirst = pending.then(() => {
      throw new Error(`connect succeeded before ${what}; retries: ${JSON.stringify(this.reasons)}`);
    });
    return Promise.race([hit, settledFirst]);
  }
}

let e1: RemoteHost;

before(() => {
  if (!CAN_RUN) return;
  log = OperationLog.open(logPath);
  vmUp(E1);
});

after(async () => {
  if (!CAN_RUN) return;
  for (const h of hosts) await h.close().catch(() => undefined);
  for (const vm of [E1, E2, E3]) vmSync(['down', vm.name]);
  log.close();
  rmSync(work, { recursive: true, force: true });
});

test('connect with password; the host key is recorded on first contact (same as the VM key)', { skip: SKIP, timeout: 60_000 }, async () => {
  e1 = await open(E1);
  const fp = await store.get(`e2e/${E1.ip}`);
  assert.equal(fp, e1.hostKeyFingerprint);
  const info = vmSync(['info', E1.name]).out;
  const pub = /^host_key_ed25519=(.*)$/m.exec(info)?.[1];
  if (e1.hostKeyType === 'ssh-ed25519' && pub) {
    const kg = spawnSync('ssh-keygen', ['-lf', '-'], { input: `${pub}\n`, encoding: 'utf8' });
    assert.equal(kg.stdout.split(' ')[1], fp, 'fingerprint must equal ssh-keygen -l of the VM host key');
  }
  const r = await e1.run(['id', '-un']);
  assert.deepEqual(r, { code: 0, signal: null, stdout: 'ubuntu\n', stderr: '' });
});

test('run: exit codes are reported; runChecked throws with step, code and stderr tail', { skip: SKIP, timeout: 60_000 }, async () => {
  assert.equal((await e1.run(['sh', '-c', 'exit 7'])).code, 7);
  assert.equal((await e1.run(['false'])).code, 1);
  await assert.rejects(e1.runChecked(['sh', '-c', 'echo line1 >&2; echo "it broke" >&2; exit 3'], { step: 'failing step' }), (err: unknown) => {
    assert.ok(err instanceof RemoteCommandError);
    assert.equal(err.exitCode, ExitCode.remote);
    assert.equal(err.code, 3);
    assert.equal(err.step, 'failing step');
    assert.match(err.message, /^Step "failing step" failed on ubuntu@10\.250\.0\.30:22 with exit code 3\./);
    assert.match(err.message, /it broke/);
    assert.ok(err.message.includes(logPath), 'points to the operation log');
    return true;
  });
});

test('stderr noise with exit 0 is success', { skip: SKIP, timeout: 60_000 }, async () => {
  const r = await e1.runChecked(['sh', '-c', 'echo "W: some apt warning" >&2; echo done'], { step: 'noisy' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'done\n');
  assert.equal(r.stderr, 'W: some apt warning\n');
});

test('stdin is passed; sudo works (sudo -n)', { skip: SKIP, timeout: 60_000 }, async () => {
  const r = await e1.run(['sha256sum'], { stdin: 'hello\n' });
  assert.equal(r.stdout.split(' ')[0], createHash('sha256').update('hello\n').digest('hex'));
  const s = await e1.runChecked(['id', '-u'], { sudo: true });
  assert.equal(s.stdout, '0\n');
  const s2 = await e1.runChecked(['cat'], { sudo: true, stdin: Buffer.from('via sudo\n') });
  assert.equal(s2.stdout, 'via sudo\n');
  const s3 = await e1.runChecked(['wc', '-c'], { stdin: Readable.from([Buffer.alloc(300_000, 1), Buffer.alloc(5, 2)]) });
  assert.equal(s3.stdout.trim(), '300005');
});

test('timeout kills the command and names the step (also under sudo)', { skip: SKIP, timeout: 120_000 }, async () => {
  // Behaviour, not durations: the error names the step and the budget, and the remote commands
  // (which would run for a minute) are gone well before they could have ended by themselves.
  await assert.rejects(e1.run(['sleep', '61'], { step: 'wait for godot', timeoutMs: 1500 }), (err: unknown) => {
    assert.ok(err instanceof RemoteTimeoutError);
    assert.equal(err.step, 'wait for godot');
    assert.match(err.message, /^Step "wait for godot" on ubuntu@10\.250\.0\.30:22 timed out after 1\.5 s and was killed\./);
    return true;
  });
  await assert.rejects(e1.run(['sleep', '62'], { step: 'root sleeper', timeoutMs: 1500, sudo: true }), RemoteTimeoutError);
  // The remote `timeout -k` backs up the channel signal a few seconds later; 40 s < sleep 61.
  let ps = '';
  await waitUntil(
    'the timed-out commands to be killed',
    () => !/sleep 6[12]/.test((ps = vmExec(E1, ['ps', '-eo', 'args']).out)),
    { boundMs: 40_000, pollMs: 200, describe: () => `still running:\n${ps}` },
  );
  // the connection is still usable
  assert.equal((await e1.run(['true'])).code, 0);
});

test('hostile argv arrives intact and never executes (printf, sudo, a stub in the call log, env, script args)', { skip: SKIP, timeout: 60_000 }, async () => {
  const r = await e1.runChecked(['printf', '%s\\0', ...HOSTILE]);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), HOSTILE);
  const rs = await e1.runChecked(['printf', '%s\\0', ...HOSTILE], { sudo: true });
  assert.deepEqual(rs.stdout.split('\0').slice(0, -1), HOSTILE);

  for (const h of HOSTILE.filter(Boolean)) await e1.run(['systemctl', 'is-active', h], { sudo: true });
  const logged = callLog(E1).filter((c) => c.prog === 'systemctl');
  for (const h of HOSTILE.filter(Boolean)) {
    assert.ok(
      logged.some((c) => c.argv.includes(h)),
      `the stub did not see ${JSON.stringify(h)} as one argument; calls: ${JSON.stringify(logged.map((c) => c.argv))}`,
    );
  }

  const env: Record<string, string> = {};
  HOSTILE.forEach((v, i) => (env[`V${i}`] = v));
  const script = join(work, 'args.sh');
  writeFileSync(script, `#!/bin/bash\nfor a in "$@"; do printf '%s\\0' "$a"; done\nfor i in $(seq 0 ${HOSTILE.length - 1}); do n="V$i"; printf '%s\\0' "\${!n}"; done\n`);
  const rv = await e1.runChecked({ script, args: HOSTILE }, { env, sudo: true });
  assert.deepEqual(rv.stdout.split('\0').slice(0, -1), [...HOSTILE, ...HOSTILE]);

  assert.equal(vmExec(E1, ['test', '-e', MARKER]).code, 1, `${MARKER} exists: a hostile string was executed`);
  assert.equal(vmExec(E1, ['test', '-e', '/tmp/t-ssh-pw-pwned']).code, 1, 'the password was executed');
});

test('env values never appear on a command line', { skip: SKIP, timeout: 60_000 }, async () => {
  const value = `env-value-${randomBytes(6).toString('hex')}'"$(id)`;
  const r = await e1.runChecked(['bash', '-c', 'printf %s "$SECRET_V" | sha256sum'], { env: { SECRET_V: value }, sudo: true });
  assert.equal(r.stdout.split(' ')[0], createHash('sha256').update(value).digest('hex'));
  assert.ok(!readFileSync(logPath, 'utf8').includes(value), 'the env value must not be in the logged command lines');
});

test('writeFile 0600 ends up root-owned with exact content, atomically replaced; readFile/exists/sha256', { skip: SKIP, timeout: 60_000 }, async () => {
  const content = Buffer.concat([Buffer.from(`secret: ${HOSTILE.join('|')}\n`), randomBytes(3000), Buffer.from([0, 1, 2, 255])]);
  const dest = '/etc/t-ssh/dir with space/secret.conf';
  await e1.writeFile(dest, content, { mode: 0o600, owner: 'root', group: 'root', sudo: true, parents: true });
  const hp = vmPath(E1, dest);
  const st = statSync(hp);
  assert.equal(st.mode & 0o7777, 0o600);
  assert.equal(st.uid, 0);
  assert.equal(st.gid, 0);
  assert.ok(readFileSync(hp).equals(content), 'content differs');
  assert.ok((await e1.readFile(dest, { sudo: true })).equals(content));
  await assert.rejects(e1.readFile(dest), (err: unknown) => err instanceof RemoteError && /permission denied|Permission denied/.test(err.message));
  assert.equal(await e1.exists(dest, { sudo: true }), true);
  assert.equal(await e1.exists('/etc/t-ssh/none'), false);
  assert.equal(await e1.sha256(dest, { sudo: true }), createHash('sha256').update(content).digest('hex'));

  await e1.writeFile(dest, 'v2\n', { mode: 0o640, owner: 'root', group: 'adm', sudo: true });
  assert.equal(readFileSync(hp, 'utf8'), 'v2\n');
  assert.equal(statSync(hp).mode & 0o7777, 0o640);
  const leftovers = vmExec(E1, ['sh', '-c', 'ls -A "/etc/t-ssh/dir with space"; ls /tmp/vnflcm.*/ 2>/dev/null | grep "^w-" || true']).out;
  assert.equal(leftovers.trim(), 'secret.conf', 'no temp file may be left behind');

  await e1.writeFile('/home/ubuntu/plain.txt', 'hi\n', { mode: 0o644 });
  assert.equal((await e1.readFile('/home/ubuntu/plain.txt')).toString(), 'hi\n');
  assert.equal(statSync(vmPath(E1, '/home/ubuntu/plain.txt')).uid, 1000);
});

test('upload of a 64 MiB file: streamed, progress reported, verified by checksum', { skip: SKIP, timeout: 180_000 }, async () => {
  const local = join(work, 'big.bin');
  const data = randomBytes(64 * 1024 * 1024);
  writeFileSync(local, data);
  const localHash = createHash('sha256').update(data).digest('hex');
  const events: UploadProgress[] = [];
  const r = await e1.upload(local, '/home/ubuntu/big.bin', { mode: 0o640, onProgress: (p) => events.push({ ...p }), progressIntervalMs: 20 });
  assert.equal(r.bytes, data.length);
  assert.equal(r.sha256, localHash);
  const transfer = events.filter((e) => e.phase === 'transfer');
  assert.ok(transfer.length >= 3, `only ${transfer.length} progress events`);
  for (let i = 1; i < transfer.length; i++) assert.ok((transfer[i] as UploadProgress).transferred >= (transfer[i - 1] as UploadProgress).transferred);
  assert.equal(transfer.at(-1)?.transferred, data.length);
  assert.deepEqual(
    [...new Set(events.map((e) => e.phase))],
    ['transfer', 'verify', 'done'],
  );
  const hp = vmPath(E1, '/home/ubuntu/big.bin');
  assert.equal(createHash('sha256').update(readFileSync(hp)).digest('hex'), localHash);
  assert.equal(statSync(hp).mode & 0o777, 0o640);
  assert.equal(await e1.sha256('/home/ubuntu/big.bin'), localHash);
  const parts = vmExec(E1, ['sh', '-c', 'ls -A /home/ubuntu | grep vnflcm-part || true']).out;
  assert.equal(parts.trim(), '');
  // with sudo into a root-owned place
  const small = join(work, 'small.bin');
  writeFileSync(small, randomBytes(100_000));
  // /opt/t-ssh does not exist yet: the install step fails and says which step
  await assert.rejects(
    e1.upload(small, '/opt/t-ssh/small.bin', { sudo: true, owner: 'root', mode: 0o600, step: 'upload small' }),
    (err: unknown) => err instanceof RemoteCommandError && err.step === 'upload small: install',
  );
  await e1.run(['mkdir', '-p', '/opt/t-ssh'], { sudo: true });
  await e1.upload(small, '/opt/t-ssh/small.bin', { sudo: true, owner: 'root', mode: 0o600 });
  const st = statSync(vmPath(E1, '/opt/t-ssh/small.bin'));
  assert.equal(st.uid, 0);
  assert.equal(st.mode & 0o777, 0o600);
  rmSync(local);
});

test('wrong password fails at once (no retry) with a clear message', { skip: SKIP, timeout: 60_000 }, async () => {
  const retries: string[] = [];
  await assert.rejects(connect(opts(E1, { password: 'not-the-password', timeoutMs: 600_000, onRetry: (i) => retries.push(i.reason) })), (err: unknown) => {
    assert.ok(err instanceof RemoteError);
    assert.equal(err.exitCode, 5);
    assert.match(err.message, /^Authentication failed for ubuntu@10\.250\.0\.30:22 \(password\): the server answered and rejected the credentials\. /);
    return true;
  });
  assert.deepEqual(retries, [], 'a host that answered and rejected the password is not retried');
});

test('connect retries while the VM is still coming up: refused, closed before the banner, then sshd', { skip: SKIP, timeout: 240_000 }, async (t) => {
  // Each boot stage is produced, never hoped for: the VM's address answers while nothing listens
  // on port 22 (RST), then a listener ends connections before the SSH banner, then the real sshd
  // starts; each stage only after connect() has been seen retrying on the one before.
  const REFUSED = /ECONNREFUSED.*connection refused: sshd is not \(yet\) listening/;
  const BANNERLESS = /^Connection lost before handshake$/;
  // Killing the listener resets a connection it has not accepted yet: also a boot-time retry.
  const RESET = /ECONNRESET/;
  vmSync(['down', E2.name]);
  const up = vmSync(['up', E2.name, E2.ip, '--no-sshd'], { TESTBED_PASSWORD: PW });
  assert.equal(up.code, 0, `vm up --no-sshd: ${up.out}${up.err}`);
  const retries = new RetryLog();
  const pending = connect(opts(E2, { hostKeyId: 'vnfc-A', timeoutMs: 180_000, retryDelayMs: 200, maxRetryDelayMs: 1000, onRetry: retries.onRetry }));

  await retries.seen(REFUSED, pending, 'a refused attempt');
  const listener = await vmAsync(['exec', E2.name, 'python3', '-c', BANNERLESS_LISTENER]);
  assert.equal(listener.code, 0, listener.out);
  const listenerPid = listener.out.trim();
  assert.match(listenerPid, /^\d+$/);
  await retries.seen(BANNERLESS, pending, 'an attempt ended before the SSH banner');
  assert.equal((await vmAsync(['exec', E2.name, 'kill', listenerPid])).code, 0);
  // sshd must find port 22 free: the listener has exited (gone, or a zombie with no sockets left).
  await waitUntil(
    'the banner-less listener to exit',
    async () => (await vmAsync(['exec', E2.name, 'sh', '-c', 'test ! -e "/proc/$1" || grep -q "^State:[[:space:]]*Z" "/proc/$1/status"', 'sh', listenerPid])).code === 0,
    { boundMs: 30_000 },
  );
  const sshd = await vmAsync(['sshd', E2.name]);
  assert.equal(sshd.code, 0, sshd.out);

  const h = await pending;
  hosts.push(h);
  const reasons = retries.reasons;
  assert.match(reasons[0] ?? '', REFUSED, `first retry: ${JSON.stringify(reasons)}`);
  assert.ok(reasons.findIndex((r) => BANNERLESS.test(r)) > 0, `a banner-less close after the refusals: ${JSON.stringify(reasons)}`);
  for (const r of reasons) assert.ok(REFUSED.test(r) || BANNERLESS.test(r) || RESET.test(r), `unexpected retry reason ${JSON.stringify(r)}`);
  t.diagnostic(`retry reasons: ${JSON.stringify(reasons)}`);
  assert.equal((await h.run(['hostname'])).stdout.trim(), E2.name);
  assert.equal(await store.get('vnfc-A'), h.hostKeyFingerprint, 'the host key is recorded on the attempt that succeeded');
  const logText = readFileSync(logPath, 'utf8');
  assert.match(logText, /connect ubuntu@10\.250\.0\.31:22 attempt 1: .*ECONNREFUSED/);
  assert.match(logText, new RegExp(`connected to ubuntu@10\\.250\\.0\\.31:22 \\(attempt ${reasons.length + 1}, `));
  await h.close();
});

test('host keys: a re-created VM with the same id is refused, accepted on request, a new id is accepted', { skip: SKIP, timeout: 240_000 }, async () => {
  const before = await store.get('vnfc-A');
  assert.ok(before, 'needs the previous test');
  vmUp(E2); // new host keys, same IP
  await assert.rejects(connect(opts(E2, { hostKeyId: 'vnfc-A' })), (err: unknown) => {
    assert.ok(err instanceof HostKeyChangedError);
    assert.equal(err.recorded, before);
    assert.notEqual(err.presented, before);
    assert.ok(err.message.includes('10.250.0.31') && err.message.includes('"vnfc-A"') && err.message.includes(before) && err.message.includes(err.presented));
    assert.match(err.message, /--accept-new-host-key/);
    return true;
  });
  assert.equal(await store.get('vnfc-A'), before, 'refusal keeps the recorded key');
  const h = await open(E2, { hostKeyId: 'vnfc-A', acceptChangedHostKey: true });
  assert.equal(await store.get('vnfc-A'), h.hostKeyFingerprint);
  assert.notEqual(h.hostKeyFingerprint, before);
  await h.close();
  const h2 = await open(E2, { hostKeyId: 'vnfc-A-healed' });
  assert.equal(await store.get('vnfc-A-healed'), h2.hostKeyFingerprint);
  await h2.close();
  const logText = readFileSync(logPath, 'utf8');
  assert.match(logText, /host key CHANGED from SHA256:/);
});

test('sudo that needs a password: fed on stdin, never on a command line nor in the log', { skip: SKIP, timeout: 120_000 }, async () => {
  vmUp(E3);
  vmExec(E3, ['sh', '-c', "echo 'ubuntu ALL=(ALL) ALL' > /etc/sudoers.d/90-cloud-init-users"]);
  const h = await open(E3);
  assert.notEqual((await h.run(['sudo', '-n', 'true'])).code, 0, 'sudo must need a password here');
  assert.equal((await h.runChecked(['id', '-u'], { sudo: true })).stdout, '0\n');
  assert.equal((await h.runChecked(['cat'], { sudo: true, stdin: 'payload\n' })).stdout, 'payload\n', 'the password line must not reach the command');
  // A sudo command that runs until the test releases it: the process snapshot is taken while sudo
  // and its command certainly run (no guessing how long they take to start on a busy host).
  const gate = '/tmp/t-ssh-sudo-gate';
  assert.equal(vmExec(E3, ['mkfifo', gate]).code, 0);
  const running = h.run(['sh', '-c', 'read -r _ < "$1"', 't-ssh-sudo-waiter', gate], { sudo: true, step: 'sudo waiter' });
  let cmdlines = '';
  const runningNow = (c: string): boolean => /^sudo .*t-ssh-sudo-waiter/m.test(c) && /^sh -c .*t-ssh-sudo-waiter/m.test(c);
  await waitUntil('sudo and its command to be running', () => runningNow((cmdlines = allCmdlines(E3))), {
    boundMs: 30_000,
    describe: () => cmdlines,
  });
  assert.ok(!cmdlines.includes(PW), 'the password is visible in a process command line');
  assert.ok(!cmdlines.includes('t-ssh-PW'), 'part of the password is visible in a process command line');
  assert.equal(vmExec(E3, ['timeout', '30', 'sh', '-c', 'echo go > "$1"', 'sh', gate]).code, 0, 'released the sudo command');
  assert.equal((await running).code, 0);
  await h.writeFile('/root/t-ssh.conf', 'x\n', { mode: 0o600, sudo: true });
  assert.equal(statSync(vmPath(E3, '/root/t-ssh.conf')).uid, 0);
  await h.close();
});

test('the password never appears in the operation log, which is private', { skip: SKIP }, async () => {
  log.event('(end of e2e)');
  const text = readFileSync(logPath, 'utf8');
  assert.ok(text.length > 1000);
  assert.ok(!text.includes(PW));
  assert.ok(!text.includes('t-ssh-PW'));
  assert.equal(statSync(logPath).mode & 0o777, 0o600);
  assert.ok(text.includes(bundledScript('sha256.sh').split('/').pop() as string), 'script runs are logged');
});
