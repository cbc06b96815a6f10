/**
 * A node "bundle": every file a node should have, what to do when one changes, docker logins
 * and the registry check — sent as ONE tar stream (with `scripts/node-apply.sh` inside) on the
 * stdin of one command, so configuring a node costs one round of SSH whatever the number of files
 * (no SFTP upload; it matters at 50 ms RTT), and no file content or password ever appears in a
 * command line.
 *
 * MANIFEST (tab-separated, one operation per line, processed in this order by node-apply.sh):
 *   file    <member> <dest> <mode> <owner> <group> <expect-sha256|-> <action|->
 *   login   <server> <user> <member holding the password>
 *   check   <member holding the check spec JSON>
 * Actions: restart:containerd, restart:docker (run once, after all files, containerd first).
 * `expect-sha256` guards a read-modify-write: the file must still be what was read (`absent`
 * for a missing file), else node-apply.sh stops with exit 3 and nothing is written.
 */

export interface BundleFile {
  dest: string;
  content: string | Buffer;
  mode: number;
  owner?: string;
  group?: string;
  /** sha256 of the content read before (or 'absent'): refuse to overwrite a file changed meanwhile. */
  expectSha256?: string;
  /** Run when the file changed. */
  action?: 'restart:containerd' | 'restart:docker';
}

export interface DockerLogin {
  server: string;
  username: string;
  password: string;
}

export class Bundle {
  readonly files: BundleFile[] = [];
  readonly logins: DockerLogin[] = [];
  check?: { spec: unknown; script: Buffer };

  get empty(): boolean {
    return this.files.length === 0 && this.logins.length === 0 && !this.check;
  }

  addFile(f: BundleFile): void {
    if (!f.dest.startsWith('/') || /[\t\n]/.test(f.dest)) throw new Error(`bundle: bad destination ${JSON.stringify(f.dest)}`);
    const i = this.files.findIndex((x) => x.dest === f.dest);
    if (i >= 0) this.files[i] = f;
    else this.files.push(f);
  }

  /** The tar stream; `entry` (node-apply.sh) is added as `apply.sh`, what the extracting command runs. */
  toTar(entry?: Buffer): Buffer {
    const members: { name: string; data: Buffer; mode: number }[] = [];
    if (entry) members.push({ name: 'apply.sh', data: entry, mode: 0o600 });
    const manifest: string[] = [];
    const field = (s: string): string => {
      if (/[\t\n]/.test(s) || s === '') throw new Error(`bundle: bad manifest field ${JSON.stringify(s)}`);
      return s;
    };
    this.files.forEach((f, i) => {
      const name = `f${i}`;
      members.push({ name, data: Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, 'utf8'), mode: 0o600 });
      manifest.push(
        [
          'file',
          name,
          field(f.dest),
          f.mode.toString(8).padStart(4, '0'),
          field(f.owner ?? 'root'),
          field(f.group ?? 'root'),
          field(f.expectSha256 ?? '-'),
          field(f.action ?? '-'),
        ].join('\t'),
      );
    });
    this.logins.forEach((l, i) => {
      const name = `p${i}`;
      members.push({ name, data: Buffer.from(l.password, 'utf8'), mode: 0o600 });
      manifest.push(['login', field(l.server), field(l.username), name].join('\t'));
    });
    if (this.check) {
      members.push({ name: 'check.py', data: this.check.script, mode: 0o600 });
      members.push({ name: 'check.json', data: Buffer.from(JSON.stringify(this.check.spec), 'utf8'), mode: 0o600 });
      manifest.push(['check', 'check.json'].join('\t'));
    }
    members.unshift({ name: 'MANIFEST', data: Buffer.from(manifest.join('\n') + '\n', 'utf8'), mode: 0o600 });
    return tar(members);
  }
}

/** A minimal POSIX ustar archive of regular files (short names, owner 0). */
export function tar(members: readonly { name: string; data: Buffer; mode: number }[]): Buffer {
  const parts: Buffer[] = [];
  const mtime = Math.floor(Date.now() / 1000);
  for (const m of members) {
    if (Buffer.byteLength(m.name) > 99 || !/^[A-Za-z0-9._-]+$/.test(m.name)) throw new Error(`tar: bad member name ${m.name}`);
    const h = Buffer.alloc(512, 0);
    h.write(m.name, 0, 100, 'utf8');
    octal(h, 100, 8, m.mode & 0o7777);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, m.data.length);
    octal(h, 136, 12, mtime);
    h.fill(0x20, 148, 156); // checksum placeholder: spaces
    h.write('0', 156, 1, 'ascii'); // regular file
    h.write('ustar\u000000', 257, 8, 'binary');
    h.write('root', 265, 32, 'ascii');
    h.write('root', 297, 32, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'binary');
    parts.push(h, m.data);
    const pad = (512 - (m.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  const s = value.toString(8).padStart(width - 1, '0');
  if (s.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width} bytes`);
  buf.write(`${s}\u0000`, offset, width, 'ascii');
}
