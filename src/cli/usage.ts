/**
 * Usage errors as the real client's argparse prints them: the command's usage block, then
 * `vnflcm <cmd>: error: <reason>` with the whole reason (the argument or option named, the choices,
 * the rejected value). oclif parses; when it refuses, `usageErrorText` parses the same argv again
 * with oclif's parser in a lenient mode and reports the first problem in argparse's order: per token
 * (invalid choice, invalid int, not allowed with, expected one argument), then missing required
 * arguments, then unrecognized arguments. The usage formatter is argparse's algorithm (HelpFormatter
 * ._format_usage) written out because no JS library reproduces its wrapping.
 */
import { Parser } from '@oclif/core';
import type { Interfaces } from '@oclif/core';
import { GLOBAL_FLAG_NAMES } from './flags/openstack.js';

type FlagDef = Interfaces.Flag<unknown>;
type ArgDef = Interfaces.Arg<unknown>;

/** What usage and errors need of a command class. */
export interface CommandSpec {
  flags?: Interfaces.FlagInput;
  args?: Interfaces.ArgInput;
  strict?: boolean;
}

/** argparse's name for an option in messages: `-f/--format`, `--type`. */
function optionName(f: FlagDef): string {
  return f.char ? `-${f.char}/--${f.name}` : `--${f.name}`;
}

function metavar(f: FlagDef): string {
  if (f.type === 'option' && f.helpValue) return Array.isArray(f.helpValue) ? f.helpValue.join(' ') : f.helpValue;
  if (f.type === 'option' && f.options) return `{${f.options.join(',')}}`;
  return f.name.toUpperCase().replace(/-/g, '_');
}

function isGreedy(f: FlagDef): boolean {
  return f.type === 'option' && f.multiple === true && f.multipleNonGreedy !== true;
}

/** The flags argparse would list for the command: its own, without OSC's global options. */
function usageFlags(spec: CommandSpec): FlagDef[] {
  return Object.entries(spec.flags ?? {})
    .filter(([name, f]) => !f.hidden && !GLOBAL_FLAG_NAMES.has(name) && name !== 'help')
    .map(([name, f]) => ({ ...f, name }));
}

function flagPart(f: FlagDef): string {
  const opt = f.char ? `-${f.char}` : `--${f.name}`;
  if (f.type === 'boolean') return opt;
  const mv = metavar(f);
  return isGreedy(f) ? `${opt} ${mv} [${mv} ...]` : `${opt} ${mv}`;
}

/** The optional and positional parts of the usage line, as argparse's `_format_actions_usage` makes them. */
export function usageParts(spec: CommandSpec): { opt: string[]; pos: string[] } {
  const opt = ['[-h]'];
  const flags = usageFlags(spec);
  const done = new Set<string>();
  for (const f of flags) {
    if (done.has(f.name)) continue;
    const group = (f.exclusive ?? []).map((n) => flags.find((g) => g.name === n)).filter((g): g is FlagDef => g !== undefined);
    if (group.length > 0) {
      for (const g of [f, ...group]) done.add(g.name);
      opt.push(`[${[f, ...group].map(flagPart).join(' | ')}]`);
    } else {
      done.add(f.name);
      opt.push(f.required ? flagPart(f) : `[${flagPart(f)}]`);
    }
  }
  const pos: string[] = [];
  if (flags.some(isGreedy)) pos.push('--');
  const argNames = Object.keys(spec.args ?? {});
  argNames.forEach((name, i) => {
    const a = spec.args?.[name];
    const last = i === argNames.length - 1;
    if (last && spec.strict === false) pos.push(a?.required ? `<${name}> [<${name}> ...]` : `[<${name}> ...]`);
    else pos.push(a?.required ? `<${name}>` : `[<${name}>]`);
  });
  if (pos.length === 1 && pos[0] === '--') pos.pop();
  return { opt, pos };
}

