// connect() against local fake endpoints (ssh2's own Server, raw TCP): retry classes, fail-fast
// authentication, host-key pinning checked before any credential is sent, key auth; and the
// pipelined SFTP writer against a fake SFTP object.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey } from 'ssh2';
import { connect, type ConnectOptions, type RetryInfo } from '../../src/lib/remote/connect.js';
import { HostKeyChangedError, RemoteError } from '../../src/lib/remote/errors.js';
import { MemoryHostKeyStore, fingerprintSha256 } from '../../src/lib/remote/hostkeys.js';
import { pipelinedWrite } from '../../src/lib/remote/host.js';
import { ExitCode } from '../../src/lib/errors.js';

const { Server, utils } = ssh2;
const hostKey = utils.generateKeyPairSync('ed25519');
const otherHostKey = utils.generateKeyPairSync('ed25519');
const userKey = utils.generateKeyPairSync('ed25519');
const PASSWORD = 'right-pw';

function blobOf(pub: string): Buffer {
  const k = utils.parseKey(pub) as ParsedKey;
  return k.getPublicSSH();
}

interface FakeServer {
  port: number;
  authAttempts: { method: string; password?: string }[];
  close(): Promise<void>;
}

/** An SSH server that accepts `PASSWORD` or `userKey`, after rejecting the first `rejectFirst` attempts. */
function startServer(opts: { port?: number; key?: string; rejectFirst?: number; kbdOnly?: boolean } = {}): Promise<FakeServer> {
  const authAttempts: FakeServer['authAttempts'] = [];
  let rejected = 0;
  const conns = new Set<Connection>();
  const server = new Server({ hostKeys: [opts.key ?? hostKey.private] }, (client) => {
    conns.add(client);
    client.on('error', () => undefined);
    client.on('close', () => conns.delete(client));
    client.on('authentication', (ctx: AuthContext) => {
      authAttempts.push({ method: ctx.method, password: ctx.method === 'password' ? ctx.password : undefined });
      if (ctx.method === 'none') return ctx.reject(opts.kbdOnly ? ['keyboard-interactive'] : ['password', 'publickey']);
      if (opts.kbdOnly) {
        if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
        return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => (answers[0] === PASSWORD ? ctx.accept() : ctx.reject()));
      }
      if (rejected < (opts.rejectFirst ?? 0)) {
        rejected++;
        return ctx.reject(['password', 'publickey']);
      }
      if (ctx.method === 'password' && ctx.password === PASSWORD) return ctx.accept();
      if (ctx.method === 'publickey') {
        const allowed = utils.parseKey(userKey.public) as ParsedKey;
        const blob = allowed.getPublicSSH();
        if (ctx.key.algo !== allowed.type || ctx.key.data.length !== blob.length || !timingSafeEqual(ctx.key.data, blob)) return ctx.reject();
        if (ctx.signature && ctx.blob) {
          return allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
        }
        return ctx.accept(); // key query without signature
      }
      ctx.reject(['password', 'publickey']);
    });
  });
  return new Promise((resolve) => {
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        authAttempts,
        close: () =>
          new Promise<void>((r) => {
            for (const c of conns) c.end();
            server.close(() => r());
          }),
      });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const FAST: Partial<ConnectOptions> = { retryDelayMs: 100, maxRetryDelayMs: 300, keepaliveIntervalMs: 0 };
const servers: FakeServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

test('first contact records the SHA256 fingerprint; the same key is accepted again', async () => {
  const srv = await startServer();
  servers.push(srv);
  const store = new MemoryHostKeyStore();
  const h = await connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'u', password: PASSWORD, hostKeyStore: store, hostKeyId: 'vnf1/vdu1/srvA' });
  const expected = fingerprintSha256(blobOf(hostKey.public));
  assert.equal(await store.get('vnf1/vdu1/srvA'), expected);
  assert.equal(h.hostKeyFingerprint, expected);
  assert.equal(h.hostKeyType, 'ssh-ed25519');
  assert.match(expected, /^SHA256:[A-Za-z0-9+/]{43}$/);
  await h.close();
  const h2 = await connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'u', password: PASSWORD, hostKeyStore: store, hostKeyId: 'vnf1/vdu1/srvA' });
  await h2.close();
});

