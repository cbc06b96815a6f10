/**
 * The question engine of `vnflcm params init`. A question names the flag that answers it, the
 * JSON path it fills and the zod field schema (from ../schema.ts) its answer must pass, so an
 * answer is checked as it is typed with the rules `vnflcm validate` applies to the whole file.
 *
 * Answers come from flags first, then from the operator (interactive) or from defaults
 * (non-interactive, where every missing or invalid value is collected for one error). Answers
 * are remembered by question key, so the flow can be run again from the top: only the questions
 * marked for re-asking (a rejected final file, "change an answer" at the preview) are asked anew.
 */
import type { z } from 'zod';

export interface Choice {
  name: string;
  value: string;
  description?: string;
}

/** The operator's terminal (the command plugs in @inquirer/prompts; tests script it). */
export interface Prompter {
  select(message: string, choices: Choice[], defaultValue?: string): Promise<string>;
  input(message: string, opts: { default?: string; validate: (v: string) => true | string }): Promise<string>;
  password(message: string, opts: { validate: (v: string) => true | string }): Promise<string>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  /** A line for the operator (a note, the reason an answer is asked again, the preview). */
  note(line: string): void;
}

export type Answer = string | boolean | undefined;

export interface Question {
  /** The flag (without --) that answers it; repeated groups add `index`. */
  flag: string;
  index?: number;
  /** JSON path of the value in the param file (final problems are mapped back to it). */
  path: string;
  message: string;
  kind: 'input' | 'password' | 'select' | 'confirm';
  /** The field schema the answer must pass. */
  schema?: z.ZodType;
  /** A further check of the answer (package files, …): the reason it is wrong, or undefined. */
  check?: (v: string) => string | undefined;
  /** select: the offered values; with `typed`, another value may be typed in. */
  choices?: Choice[];
  typed?: boolean;
  default?: string | boolean;
  /** An empty answer means "leave it out". */
  optional?: boolean;
  /** Not asked at a terminal: taken from its flag or its default. */
  silent?: boolean;
  /** How the flag's values give this question's answer (default: the index-th value). */
  fromFlags?: (values: readonly string[], all: FlagValues) => Answer;
  /** How to give the value in a script, for the missing-values error (default `--flag VALUE`). */
  usage?: string;
}

/** Flag name → its values (repeatable flags keep order; secrets from env/files already merged). */
export type FlagValues = Readonly<Record<string, readonly string[]>>;

const TYPE_OTHER = '\u0000typed';

export const questionKey = (q: Pick<Question, 'flag' | 'index'>): string => (q.index === undefined ? q.flag : `${q.flag}#${q.index}`);

/** The first zod issue as `expected …` (with its hint), as `vnflcm validate` words it. */
export function zodReason(schema: z.ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  if (r.success) return undefined;
  const iss = r.error.issues[0];
  if (!iss) return 'not accepted';
  const hint = iss.code === 'custom' && typeof iss.params?.hint === 'string' ? ` (${iss.params.hint as string})` : '';
  return `expected ${iss.message}${hint}`;
}

/** Check one answer: the reason it is rejected, or undefined. `''` on an optional question is "none". */
export function checkAnswer(q: Question, v: string): string | undefined {
  if (v === '' && q.optional) return undefined;
  if (q.choices && !q.typed && !q.choices.some((c) => c.value === v)) {
    return `expected one of: ${q.choices.map((c) => (c.value === '' ? "'' (none)" : c.value)).join(', ')}`;
  }
  if (q.schema) {
    const reason = zodReason(q.schema, v);
    if (reason) return reason;
  }
  return q.check?.(v);
}

export interface Problem {
  question: Question;
  reason: string;
}

export class Asker {
  private readonly memo = new Map<string, Answer>();
  private readonly reasons = new Map<string, string>();
  /** Questions asked (or answered by flags) in the last run, by key. */
  readonly seen = new Map<string, Question>();
  readonly missing: Question[] = [];
  readonly invalid: Problem[] = [];

  constructor(
    private readonly flags: FlagValues,
    private readonly prompter: Prompter | undefined,
  ) {}

  get interactive(): boolean {
    return this.prompter !== undefined;
  }

  /** Start a new pass over the flow (answers are kept). */
  beginPass(): void {
    this.seen.clear();
    this.missing.length = 0;
    this.invalid.length = 0;
  }

  /** Ask this question again on the next pass, telling the operator why. */
  reask(key: string, reason: string): void {
    this.memo.delete(key);
    this.reasons.set(key, reason);
  }

  answered(key: string): Answer {
    return this.memo.get(key);
  }

  async ask(q: Question): Promise<Answer> {
    const key = questionKey(q);
    this.seen.set(key, q);
    if (this.memo.has(key)) return this.memo.get(key);
    const reason = this.reasons.get(key);
    this.reasons.delete(key);
    let given: Answer;
    if (reason === undefined) {
      const values = this.flags[q.flag] ?? [];
      given = q.fromFlags ? q.fromFlags(values, this.flags) : values[q.index ?? 0];
    }
    let answer: Answer;
    if (given !== undefined) {
      const bad = typeof given === 'string' ? checkAnswer(q, given) : undefined;
      if (!bad) answer = given;
      else if (!this.prompter) {
        this.invalid.push({ question: q, reason: bad });
        return undefined;
      } else {
        this.prompter.note(`--${q.flag} ${JSON.stringify(given)} is not accepted: ${bad}`);
        answer = await this.prompt(q);
      }
    } else if (!this.prompter || (q.silent && reason === undefined)) {
      if (q.default !== undefined) answer = q.default;
      else if (q.optional || q.kind === 'confirm') answer = q.kind === 'confirm' ? false : undefined;
      else {
        this.missing.push(q);
        return undefined;
      }
    } else {
      if (reason) this.prompter.note(reason);
      answer = await this.prompt(q);
    }
    if (answer === '' && q.optional) answer = undefined;
    this.memo.set(key, answer);
    return answer;
  }

  private async prompt(q: Question): Promise<Answer> {
    const p = this.prompter as Prompter;
    const validate = (v: string): true | string => checkAnswer(q, v) ?? true;
    const def = typeof q.default === 'string' ? q.default : undefined;
    switch (q.kind) {
      case 'confirm':
        return p.confirm(q.message, q.default === true);
      case 'password':
        return p.password(q.message, { validate });
      case 'select': {
        if (q.typed && !q.choices?.length) return p.input(q.message, { ...(def !== undefined ? { default: def } : {}), validate });
        const choices = q.typed ? [...(q.choices ?? []), { name: 'another value (type it)', value: TYPE_OTHER }] : (q.choices ?? []);
        const picked = await p.select(q.message, choices, def !== undefined && choices.some((c) => c.value === def) ? def : undefined);
        if (picked !== TYPE_OTHER) return picked;
        return p.input(q.message, { validate });
      }
      default:
        return p.input(q.message, { ...(def !== undefined ? { default: def } : {}), validate });
    }
  }
}
