/**
 * Global options anywhere: `openstack --os-cloud prod vnflcm list` puts OSC's global options before
 * the command, oclif only parses flags after the command id. `reorder` moves the leading global
 * options (with their values) to just after the command id, where every command accepts them
 * (BaseCommand.baseFlags). Written by hand because it only reorders tokens; oclif still parses them.
 * The command table is imported here; oclif loads the same module anyway (explicit strategy).
 */
import { COMMANDS } from '../commands/index.js';

const COMMAND_IDS = Object.keys(COMMANDS).map((id) => id.replace(/:/g, ' '));

/** OSC global options that take no value; every other `--os-*` option takes one. */
const GLOBAL_SWITCHES = new Set(['--debug', '--verbose', '-v', '--quiet', '-q', '--insecure', '--verify', '--timing', '--os-beta-command']);
/** OSC global options outside the `--os-*` family that take a value. */
const GLOBAL_VALUED = new Set(['--log-file', '--state-url']);

/** How many tokens the global option at argv[i] spans (0: not a global option). */
export function globalOptionSpan(argv: readonly string[], i: number): number {
  const tok = argv[i] ?? '';
  if (/^-v+$/.test(tok)) return 1;
  const name = tok.split('=')[0] ?? '';
  if (GLOBAL_SWITCHES.has(name)) return 1;
  if (name.startsWith('--os-') || GLOBAL_VALUED.has(name)) return tok.includes('=') || i + 1 >= argv.length ? 1 : 2;
  return 0;
}

/** `-vv`/`-vvv` (OSC's counted verbosity) become one `--verbose`: oclif has no counted flags. */
function normalise(tok: string): string {
  return /^-v+$/.test(tok) ? '--verbose' : tok;
}

/**
 * Move leading global options after the command id. `ids` are the command ids with spaces
 * (`op show`); the longest id that the following words spell is the command. Argv that does not
 * start with a global option is returned unchanged (apart from `-vv` → `--verbose` before `--`).
 */
export function reorder(argv: readonly string[], ids: Iterable<string> = COMMAND_IDS): string[] {
  const moved: string[] = [];
  let i = 0;
  for (let span = globalOptionSpan(argv, i); span > 0; span = globalOptionSpan(argv, i)) {
    moved.push(...argv.slice(i, i + span).map((t, k) => (k === 0 ? normalise(t) : t)));
    i += span;
  }
  const rest = argv.slice(i);
  // no command: `vnflcm --debug` is the overview, `vnflcm --os-cloud x --version` the version
  if (rest.length === 0) return [];
  if ((rest[0] ?? '').startsWith('-')) return [...rest, ...moved];
  const idSet = new Set(ids);
  let idLen = 0;
  for (let n = 1; n <= rest.length && !(rest[n - 1] ?? '-').startsWith('-'); n++) {
    if (idSet.has(rest.slice(0, n).join(' '))) idLen = n;
  }
  // `op frob`: a topic and a word that is none of its commands would show the topic's help (exit 0);
  // joined as one id, oclif reports a command not found (exit 2) like the real client
  const topic = rest[0] ?? '';
  const second = rest[1];
  if (idLen === 0 && second !== undefined && !second.startsWith('-') && [...idSet].some((id) => id.startsWith(`${topic} `))) {
    return [`${topic}:${second}`, ...moved, ...rest.slice(2)];
  }
  // an unknown command keeps its words in front, so the not-found message names all of them
  if (idLen === 0) idLen = rest.findIndex((t) => t.startsWith('-')) === -1 ? rest.length : rest.findIndex((t) => t.startsWith('-'));
  const dashdash = rest.indexOf('--');
  const tail = rest.slice(idLen).map((t, k) => (dashdash === -1 || k + idLen < dashdash ? normalise(t) : t));
  return [...rest.slice(0, idLen), ...moved, ...tail];
}