test('a changed host key is refused BEFORE any credential is sent; message names host, id, both fingerprints and the flag', async () => {
  const srv = await startServer({ key: otherHostKey.private });
  servers.push(srv);
  const store = new MemoryHostKeyStore();
  const recorded = fingerprintSha256(blobOf(hostKey.public));
  const presented = fingerprintSha256(blobOf(otherHostKey.public));
  await store.set('id-1', recorded);
  const retries: string[] = [];
  await assert.rejects(
    connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'u', password: PASSWORD, hostKeyStore: store, hostKeyId: 'id-1', onRetry: (i) => retries.push(i.reason) }),
    (err: unknown) => {
      assert.ok(err instanceof HostKeyChangedError);
      assert.equal(err.exitCode, ExitCode.remote);
      assert.match(err.message, new RegExp(`u@127\\.0\\.0\\.1:${srv.port}`));
      assert.match(err.message, /"id-1"/);
      assert.ok(err.message.includes(recorded) && err.message.includes(presented));
      assert.match(err.message, /--accept-new-host-key/);
      return true;
    },
  );
  assert.deepEqual(retries, [], 'a host key mismatch is not retried');
  assert.deepEqual(srv.authAttempts, [], 'no authentication request may reach a host with a changed key');
  assert.equal(await store.get('id-1'), recorded, 'the recorded key is kept');

  const h = await connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'u', password: PASSWORD, hostKeyStore: store, hostKeyId: 'id-1', acceptChangedHostKey: true });
  assert.equal(await store.get('id-1'), presented, 'accepted deliberately: the new key is recorded');
  await h.close();
});

test('wrong password on a running host fails fast with one attempt, naming host and user', async () => {
  const srv = await startServer();
  servers.push(srv);
  const retries: string[] = [];
  await assert.rejects(
    connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'alice', password: 'wrong-pw', hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'x', onRetry: (i) => retries.push(i.reason) }),
    (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.match(err.message, new RegExp(`^Authentication failed for alice@127\\.0\\.0\\.1:${srv.port} \\(password\\)`));
      assert.ok(!err.message.includes('wrong-pw'));
      return true;
    },
  );
  assert.deepEqual(retries, [], 'not retried');
  assert.equal(srv.authAttempts.filter((a) => a.method === 'password').length, 1);
});

test('private key authentication', async () => {
  const srv = await startServer();
  servers.push(srv);
  const h = await connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'u', privateKey: userKey.private, hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'k' });
  assert.ok(srv.authAttempts.some((a) => a.method === 'publickey'));
  await h.close();
});

test('keyboard-interactive only server: the password answers the password prompt', async () => {
  const srv = await startServer({ kbdOnly: true });
  servers.push(srv);
  const h = await connect({ ...FAST, host: '127.0.0.1', port: srv.port, username: 'u', password: PASSWORD, hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'kbd' });
  assert.ok(srv.authAttempts.some((a) => a.method === 'keyboard-interactive'));
  await h.close();
});

test('connection refused is retried until the budget, then a clear error', async () => {
  // Asserts what connect() decided (its own retry records), not how long the machine took.
  const port = await freePort();
  const retries: RetryInfo[] = [];
  const budget = 1500;
  await assert.rejects(
    connect({ ...FAST, host: '127.0.0.1', port, username: 'bob', password: PASSWORD, hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'x', timeoutMs: budget, retryDelayMs: 20, maxRetryDelayMs: 50, onRetry: (i) => retries.push(i) }),
    (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.match(err.message, new RegExp(`^Could not connect to bob@127\\.0\\.0\\.1:${port} within 1\\.5 s \\(${retries.length + 1} attempts?\\); last error: .*ECONNREFUSED.*connection refused`));
      assert.ok(!err.message.includes(PASSWORD));
      return true;
    },
  );
  assert.ok(retries.length >= 1, 'a refused connection is retried');
  retries.forEach((r, i) => {
    assert.equal(r.attempt, i + 1);
    assert.match(r.reason, /ECONNREFUSED/);
    assert.ok(r.elapsedMs + r.delayMs < budget, `retry ${r.attempt} was planned inside the budget`);
  });
});

test('handshake resets (port open, connection dropped) are retried', async () => {
  const raw = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  const port = (raw.address() as net.AddressInfo).port;
  const reasons: string[] = [];
  await assert.rejects(
    connect({ ...FAST, host: '127.0.0.1', port, username: 'u', password: PASSWORD, hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'x', timeoutMs: 1200, retryDelayMs: 20, maxRetryDelayMs: 50, onRetry: (i) => reasons.push(i.reason) }),
    /Could not connect to u@127\.0\.0\.1:\d+ within 1\.2 s \(\d+ attempts?\); last error: (Connection lost before handshake|.*ECONNRESET)/,
  );
  assert.ok(reasons.length >= 1, 'a dropped connection is retried');
  for (const r of reasons) assert.match(r, /Connection lost before handshake|ECONNRESET/);
  await new Promise<void>((r) => raw.close(() => r()));
});

