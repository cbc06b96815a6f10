/**
 * `yaml.safe_dump(data, default_flow_style=False)` as PyYAML 6.0 writes it: block style, mapping keys sorted
 * (code-point order), sequences inside mappings not indented, empty collections as `[]`/`{}`, plain scalars when
 * they would not read back as another type (`'1.0'`, `'true'`, `''` are quoted), non-ASCII text escaped in double
 * quotes (`"caf\xE9"`), and long scalars folded at 80 columns.
 *
 * This is a port of the parts of PyYAML's Emitter (scalar analysis, style choice, the plain / single-quoted /
 * double-quoted writers and the block collection states) that safe_dump of JSON-like data reaches. Anchors and
 * aliases are never written (JSON data has no shared nodes).
 *
 * Over 400 lines on purpose: it is one emitter whose states call each other, kept in one file beside the
 * PyYAML code it follows; split, the port could no longer be read against its original.
 */
import { compareCodePoints, isDict, pyFloatRepr } from './python.js';

type Tag = 'str' | 'int' | 'float' | 'bool' | 'null';

type Node =
  | { kind: 'scalar'; tag: Tag; value: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'map'; pairs: [Node, Node][] };

/** SafeRepresenter for JSON-like values (dict keys sorted, as `sort_keys=True` does). */
function represent(value: unknown): Node {
  if (value === undefined) return { kind: 'scalar', tag: 'str', value: '' };
  if (value === null) return { kind: 'scalar', tag: 'null', value: 'null' };
  if (typeof value === 'boolean') return { kind: 'scalar', tag: 'bool', value: value ? 'true' : 'false' };
  if (typeof value === 'bigint') return { kind: 'scalar', tag: 'int', value: value.toString() };
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { kind: 'scalar', tag: 'int', value: BigInt(value).toString() };
    if (Number.isNaN(value)) return { kind: 'scalar', tag: 'float', value: '.nan' };
    if (value === Infinity) return { kind: 'scalar', tag: 'float', value: '.inf' };
    if (value === -Infinity) return { kind: 'scalar', tag: 'float', value: '-.inf' };
    let text = pyFloatRepr(value).toLowerCase();
    if (!text.includes('.') && text.includes('e')) text = text.replace('e', '.0e');
    return { kind: 'scalar', tag: 'float', value: text };
  }
  if (typeof value === 'string') return { kind: 'scalar', tag: 'str', value };
  if (Array.isArray(value)) return { kind: 'seq', items: value.map(represent) };
  if (value instanceof Map || isDict(value)) {
    const entries: [string, unknown][] =
      value instanceof Map ? [...value.entries()].map(([k, v]): [string, unknown] => [String(k), v]) : Object.entries(value);
    entries.sort((a, b) => compareCodePoints(a[0], b[0]));
    return { kind: 'map', pairs: entries.map(([k, v]) => [represent(k), represent(v)]) };
  }
  return { kind: 'scalar', tag: 'str', value: String(value) };
}

// Resolver.add_implicit_resolver(...) of PyYAML 6.0, keyed by first character, in registration order.
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE_RE = /^(?:<<)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const VALUE_RE = /^(?:=)$/;

const RESOLVERS: [string, RegExp, string[]][] = [
  ['bool', BOOL_RE, Array.from('yYnNtTfFoO')],
  ['float', FLOAT_RE, Array.from('-+0123456789.')],
  ['int', INT_RE, Array.from('-+0123456789')],
  ['merge', MERGE_RE, ['<']],
  ['null', NULL_RE, ['~', 'n', 'N', '']],
  ['timestamp', TIMESTAMP_RE, Array.from('0123456789')],
  ['value', VALUE_RE, ['=']],
];

/** The tag a plain scalar with this text would be read back as. */
function resolvePlain(value: string): string {
  const first = value === '' ? '' : (Array.from(value)[0] ?? '');
  for (const [tag, re, firsts] of RESOLVERS) {
    if (firsts.includes(first) && re.test(value)) return tag;
  }
  return 'str';
}

const BREAKS = '\n\x85\u2028\u2029';
const SPACE_OR_BREAK = '\0 \t\r\n\x85\u2028\u2029';

