/**
 * sudo on a VM: find out once per connection whether the login user has passwordless sudo
 * (`sudo -n true`) or needs its password, then wrap argv accordingly. The password only ever goes
 * on stdin (`sudo -S`, with `-k` so sudo always consumes the line), never into shell text.
 */
import { RemoteError } from './errors.js';
import type { ExecOptions, RawRunResult } from './exec.js';
import { INTERNAL_TIMEOUT_MS } from './exec.js';
import { shellJoin } from './quote.js';

export type SudoMode = 'nopasswd' | 'password';

export interface SudoProbe {
  target: string;
  username: string;
  sudoPassword: string | undefined;
  exec: (commandLine: string, o: ExecOptions) => Promise<RawRunResult>;
  redactText: (text: string) => string;
}

/** How sudo works for this user: without a password (`sudo -n`), or with it on stdin (`sudo -S`). */
export async function probeSudoMode(p: SudoProbe): Promise<SudoMode> {
  const probe = await p.exec(shellJoin(['sudo', '-n', 'true']), {
    step: 'check sudo',
    timeoutMs: INTERNAL_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
    notes: [],
  });
  if (probe.code === 0) return 'nopasswd';
  const why = probe.stderr.toString('utf8').trim();
  if (p.sudoPassword === undefined) {
    throw new RemoteError(
      `${p.target}: sudo needs a password for ${p.username} and none was given (sudo -n: ${why || `exit ${probe.code}`}).`,
      { target: p.target, step: 'check sudo' },
    );
  }
  const withPw = await p.exec(shellJoin(['sudo', '-k', '-S', '-p', '', 'true']), {
    step: 'check sudo password',
    stdinPrefix: Buffer.from(`${p.sudoPassword}\n`, 'utf8'),
    timeoutMs: INTERNAL_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
    notes: ['sudo password on stdin'],
  });
  if (withPw.code !== 0) {
    throw new RemoteError(
      `${p.target}: ${p.username} cannot use sudo with the given password: ${p.redactText(withPw.stderr.toString('utf8').trim()) || `exit ${withPw.code}`}.`,
      { target: p.target, step: 'check sudo password' },
    );
  }
  return 'password';
}

/** argv run as root for a sudo mode, with the stdin line sudo -S reads. */
export function sudoArgv(mode: SudoMode, argv: string[], sudoPassword: string | undefined): { argv: string[]; stdinPrefix?: Buffer; note?: string } {
  if (mode === 'nopasswd') return { argv: ['sudo', '-H', '-n', '--', ...argv] };
  // -k: always ask (so the password line is always consumed by sudo, never by the command).
  return {
    argv: ['sudo', '-H', '-k', '-S', '-p', '', '--', ...argv],
    stdinPrefix: Buffer.from(`${sudoPassword ?? ''}\n`, 'utf8'),
    note: 'sudo password on stdin',
  };
}