test('while the host boots: refused, then sshd answers but rejects auth at first (cloud-init), then accepts', async () => {
  const port = await freePort();
  let srv: FakeServer | undefined;
  let starting: Promise<void> | undefined;
  const reasons: string[] = [];
  // sshd "boots" when connect() has been refused once: the order is produced, not timed.
  const onRetry = (i: RetryInfo): void => {
    reasons.push(i.reason);
    starting ??= startServer({ port, rejectFirst: 2 }).then((s) => {
      srv = s;
      servers.push(s);
    });
  };
  const h = await connect({
    ...FAST,
    host: '127.0.0.1',
    port,
    username: 'u',
    password: PASSWORD,
    hostKeyStore: new MemoryHostKeyStore(),
    hostKeyId: 'boot',
    timeoutMs: 20_000,
    onRetry,
  });
  assert.ok(srv);
  assert.match(reasons[0] ?? '', /ECONNREFUSED/, 'saw the host down first');
  assert.ok(reasons.some((r) => /authentication rejected/.test(r)), 'an authentication failure right after boot was retried');
  assert.equal(srv.authAttempts.filter((a) => a.method !== 'none').length, 3, 'two rejected attempts, then success');
  await h.close();
});

test('cancellation through an AbortSignal', async () => {
  const port = await freePort();
  const ac = new AbortController();
  let retries = 0;
  await assert.rejects(
    connect({ ...FAST, host: '127.0.0.1', port, username: 'u', password: PASSWORD, hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'x', signal: ac.signal, onRetry: () => {
      retries++;
      ac.abort(); // cancelled while waiting to retry
    } }),
    /was cancelled/,
  );
  assert.equal(retries, 1, 'no attempt after the cancellation');
});

test('neither password nor key: immediate error', async () => {
  await assert.rejects(connect({ host: '127.0.0.1', username: 'u', hostKeyStore: new MemoryHostKeyStore(), hostKeyId: 'x' }), /neither a password nor a private key/);
});

// ------------------------------------------------------------------ pipelinedWrite

test('pipelinedWrite: all bytes land at the right offsets, in-flight bounded, hash order = file order, chunk clamped to the server limit', async () => {
  const size = 1_000_003;
  const src = Buffer.alloc(size);
  for (let i = 0; i < size; i++) src[i] = (i * 7919) & 0xff;
  const dst = Buffer.alloc(size);
  let inflight = 0;
  let maxInflight = 0;
  let maxLen = 0;
  const fake = {
    _maxWriteLen: 5000,
    write(_h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err?: Error | null) => void) {
      buf.copy(dst, pos, off, off + len); // ssh2 copies synchronously
      buf.fill(0xee, off, off + len); // prove the caller may reuse its buffer right away
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      maxLen = Math.max(maxLen, len);
      setTimeout(() => {
        inflight--;
        cb();
      }, Math.floor(Math.random() * 3));
    },
  };
  const seen: Buffer[] = [];
  let acked = 0;
  await pipelinedWrite({
    sftp: fake as unknown as Parameters<typeof pipelinedWrite>[0]['sftp'],
    handle: Buffer.from('h'),
    read: async (buf, length, position) => {
      const n = Math.min(length, size - position);
      src.copy(buf, 0, position, position + n);
      return n;
    },
    size,
    chunkSize: 64 * 1024,
    concurrency: 7,
    readSize: 40_000,
    onChunk: (c) => seen.push(Buffer.from(c)),
    onAck: (n) => (acked += n),
  });
  assert.ok(dst.equals(src), 'destination differs');
  assert.ok(Buffer.concat(seen).equals(src), 'onChunk must see the file in order');
  assert.equal(acked, size);
  assert.ok(maxInflight <= 7, `max in flight ${maxInflight}`);
  assert.ok(maxLen <= 5000, `chunk ${maxLen} above the server limit`);
});

test('pipelinedWrite: a write error rejects; a short file rejects', async () => {
  const fake = {
    _maxWriteLen: 1000,
    write(_h: Buffer, _b: Buffer, _o: number, _l: number, pos: number, cb: (err?: Error | null) => void) {
      setImmediate(() => cb(pos >= 3000 ? new Error('Failure') : null));
    },
  };
  const sftp = fake as unknown as Parameters<typeof pipelinedWrite>[0]['sftp'];
  await assert.rejects(pipelinedWrite({ sftp, handle: Buffer.alloc(1), read: async (_b, l) => l, size: 10_000, chunkSize: 1000, concurrency: 4 }), /Failure/);
  await assert.rejects(
    pipelinedWrite({ sftp, handle: Buffer.alloc(1), read: async (_b, l, p) => (p >= 2000 ? 0 : l), size: 2500, chunkSize: 1000, concurrency: 4, readSize: 1000 }),
    /ended at byte 2000 of 2500/,
  );
});
