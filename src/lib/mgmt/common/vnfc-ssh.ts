/**
 * Connecting a management driver to a VNFC: the address comes from the CP the param file names
 * (floating IP when there is one, else the first fixed IPv4), the host key is pinned per
 * (instance, VNFC, server) — a VNFC that heal replaced has a new server id and so a new record —
 * and everything goes to the operation's log file with the credentials redacted.
 */
import { CliError } from '../../errors.js';
import type { HookContext, VnfcRef } from '../contract.js';
import type { OperationLog, RemoteHost } from '../../remote/index.js';

export interface SshCredentials {
  username: string;
  password: string;
}

export function vnfcAddress(vnfc: VnfcRef, cpName: string): string {
  const a = vnfc.addresses[cpName];
  if (!a) {
    throw new CliError(
      `VNFC ${vnfc.id} (${vnfc.vduId}) has no address on CP ${cpName} (its CPs: ${Object.keys(vnfc.addresses).join(', ') || 'none'})`,
      3,
    );
  }
  return a.floatingIp ?? a.ip;
}

export function hostKeyId(ctx: HookContext, vnfc: VnfcRef): string {
  return `${ctx.instance.id}/${vnfc.id}/${vnfc.serverId}`;
}

let sharedLog: { path: string; log: OperationLog } | undefined;

/** The operation's log (one per process and operation). */
export async function operationLog(ctx: HookContext, secrets: string[]): Promise<OperationLog> {
  const { OperationLog } = await import('../../remote/index.js');
  if (!sharedLog || sharedLog.path !== ctx.logFile) sharedLog = { path: ctx.logFile, log: OperationLog.open(ctx.logFile) };
  sharedLog.log.redact(secrets);
  return sharedLog.log;
}

export async function connectVnfc(
  ctx: HookContext,
  vnfc: VnfcRef,
  cpName: string,
  creds: SshCredentials,
  opts: { secrets?: string[]; node?: string } = {},
): Promise<RemoteHost> {
  const { connect } = await import('../../remote/index.js');
  const host = vnfcAddress(vnfc, cpName);
  const log = await operationLog(ctx, [creds.password, ...(opts.secrets ?? [])]);
  const node = opts.node ?? vnfc.vduId;
  return connect({
    host,
    username: creds.username,
    password: creds.password,
    hostKeyStore: ctx.store.hostKeys(),
    hostKeyId: hostKeyId(ctx, vnfc),
    acceptChangedHostKey: ctx.options.acceptNewHostKey,
    ...(ctx.options.sshTimeoutMs ? { timeoutMs: ctx.options.sshTimeoutMs } : {}),
    log,
    secrets: opts.secrets,
    onRetry: (info) => ctx.progress.info(`${node}: waiting for ssh on ${host} (${info.reason}), attempt ${info.attempt}`),
  });
}
