/**
 * Drive the built CLI on a real pseudo-terminal (through Python's pty module: no native Node
 * module is needed): type keys, wait (bounded) for text to appear on the screen, read the exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { BIN, ROOT } from './cli.js';

export const KEY = { enter: '\r', down: '\x1b[B', up: '\x1b[A', ctrlC: '\x03' } as const;

export class PtySession {
  private raw = '';
  /** Screen text (control sequences removed) not yet consumed by `expect`. */
  private cursor = 0;
  private exit: Promise<number>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; cols?: number; rows?: number }) {
    this.child = spawn('python3', [join(ROOT, 'test', 'helpers', 'pty_bridge.py'), String(opts.cols ?? 120), String(opts.rows ?? 50), process.execPath, BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.raw += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.raw += d));
    this.exit = new Promise((res) => this.child.on('close', (code) => res(code ?? 1)));
  }

  /** Everything shown so far, control sequences removed. */
  get screen(): string {
    return stripVTControlCharacters(this.raw);
  }

  /** Wait until `what` appears after the last match; returns the text up to and including it. */
  async expect(what: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen.slice(this.cursor);
      const m = typeof what === 'string' ? (text.includes(what) ? { index: text.indexOf(what), len: what.length } : undefined) : (() => {
        const r = what.exec(text);
        return r ? { index: r.index, len: r[0].length } : undefined;
      })();
      if (m) {
        this.cursor += m.index + m.len;
        return text.slice(0, m.index + m.len);
      }
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`timed out waiting for ${String(what)}; screen after the last match:\n${text}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Type a line and press Enter. */
  line(text: string): void {
    this.type(`${text}${KEY.enter}`);
  }

  async exitCode(timeoutMs = 20_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no exit within ${timeoutMs} ms; screen:\n${this.screen}`)), timeoutMs)));
    try {
      return await Promise.race([this.exit, t]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
