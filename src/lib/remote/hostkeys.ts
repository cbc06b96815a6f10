/** SSH host keys: the store interface pinned keys go through, an in-memory one, and SHA-256 fingerprints as OpenSSH prints them. */
import { createHash } from 'node:crypto';

/**
 * Where the SHA256 fingerprints of VM host keys are pinned. `id` identifies one server of one VNFC
 * (the caller's choice, e.g. `<vnfInstanceId>/<vnfcId>/<novaServerId>`), so a VNFC replaced by
 * heal gets a new id and is trusted on first use, while the same id answering with another key is
 * refused. The on-disk implementation lives with the state store; tests use {@link MemoryHostKeyStore}.
 */
export interface HostKeyStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, fingerprint: string): Promise<void>;
}

export class MemoryHostKeyStore implements HostKeyStore {
  readonly entries = new Map<string, string>();
  async get(id: string): Promise<string | undefined> {
    return this.entries.get(id);
  }
  async set(id: string, fingerprint: string): Promise<void> {
    this.entries.set(id, fingerprint);
  }
}

/** OpenSSH-style fingerprint of a host key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const n = keyBlob.readUInt32BE(0);
  if (n <= 0 || n > 64 || keyBlob.length < 4 + n) return 'unknown';
  return keyBlob.subarray(4, 4 + n).toString('latin1');
}
