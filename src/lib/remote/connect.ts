/** Opening an SSH connection to a VM: retries while it boots, host-key pinning, password or key login; gives a RemoteHost. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type ConnectConfig } from 'ssh2';
import { HostKeyChangedError, RemoteError, formatMs } from './errors.js';
import { type HostKeyStore, fingerprintSha256, keyTypeOf } from './hostkeys.js';
import { RemoteHost } from './host.js';
import { type OperationLog, SecretSet } from './log.js';

export interface ConnectOptions {
  host: string;
  port?: number;
  username: string;
  password?: string;
  /** Private key (OpenSSH/PEM text or Buffer). */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** Password for sudo when the user needs one (default: `password`). Sent on stdin only. */
  sudoPassword?: string;

  hostKeyStore: HostKeyStore;
  /** Identifies the server (e.g. `<vnfInstanceId>/<vnfcId>/<serverId>`); a healed VNFC gets a new id. */
  hostKeyId: string;
  /** Accept (and record) a host key that differs from the recorded one (`--accept-new-host-key`). */
  acceptChangedHostKey?: boolean;

  /** Total time to keep trying while the VM boots. Default 10 min. */
  timeoutMs?: number;
  /** One attempt: TCP connect + handshake + authentication. Default 20 s. */
  attemptTimeoutMs?: number;
  /**
   * An authentication failure is retried only when the host was seen booting during this call
   * (earlier attempts failed at the network level) and sshd first answered less than this long
   * ago: cloud-init may still be installing the password or key. Default 60 s.
   */
  authRetryWindowMs?: number;
  /** Backoff between attempts: first delay and cap (defaults 1 s, 5 s; +-20% jitter). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** SSH keepalives (default every 15 s, 4 unanswered = dead). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;

  /** Operation log; connect attempts and every later command go there. */
  log?: OperationLog;
  /** More strings to redact (the passwords are always added). */
  secrets?: readonly string[];
  /** Called before each wait between attempts. */
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
}

export interface RetryInfo {
  attempt: number;
  elapsedMs: number;
  delayMs: number;
  reason: string;
}

type FailureKind = 'network' | 'timeout' | 'handshake' | 'auth' | 'fatal';

interface Failure {
  kind: FailureKind;
  message: string;
  /** The host's sshd answered (handshake completed) in this attempt. */
  answered: boolean;
  error?: Error;
}

const RETRY_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
]);

const CODE_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: sshd is not (yet) listening',
  EHOSTUNREACH: 'host unreachable: the VM is not (yet) up or the address is wrong',
  ENETUNREACH: 'network unreachable: no route to the VM network',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset during the SSH handshake',
  ENOTFOUND: 'host name not found',
};

/**
 * Connect with password or key, retrying while the VM boots (connection refused/unreachable/
 * timeouts/handshake resets) within `timeoutMs`. The host key is checked against `hostKeyStore`
 * inside ssh2's hostVerifier, i.e. before any credential is sent; first contact records it.
 */