/** argparse's terminal width: `$COLUMNS`, else the terminal, else 80; minus 2. */
export function usageWidth(env: NodeJS.ProcessEnv = process.env, columns = process.stdout.isTTY ? process.stdout.columns : undefined): number {
  const fromEnv = Number.parseInt(env.COLUMNS ?? '', 10);
  return (fromEnv > 0 ? fromEnv : columns && columns > 0 ? columns : 80) - 2;
}

/** argparse's usage block (`usage: prog …`, wrapped like HelpFormatter._format_usage), with a final newline. */
export function formatUsage(prog: string, spec: CommandSpec, width = usageWidth()): string {
  const prefix = 'usage: ';
  const { opt, pos } = usageParts(spec);
  const oneLine = [prog, ...opt, ...pos].join(' ');
  if (prefix.length + oneLine.length <= width) return `${prefix}${oneLine}\n`;
  const getLines = (parts: string[], indent: string, pre?: string): string[] => {
    const lines: string[] = [];
    let line: string[] = [];
    let len = pre !== undefined ? pre.length - 1 : indent.length - 1;
    for (const part of parts) {
      if (len + 1 + part.length > width && line.length > 0) {
        lines.push(indent + line.join(' '));
        line = [];
        len = indent.length - 1;
      }
      line.push(part);
      len += part.length + 1;
    }
    if (line.length > 0) lines.push(indent + line.join(' '));
    if (pre !== undefined && lines.length > 0) lines[0] = (lines[0] ?? '').slice(indent.length);
    return lines;
  };
  let lines: string[];
  if (prefix.length + prog.length <= 0.75 * width) {
    const indent = ' '.repeat(prefix.length + prog.length + 1);
    lines = getLines([prog, ...opt], indent, prefix);
    lines.push(...getLines(pos, indent));
  } else {
    const indent = ' '.repeat(prefix.length);
    lines = getLines([...opt, ...pos], indent);
    if (lines.length > 1) lines = [...getLines(opt, indent), ...getLines(pos, indent)];
    lines = [prog, ...lines];
  }
  return `${prefix}${lines.join('\n')}\n`;
}

