/**
 * Shell completion for bash and zsh. The shell scripts are small glue that call the hidden
 * `vnflcm __complete -- WORDS…` for every TAB; what to offer is decided here from the command table
 * (commands, flags, choices) and, for ids, from the store, loaded only when an id is asked for.
 * Hand-written rather than @oclif/plugin-autocomplete: that plugin loads at every start-up and
 * knows nothing of instance, VNFD, operation or aspect ids.
 */
import type { Command } from '@oclif/core';
import { globalOptionSpan } from './argv.js';

/** What completion needs to know of one command. */
export interface CompletionCommand {
  id: string; // with spaces: "op show"
  flags: CompletionFlag[];
  args: Array<{ name: string; options?: readonly string[] }>;
  /** The last argument repeats (`delete ID…`). */
  variadic: boolean;
}

export interface CompletionFlag {
  name: string;
  char?: string;
  takesValue: boolean;
  options?: readonly string[];
  /** May be given more than once. */
  repeatable?: boolean;
  /** Takes every following word up to the next option (oclif's greedy `multiple`). */
  greedy?: boolean;
}

/** Dynamic values, resolved against the store by the caller. */
import type { IdSource } from '../lib/views/completion.js';

export type { IdSource } from '../lib/views/completion.js';

export type Completion =
  | { kind: 'words'; words: string[] }
  | { kind: 'files' }
  | { kind: 'ids'; source: IdSource; instance?: string };

/** What each argument or value-taking flag completes to, by name. */
const BY_NAME: Record<string, IdSource | 'files' | 'commands'> = {
  'vnf-instance': 'instances',
  'vnfd-id': 'vnfds',
  'vnf-lcm-op-occ-id': 'ops',
  'aspect-id': 'aspects',
  'vnfc-instance': 'vnfcs',
  'param-file': 'files',
  'additional-param-file': 'files',
  I: 'files',
  path: 'files',
  output: 'files',
  'os-cacert': 'files',
  'os-cert': 'files',
  'os-key': 'files',
  'log-file': 'files',
  command: 'commands',
};

function byName(name: string, commands: readonly CompletionCommand[], instance?: string): Completion {
  const what = BY_NAME[name];
  if (what === undefined) return { kind: 'words', words: [] };
  if (what === 'files') return { kind: 'files' };
  if (what === 'commands') return { kind: 'words', words: commands.map((c) => c.id.split(' ')[0] ?? c.id).filter((w, i, a) => a.indexOf(w) === i) };
  const perInstance = what === 'aspects' || what === 'vnfcs';
  return perInstance && instance !== undefined ? { kind: 'ids', source: what, instance } : { kind: 'ids', source: what };
}

/**
 * What to offer for the last word of `words` (the words after the program name; the last one is
 * the word being completed, possibly empty).
 */
export function complete(words: readonly string[], commands: readonly CompletionCommand[]): Completion {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let i = 0;
  while (i < before.length && globalOptionSpan(before, i) > 0) i += globalOptionSpan(before, i);
  const rest = before.slice(i);
  // the command: the longest run of leading words naming one
  let cmd: CompletionCommand | undefined;
  let idLen = 0;
  for (const c of commands) {
    const n = c.id.split(' ').length;
    if (n > idLen && rest.slice(0, n).join(' ') === c.id) [cmd, idLen] = [c, n];
  }
  if (!cmd) {
    const typed = rest.join(' ');
    const next = commands
      .filter((c) => (typed === '' ? true : c.id.startsWith(`${typed} `)))
      .map((c) => c.id.split(' ')[rest.length] ?? '')
      .filter((w, k, a) => w !== '' && a.indexOf(w) === k);
    return { kind: 'words', words: next.sort() };
  }
  const tokens = rest.slice(idLen);
  const flagOf = (tok: string) =>
    cmd.flags.find((f) => tok === `--${f.name}` || (f.char !== undefined && tok === `-${f.char}`));
  let positional = 0;
  let instance: string | undefined;
  let pending: CompletionFlag | undefined;
  let pendingHasValue = false;
  const used = new Set<string>();
  let dashdash = false;
  for (const tok of tokens) {
    if (pending && !tok.startsWith('-') && (!pendingHasValue || pending.greedy)) {
      pendingHasValue = true;
      if (!pending.greedy) pending = undefined;
      continue;
    }
    pending = undefined;
    if (!dashdash && tok === '--') {
      dashdash = true;
      continue;
    }
    const f = dashdash ? undefined : flagOf(tok);
    if (f) {
      used.add(f.name);
      if (f.takesValue) [pending, pendingHasValue] = [f, false];
      continue;
    }
    if (!tok.startsWith('-') || dashdash) {
      if (positional === 0 && cmd.args[0]?.name === 'vnf-instance') instance = tok;
      positional++;
    }
  }
  if (pending && !(pendingHasValue && cur.startsWith('-'))) {
    if (pending.options) return { kind: 'words', words: [...pending.options] };
    return byName(pending.name, commands, instance);
  }
  if (cur.startsWith('-') && !dashdash) {
    return {
      kind: 'words',
      words: cmd.flags.filter((f) => f.repeatable || !used.has(f.name)).map((f) => `--${f.name}`),
    };
  }
  const arg = cmd.args[Math.min(positional, cmd.args.length - 1)];
  if (arg === undefined || (positional >= cmd.args.length && !cmd.variadic)) return { kind: 'words', words: [] };
  if (arg.options) return { kind: 'words', words: [...arg.options] };
  return byName(arg.name, commands, instance);
}

/** The lines `vnflcm __complete` prints: a first line `files` or `words`, then the candidates. */
export function completionLines(c: Completion, ids: readonly string[] = []): string {
  if (c.kind === 'files') return 'files\n';
  const words = c.kind === 'words' ? c.words : ids;
  return ['words', ...words].join('\n') + '\n';
}

/** The bash script (`source <(vnflcm completion bash)`). */
export function bashScript(bin: string): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  return `# ${bin} completion for bash: source <(${bin} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' out
  out=($("\${COMP_WORDS[0]}" __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null))
  if [[ "\${out[0]}" == files ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "\${out[*]:1}" -- "$cur"))
  fi
}
complete -F ${fn} ${bin}
`;
}

/** The zsh script (`source <(vnflcm completion zsh)`, or save it as _vnflcm in $fpath). */
export function zshScript(bin: string): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `#compdef ${bin}
# ${bin} completion for zsh: source <(${bin} completion zsh)
${fn}() {
  local -a out
  out=("\${(@f)$("\${words[1]}" __complete -- "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)}")
  if [[ "\${out[1]}" == files ]]; then
    _files
  else
    compadd -- "\${(@)out[2,-1]}"
  fi
}
compdef ${fn} ${bin}
`;
}

/** The command table of the loaded oclif commands, in the shape `complete` reads. */
export function completionTable(commands: readonly Command.Loadable[]): CompletionCommand[] {
  return commands
    .filter((c) => !c.hidden)
    .map((c) => ({
      id: c.id.replace(/:/g, ' '),
      flags: Object.entries(c.flags)
        .filter(([, f]) => !f.hidden)
        .map(([name, f]) => ({
          name,
          ...(f.char ? { char: f.char } : {}),
          takesValue: f.type === 'option',
          ...(f.type === 'option' && f.options ? { options: f.options } : {}),
          repeatable: f.type === 'option' && f.multiple === true,
          greedy: f.type === 'option' && f.multiple === true && f.multipleNonGreedy !== true,
        })),
      args: Object.entries(c.args).map(([name, a]) => (a.options ? { name, options: a.options.map(String) } : { name })),
      variadic: c.strict === false,
    }));
}
