/**
 * Whole-file steps, shared by every driver: a step owns one or more files on a host and renders
 * them whole. Its check compares each file's sha256, mode and owner (one command per file; no
 * content travels back); its apply rewrites every owned file atomically (SFTP temp file + rename,
 * see RemoteHost.writeFile) and then runs `onChange` — the only place a restart is triggered.
 */
import { createHash } from 'node:crypto';
import { RemoteError } from './errors.js';
import type { Command, RunOptions, RunResult, WriteFileOptions } from './host.js';
import type { Step } from './steps.js';

/** What a whole-file step needs of a host. */
export interface FileHost {
  readonly target: string;
  run(command: Command, opts?: RunOptions): Promise<RunResult>;
  writeFile(remotePath: string, content: string | Buffer, opts: WriteFileOptions): Promise<void>;
}

/** One owned file: its rendered bytes and mode (always root:root). */
export interface OwnedFile {
  path: string;
  content: string | Buffer;
  mode: number;
}

const sha256 = (c: string | Buffer): string => createHash('sha256').update(c).digest('hex');

/** `sha256` and `mode owner group` of a file, or undefined when it is absent (one command). */
export async function fileFacts(host: FileHost, path: string, timeoutMs: number): Promise<{ sha256: string; stat: string } | undefined> {
  const r = await host.run(['sh', '-c', 'test -f "$1" || exit 3; sha256sum -- "$1" | cut -d" " -f1; stat -c "%a %U %G" -- "$1"', 'sh', path], { sudo: true, timeoutMs });
  if (r.code === 3) return undefined;
  const [sum, stat] = r.stdout.trim().split('\n');
  if (r.code !== 0 || !sum || !stat) throw new RemoteError(`cannot read ${path} on ${host.target}: ${(r.stderr || r.stdout).trim()}`, { target: host.target });
  return { sha256: sum.trim(), stat: stat.trim() };
}

/** A step that owns whole files: skipped when every file has the rendered bytes, mode and owner. */
export function fileStep<H extends FileHost>(
  name: string,
  files: (host: H) => OwnedFile[] | Promise<OwnedFile[]>,
  opts: { timeoutMs: number; onChange?: (host: H) => void | Promise<void> },
): Step<H> {
  let want: Promise<OwnedFile[]> | undefined;
  const get = (host: H): Promise<OwnedFile[]> => (want ??= Promise.resolve(files(host)));
  return {
    name,
    async check(host) {
      for (const f of await get(host)) {
        const facts = await fileFacts(host, f.path, opts.timeoutMs);
        if (!facts || facts.sha256 !== sha256(f.content) || facts.stat !== `${f.mode.toString(8)} root root`) return false;
      }
      return true;
    },
    async apply(host) {
      for (const f of await get(host)) {
        await host.writeFile(f.path, f.content, { mode: f.mode, owner: 'root', group: 'root', sudo: true, parents: true, timeoutMs: opts.timeoutMs });
      }
      await opts.onChange?.(host);
    },
  };
}