/** Python's `repr()` of a str, enough for argparse's messages. */
function pyQuote(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

interface Lenient {
  raw: Array<{ type: 'flag'; flag: string; input: string } | { type: 'arg'; arg: string; input: string }>;
  argv: string[];
  nonExistentFlags: string[];
}

/** The command's definitions with nothing that makes oclif refuse: no required, no choices, no exclusivity, repeats allowed. */
function lenientSpec(spec: CommandSpec): { flags: Record<string, FlagDef>; args: Record<string, ArgDef> } {
  const flags: Record<string, FlagDef> = {};
  for (const [name, f] of Object.entries(spec.flags ?? {})) {
    flags[name] =
      f.type === 'option'
        ? { ...f, required: false, exclusive: [], options: undefined, default: undefined, parse: async (s: string) => s, multiple: true, multipleNonGreedy: !isGreedy(f) }
        : { ...f, required: false, exclusive: [], default: undefined };
  }
  const args: Record<string, ArgDef> = {};
  for (const [name, a] of Object.entries(spec.args ?? {})) args[name] = { ...a, required: false, options: undefined };
  return { flags, args };
}

async function lenientParse(argv: string[], spec: CommandSpec): Promise<Lenient | { expectsValue: string; at: number }> {
  const { flags, args } = lenientSpec(spec);
  try {
    const out = await Parser.parse(argv, { flags, args, strict: false });
    return { raw: out.raw as Lenient['raw'], argv: out.argv.map(String), nonExistentFlags: out.nonExistentFlags ?? [] };
  } catch (err) {
    const parsed = (err as { parse?: { output?: { raw?: Lenient['raw']; argv?: unknown[]; nonExistentFlags?: string[] } } }).parse?.output;
    if (parsed?.raw) return { raw: parsed.raw, argv: (parsed.argv ?? []).map(String), nonExistentFlags: parsed.nonExistentFlags ?? [] };
    const m = /^Flag --(\S+) expects/.exec(err instanceof Error ? err.message : '');
    if (!m?.[1]) throw err;
    const f = flags[m[1]];
    const at = argv.findLastIndex((t) => t === `--${m[1]}` || (f?.char !== undefined && t === `-${f.char}`));
    return { expectsValue: m[1], at };
  }
}

/** Errors tied to one token, in argv order (argparse reports the first while consuming). */
async function tokenError(lenient: Lenient, spec: CommandSpec): Promise<string | undefined> {
  const seen = new Set<string>();
  for (const r of lenient.raw) {
    if (r.type !== 'flag') continue;
    const f = spec.flags?.[r.flag];
    if (!f) continue;
    const name = optionName({ ...f, name: r.flag });
    if (f.type === 'option') {
      if (f.options && !f.options.includes(r.input)) {
        return `argument ${name}: invalid choice: ${pyQuote(r.input)} (choose from ${f.options.map(pyQuote).join(', ')})`;
      }
      if (f.parse) {
        try {
          await f.parse(r.input, {} as never, f);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          if (/^Expected an integer but/.test(msg)) return `argument ${name}: invalid int value: ${pyQuote(r.input)}`;
          return `argument ${name}: ${msg.replace(/^Expected/, 'expected')}`;
        }
      }
    }
    for (const other of f.exclusive ?? []) {
      const g = spec.flags?.[other];
      if (seen.has(other) && g) return `argument ${name}: not allowed with argument ${optionName({ ...g, name: other })}`;
    }
    seen.add(r.flag);
  }
  return undefined;
}

/**
 * argparse's message for an argv oclif refused, or undefined when argparse would have accepted it
 * (then the caller shows oclif's own message).
 */
export async function argparseMessage(argv: string[], spec: CommandSpec): Promise<string | undefined> {
  const parsed = await lenientParse(argv, spec);
  if ('expectsValue' in parsed) {
    const before = parsed.at > 0 ? await lenientParse(argv.slice(0, parsed.at), spec) : undefined;
    const earlier = before && !('expectsValue' in before) ? await tokenError(before, spec) : undefined;
    const f = spec.flags?.[parsed.expectsValue];
    return earlier ?? `argument ${f ? optionName({ ...f, name: parsed.expectsValue }) : `--${parsed.expectsValue}`}: expected one argument`;
  }
  const tokenMsg = await tokenError(parsed, spec);
  if (tokenMsg) return tokenMsg;

  const given = new Set(parsed.raw.map((r) => (r.type === 'flag' ? `flag:${r.flag}` : `arg:${r.arg}`)));
  const missing: string[] = [];
  for (const [name, a] of Object.entries(spec.args ?? {})) if (a.required && !given.has(`arg:${name}`)) missing.push(`<${name}>`);
  for (const [name, f] of Object.entries(spec.flags ?? {})) if (f.required && !given.has(`flag:${name}`)) missing.push(optionName({ ...f, name }));
  if (missing.length > 0) return `the following arguments are required: ${missing.join(', ')}`;

  const nArgs = Object.keys(spec.args ?? {}).length;
  const positional = parsed.raw.filter((r) => r.type === 'arg').map((r) => r.input);
  const extras = spec.strict === false ? [] : positional.slice(nArgs);
  const unknown = [...extras, ...parsed.nonExistentFlags].sort((a, b) => argv.indexOf(a) - argv.indexOf(b));
  if (unknown.length > 0) return `unrecognized arguments: ${unknown.join(' ')}`;
  return undefined;
}

/** The whole text for stderr: usage block, then `prog: error: reason`. */
export async function usageErrorText(prog: string, argv: string[], spec: CommandSpec, fallback: string, width = usageWidth()): Promise<string> {
  const reason = (await argparseMessage(argv, spec)) ?? fallback;
  return `${formatUsage(prog, spec, width)}${prog}: error: ${reason}\n`;
}