export async function connect(opts: ConnectOptions): Promise<RemoteHost> {
  const port = opts.port ?? 22;
  const target = `${opts.username}@${opts.host}:${port}`;
  if (!opts.password && !opts.privateKey) {
    throw new RemoteError(`Cannot connect to ${target}: neither a password nor a private key was given.`, { target });
  }
  const secrets = new SecretSet();
  secrets.add([opts.password, opts.passphrase, opts.sudoPassword, ...(opts.secrets ?? [])]);
  opts.log?.redact([opts.password, opts.passphrase, opts.sudoPassword, ...(opts.secrets ?? [])]);
  const budget = opts.timeoutMs ?? 10 * 60_000;
  const attemptTimeout = opts.attemptTimeoutMs ?? 20_000;
  const authWindow = opts.authRetryWindowMs ?? 60_000;
  const baseDelay = opts.retryDelayMs ?? 1000;
  const maxDelay = opts.maxRetryDelayMs ?? 5000;
  const authMethod = opts.privateKey ? 'private key' : 'password';
  const started = Date.now();
  let sawNetworkFailure = false;
  let firstAnsweredAt: number | undefined;
  let attempt = 0;
  let last: Failure | undefined;

  for (;;) {
    if (opts.signal?.aborted) throw new RemoteError(`Connecting to ${target} was cancelled.`, { target });
    attempt++;
    const remaining = budget - (Date.now() - started);
    const result = await attemptOnce(opts, port, target, Math.max(1000, Math.min(attemptTimeout, remaining)));
    if (result.ok) {
      const host = new RemoteHost({
        client: result.client,
        host: opts.host,
        port,
        username: opts.username,
        hostKeyFingerprint: result.fingerprint,
        hostKeyType: result.keyType,
        sudoPassword: opts.sudoPassword ?? opts.password,
        log: opts.log,
        secrets,
      });
      opts.log?.event(
        `connected to ${target} (attempt ${attempt}, ${formatMs(Date.now() - started)}, ${authMethod}, host key ${result.keyType} ${result.fingerprint}${result.note ? `, ${result.note}` : ''})`,
      );
      return host;
    }
    const f = result.failure;
    last = f;
    if (f.answered && firstAnsweredAt === undefined) firstAnsweredAt = Date.now();
    // The VM was seen booting: an attempt failed before its sshd completed a handshake.
    if (!f.answered && f.kind !== 'fatal' && f.kind !== 'auth') sawNetworkFailure = true;
    opts.log?.event(`connect ${target} attempt ${attempt}: ${f.message}`);
    if (result.hostKeyError) throw result.hostKeyError;
    if (f.kind === 'fatal') {
      throw new RemoteError(`Cannot connect to ${target}: ${secrets.apply(f.message)}`, { target, cause: f.error });
    }
    if (f.kind === 'auth') {
      const inBootWindow = sawNetworkFailure && firstAnsweredAt !== undefined && Date.now() - firstAnsweredAt < authWindow;
      if (!inBootWindow) {
        throw new RemoteError(
          `Authentication failed for ${target} (${authMethod}): the server answered and rejected the credentials` +
            `${attempt > 1 ? ` (attempt ${attempt})` : ''}. Check the SSH user name and ${authMethod}.`,
          { target, cause: f.error },
        );
      }
    }
    const elapsed = Date.now() - started;
    let delay = Math.min(maxDelay, baseDelay * 1.6 ** Math.min(attempt - 1, 20));
    delay = Math.round(delay * (0.8 + Math.random() * 0.4));
    if (elapsed + delay >= budget) break;
    opts.onRetry?.({ attempt, elapsedMs: elapsed, delayMs: delay, reason: f.message });
    try {
      await sleep(delay, undefined, { signal: opts.signal });
    } catch {
      throw new RemoteError(`Connecting to ${target} was cancelled.`, { target });
    }
  }
  const why = last ? secrets.apply(last.message) : 'no attempt was made';
  throw new RemoteError(
    `Could not connect to ${target} within ${formatMs(budget)} (${attempt} attempt${attempt === 1 ? '' : 's'}); last error: ${why}.`,
    { target, cause: last?.error },
  );
}

type AttemptResult =
  | { ok: true; client: Client; fingerprint: string; keyType: string; note?: string }
  | { ok: false; failure: Failure; hostKeyError?: HostKeyChangedError };

