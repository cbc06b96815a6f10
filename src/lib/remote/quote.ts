/**
 * The ONE place where a value becomes shell text.
 *
 * Everything the remote-execution layer sends to a VM as a command line is an argv array whose
 * elements each pass through {@link shellQuote}; nothing else builds shell text from data.
 * Quoting rule (POSIX sh, bash, dash, zsh): a word made only of characters that are never special
 * to the shell is sent as is; anything else is wrapped in single quotes, inside which the shell
 * interprets nothing at all, and every embedded single quote is written as `'\''` (close quote,
 * escaped quote, reopen). Newlines, `$`, backticks, `\`, globs, `~`, `#`, `=`, unicode: all inert
 * inside single quotes. NUL cannot be part of an argv element and is refused.
 */

/** Characters that no POSIX shell treats specially anywhere in a word (no `=`, `~`, `#`, globs). */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Quote one argument so that the remote shell passes it to the command byte for byte. */
export function shellQuote(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`shellQuote: expected a string, got ${typeof arg}`);
  if (arg.includes('\0')) throw new Error('shellQuote: an argument cannot contain a NUL byte');
  if (arg === '') return "''";
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv array as one shell command line (each element through {@link shellQuote}). */
export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellJoin: empty command');
  return argv.map(shellQuote).join(' ');
}