interface Analysis {
  scalar: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

/** Emitter.analyze_scalar with allow_unicode=False. */
function analyzeScalar(text: string): Analysis {
  const scalar = Array.from(text);
  if (scalar.length === 0) {
    return {
      scalar,
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
    };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;

  if (text.startsWith('---') || text.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = scalar.length === 1 || SPACE_OR_BREAK.includes(scalar[1] ?? '');
  let previousSpace = false;
  let previousBreak = false;

  for (let index = 0; index < scalar.length; index++) {
    const ch = scalar[index] ?? '';
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if ('?:'.includes(ch)) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0) ?? 0;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      // allow_unicode is False: every other character can only be written escaped in double quotes
      specialCharacters = true;
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === scalar.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === scalar.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = SPACE_OR_BREAK.includes(ch);
    followedByWhitespace = index + 2 >= scalar.length || SPACE_OR_BREAK.includes(scalar[index + 2] ?? '');
  }

  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { scalar, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

interface Context {
  root?: boolean;
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  private rootContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  private readonly bestIndent = 2;
  private readonly bestWidth = 80;

  dumpDocument(node: Node): string {
    // implicit document start (the root is never an empty plain scalar here)
    this.expectNode(node, { root: true });
    this.writeIndent(); // document end
    if (this.openEnded) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    return this.out;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private expectNode(node: Node, ctx: Context): void {
    this.rootContext = ctx.root ?? false;
    this.mappingContext = ctx.mapping ?? false;
    this.simpleKeyContext = ctx.simpleKey ?? false;
    if (node.kind === 'scalar') {
      this.increaseIndent(true);
      this.processScalar(node);
      this.popIndent();
    } else if (node.kind === 'seq') {
      if (this.flowLevel > 0 || node.items.length === 0) this.emptyFlow('[', ']');
      else this.blockSequence(node.items);
    } else if (this.flowLevel > 0 || node.pairs.length === 0) {
      this.emptyFlow('{', '}');
    } else {
      this.blockMapping(node.pairs);
    }
  }

  /** expect_flow_sequence / expect_flow_mapping for an empty collection (the only flow style safe_dump uses). */
  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true);
    this.flowLevel += 1;
    this.increaseIndent(true);
    this.popIndent();
    this.flowLevel -= 1;
    this.writeIndicator(close, false);
  }

  private blockSequence(items: Node[]): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.expectNode(item, { sequence: true });
    }
    this.popIndent();
  }

  private blockMapping(pairs: [Node, Node][]): void {
    this.increaseIndent(false);
    for (const [key, value] of pairs) {
      this.writeIndent();
      if (this.checkSimpleKey(key)) {
        this.expectNode(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
        this.expectNode(value, { mapping: true });
      } else {
        this.writeIndicator('?', true, false, true);
        this.expectNode(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
        this.expectNode(value, { mapping: true });
      }
    }
    this.popIndent();
  }

  /** check_simple_key: the serialized tag (`!!str`…) counts towards the 128-character limit. */
  private checkSimpleKey(node: Node): boolean {
    if (node.kind === 'scalar') {
      const analysis = analyzeScalar(node.value);
      const length = `!!${node.tag}`.length + analysis.scalar.length;
      return length < 128 && !analysis.empty && !analysis.multiline;
    }
    const empty = node.kind === 'seq' ? node.items.length === 0 : node.pairs.length === 0;
    return empty && `!!${node.kind}`.length < 128;
  }

  private chooseStyle(node: { tag: Tag; value: string }, analysis: Analysis): '' | "'" | '"' {
    const implicitPlain = resolvePlain(node.value) === node.tag;
    if (implicitPlain) {
      if (
        !(this.simpleKeyContext && (analysis.empty || analysis.multiline)) &&
        (this.flowLevel > 0 ? analysis.allowFlowPlain : analysis.allowBlockPlain)
      ) {
        return '';
      }
    }
    if (analysis.allowSingleQuoted && !(this.simpleKeyContext && analysis.multiline)) return "'";
    return '"';
  }

  private processScalar(node: { tag: Tag; value: string }): void {
    const analysis = analyzeScalar(node.value);
    const style = this.chooseStyle(node, analysis);
    const split = !this.simpleKeyContext;
    if (style === '"') this.writeDoubleQuoted(analysis.scalar, split);
    else if (style === "'") this.writeSingleQuoted(analysis.scalar, split);
    else this.writePlain(analysis.scalar, split);
  }

  private write(data: string): void {
    this.out += data;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
      this.column = indent;
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.write(data);
  }

  private writeText(chars: string[], start: number, end: number): void {
    const data = chars.slice(start, end).join('');
    this.column += end - start;
    this.write(data);
  }

  private writeBreaks(text: string[], start: number, end: number): void {
    if (text[start] === '\n') this.writeLineBreak();
    for (const br of text.slice(start, end)) {
      if (br === '\n') this.writeLineBreak();
      else this.writeLineBreak(br);
    }
  }

  private writePlain(text: string[], split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (text.length === 0) return;
    if (!this.whitespace) {
      this.column += 1;
      this.write(' ');
    }
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.writeText(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          this.writeBreaks(text, start, end);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === undefined || ` ${BREAKS}`.includes(ch)) {
        this.writeText(text, start, end);
        start = end;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.writeText(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          this.writeBreaks(text, start, end);
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ` ${BREAKS}`.includes(ch) || ch === "'") {
        if (start < end) {
          this.writeText(text, start, end);
          start = end;
        }
      }
      if (ch === "'") {
        this.column += 2;
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : undefined;
      const cp = ch === undefined ? 0 : (ch.codePointAt(0) ?? 0);
      if (ch === undefined || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !(cp >= 0x20 && cp <= 0x7e)) {
        if (start < end) {
          this.writeText(text, start, end);
          start = end;
        }
        if (ch !== undefined) {
          let data: string;
          const replacement = ESCAPE_REPLACEMENTS[ch];
          if (replacement !== undefined) data = '\\' + replacement;
          else if (cp <= 0xff) data = '\\x' + cp.toString(16).toUpperCase().padStart(2, '0');
          else if (cp <= 0xffff) data = '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
          else data = '\\U' + cp.toString(16).toUpperCase().padStart(8, '0');
          this.column += data.length;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < text.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > this.bestWidth &&
        split
      ) {
        const data = text.slice(start, end).join('') + '\\';
        if (start < end) start = end;
        this.column += data.length;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') {
          this.column += 1;
          this.write('\\');
        }
      }
    }
    this.writeIndicator('"', false);
  }
}

/** `yaml.safe_dump(value, default_flow_style=False)`. */
export function safeDump(value: unknown): string {
  return new Emitter().dumpDocument(represent(value));
}