function attemptOnce(opts: ConnectOptions, port: number, target: string, timeoutMs: number): Promise<AttemptResult> {
  return new Promise<AttemptResult>((resolve) => {
    const client = new Client();
    let settled = false;
    let answered = false;
    let presented: { fingerprint: string; keyType: string } | undefined;
    let recordNeeded = false;
    let replaced: string | undefined;
    let mismatch: HostKeyChangedError | undefined;
    let storeError: Error | undefined;

    const settle = (r: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      if (!r.ok) {
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.destroy();
      }
      resolve(r);
    };
    // ssh2's readyTimeout covers TCP + handshake + auth; this is only a safety net.
    const watchdog = setTimeout(
      () => settle({ ok: false, failure: { kind: 'timeout', message: `no answer within ${formatMs(timeoutMs)}`, answered } }),
      timeoutMs + 3000,
    );

    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
      const fingerprint = fingerprintSha256(key);
      const keyType = keyTypeOf(key);
      // A re-key on an established connection must present the same key.
      if (presented) {
        verify(presented.fingerprint === fingerprint);
        return;
      }
      presented = { fingerprint, keyType };
      opts.hostKeyStore.get(opts.hostKeyId).then(
        (recorded) => {
          if (recorded === undefined) {
            recordNeeded = true;
            verify(true);
          } else if (recorded === fingerprint) {
            verify(true);
          } else if (opts.acceptChangedHostKey) {
            recordNeeded = true;
            replaced = recorded;
            verify(true);
          } else {
            mismatch = new HostKeyChangedError({ target, hostKeyId: opts.hostKeyId, recorded, presented: fingerprint });
            verify(false);
          }
        },
        (err: unknown) => {
          storeError = err instanceof Error ? err : new Error(String(err));
          verify(false);
        },
      );
    };

    client.on('handshake', () => {
      answered = true;
    });
    // Servers that only offer PAM keyboard-interactive: answer password prompts with the password
    // (the host key has been verified by then), anything else with an empty string.
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      finish(prompts.map((p) => (opts.password !== undefined && /password/i.test(p.prompt) ? opts.password : '')));
    });
    client.on('ready', () => {
      if (!presented) {
        settle({ ok: false, failure: { kind: 'fatal', message: 'the server presented no host key', answered } });
        return;
      }
      const p = presented;
      const finish = (): void => {
        client.removeAllListeners('error');
        settle({
          ok: true,
          client,
          fingerprint: p.fingerprint,
          keyType: p.keyType,
          note: replaced ? `host key CHANGED from ${replaced}, accepted as requested` : recordNeeded ? 'host key recorded on first contact' : undefined,
        });
      };
      if (!recordNeeded) return finish();
      opts.hostKeyStore.set(opts.hostKeyId, p.fingerprint).then(finish, (err: unknown) => {
        settle({ ok: false, failure: { kind: 'fatal', message: `cannot record the host key: ${String(err)}`, answered, error: err instanceof Error ? err : undefined } });
      });
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (mismatch) {
        settle({ ok: false, failure: { kind: 'fatal', message: 'host key changed', answered }, hostKeyError: mismatch });
        return;
      }
      if (storeError) {
        settle({ ok: false, failure: { kind: 'fatal', message: `cannot read the host-key store: ${storeError.message}`, answered, error: storeError } });
        return;
      }
      settle({ ok: false, failure: classify(err, answered) });
    });
    client.on('close', () => {
      settle({ ok: false, failure: { kind: 'handshake', message: 'connection closed before authentication completed', answered } });
    });

    const config: ConnectConfig = {
      host: opts.host,
      port,
      username: opts.username,
      readyTimeout: timeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 4,
      hostVerifier,
      tryKeyboard: opts.password !== undefined && !opts.privateKey,
    };
    if (opts.privateKey) {
      config.privateKey = opts.privateKey;
      if (opts.passphrase) config.passphrase = opts.passphrase;
    } else {
      config.password = opts.password;
    }
    try {
      client.connect(config);
    } catch (err) {
      // e.g. an unparsable private key
      settle({ ok: false, failure: { kind: 'fatal', message: (err as Error).message, answered, error: err as Error } });
    }
  });
}

function classify(err: Error & { level?: string; code?: string }, answered: boolean): Failure {
  const code = err.code ?? '';
  const msg = err.message || String(err);
  switch (err.level) {
    case 'client-authentication':
      return { kind: 'auth', message: `authentication rejected (${msg})`, answered: true, error: err };
    case 'client-timeout':
      return { kind: 'timeout', message: msg, answered, error: err };
    case 'client-dns':
      return { kind: 'network', message: msg, answered, error: err };
    case 'client-socket': {
      if (code === 'ENOTFOUND') return { kind: 'fatal', message: `${msg} (${CODE_HINTS.ENOTFOUND})`, answered, error: err };
      const hint = CODE_HINTS[code];
      if (RETRY_CODES.has(code) || !code) return { kind: 'network', message: hint ? `${msg} (${hint})` : msg, answered, error: err };
      return { kind: 'fatal', message: msg, answered, error: err };
    }
    default:
      if (/no matching|unsupported|Cannot parse privateKey|privateKey value/i.test(msg)) return { kind: 'fatal', message: msg, answered, error: err };
      return { kind: 'handshake', message: msg, answered, error: err };
  }
}
