/**
 * An unknown command: cliff's "is not a … command" message with its "Did you mean one of these?"
 * list (cliff App.get_fuzzy_matches: prefix matches first, else the command names whose first word
 * is nearest by cliff's weighted Damerau-Levenshtein distance), on stdout, exit 2.
 * Loaded by oclif only when a command is not found (package.json oclif.hooks).
 */
import type { Hook } from '@oclif/core';
import { globalOptionSpan } from './argv.js';

/** cliff's costs: swap 0, substitution 2, insertion 1, deletion 3. */
const COST = { w: 0, s: 2, a: 1, d: 3 };

/** cliff.utils.damerau_levenshtein, row for row. */
export function damerauLevenshtein(s1: string, s2: string): number {
  if (s1 === s2) return 0;
  if (s1.length === 0) return s2.length * COST.a;
  if (s2.length === 0) return s1.length * COST.d;
  let row0 = Array.from({ length: s2.length + 1 }, (_, i) => i * COST.a);
  let row1 = [...row0];
  let row2 = [...row0];
  for (let i = 0; i < s1.length; i++) {
    row2[0] = (i + 1) * COST.d;
    for (let j = 0; j < s2.length; j++) {
      const sub = (row1[j] ?? 0) + (s1[i] !== s2[j] ? COST.s : 0);
      const ins = (row2[j] ?? 0) + COST.a;
      const del = (row1[j + 1] ?? 0) + COST.d;
      const swap = i > 0 && j > 0 && s1[i - 1] === s2[j] && s1[i] === s2[j - 1];
      row2[j + 1] = swap ? Math.min(sub, ins, del, (row0[j - 1] ?? 0) + COST.w) : Math.min(sub, ins, del);
    }
    [row0, row1, row2] = [row1, row2, row0];
  }
  return row1[s2.length] ?? 0;
}

/** cliff App.get_fuzzy_matches: `cmd` is the first word typed, `names` the command names with spaces. */
export function fuzzyMatches(cmd: string, names: readonly string[]): string[] {
  const dist: Array<[number, string]> = [...names].sort().map((c) => [c.startsWith(cmd) ? 0 : damerauLevenshtein(cmd, c.split(' ')[0] ?? c) + 1, c]);
  dist.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const matches: string[] = [];
  let matchDistance = 0;
  for (const [d, c] of dist) {
    if (d > matchDistance) {
      if (matchDistance) break;
      matchDistance = d;
    }
    matches.push(c);
  }
  return matches;
}

/** The whole stdout text for an unknown command line (`words` as typed, command words first). */
export function notFoundText(words: readonly string[], names: readonly string[]): string {
  const lines = [`vnflcm: '${words.join(' ')}' is not a vnflcm command. See 'vnflcm --help'.`];
  const matches = fuzzyMatches(words[0] ?? '', names);
  if (matches.length > 0) lines.push('Did you mean one of these?', ...matches.map((m) => `  ${m}`));
  return `${lines.join('\n')}\n`;
}

const hook: Hook.CommandNotFound = async function (opts) {
  const names = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' '));
  const argv = opts.argv ?? [];
  const typed: string[] = []; // without the global options reorder() moved behind the words
  for (let i = 0; i < argv.length; ) {
    const span = globalOptionSpan(argv, i);
    if (span === 0) typed.push(argv[i] ?? '');
    i += Math.max(span, 1);
  }
  process.stdout.write(notFoundText([...opts.id.split(':'), ...typed], names));
  this.exit(2);
};

export default hook;
