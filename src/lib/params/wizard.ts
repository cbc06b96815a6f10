/**
 * The param-file wizard (`vnflcm params init`): builds an InstantiateVnfRequest from answers to
 * questions (./wizard/flow.ts), each checked as it is given with the field rules of `vnflcm
 * validate`. At a terminal: the whole file is validated before it is written; a problem takes the
 * operator back to the answer it came from (nothing else is asked again), then a preview with
 * secrets masked lets them change any answer. Without a terminal (--no-interactive, CI): the same
 * questions are answered by flags alone and every missing or invalid value is reported at once.
 */
import { CliError, ExitCode, formatProblem, InputError, type InputProblem } from '../errors.js';
import type { VnfPackage } from '../package/model.js';
import { validateInstantiateRequest } from './validate.js';
import { Asker, type FlagValues, type Prompter, type Question, questionKey } from './wizard/ask.js';
import { buildRequest, type WizardSources } from './wizard/flow.js';
import { maskSecrets } from '../redact.js';
import { preview } from './wizard/preview.js';

export { type Choice, type FlagValues, type Prompter } from './wizard/ask.js';
export { type WizardSources } from './wizard/flow.js';
export { preview } from './wizard/preview.js';

export interface WizardOptions {
  flags?: FlagValues;
  /** The operator's terminal; absent: non-interactive (flags and defaults only). */
  prompter?: Prompter;
  sources?: WizardSources;
  /** Shown in the last question ("Write FILE?"). */
  output?: string;
}

const MAX_ROUNDS = 100;

const usageOf = (q: Question): string => q.usage ?? `--${q.flag} ${q.choices?.length && !q.typed ? q.choices.map((c) => c.value).filter(Boolean).join('|') : 'VALUE'}`;

/** The question a final problem belongs to: the one whose path is the problem's path or its closest parent. */
function questionFor(p: InputProblem, seen: Map<string, Question>): Question | undefined {
  let best: Question | undefined;
  for (const q of seen.values()) {
    const hit = p.path === q.path || p.path.startsWith(`${q.path}.`) || p.path.startsWith(`${q.path}[`);
    if (hit && (!best || q.path.length > best.path.length)) best = q;
  }
  return best;
}

function missingError(a: Asker): CliError {
  const lines = [
    ...a.missing.map((q) => `  ${usageOf(q)}: ${q.message}`),
    ...a.invalid.map(({ question: q, reason }) => `  --${q.flag}: ${reason}`),
  ];
  const head = a.missing.length && a.invalid.length ? 'Missing and invalid values' : a.missing.length ? 'Missing values' : 'Invalid values';
  return new CliError(`${head} for 'vnflcm params init --no-interactive' (give them as flags):\n${lines.join('\n')}`, ExitCode.usage);
}

/** Run the wizard to a request that passes `validateInstantiateRequest(body, pkg)`. */
export async function paramWizard(pkg: VnfPackage, opts: WizardOptions = {}): Promise<Record<string, unknown>> {
  const a = new Asker(opts.flags ?? {}, opts.prompter);
  const p = opts.prompter;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    a.beginPass();
    // Dropping undefined keys: the file holds only what was answered.
    const body = JSON.parse(JSON.stringify(await buildRequest(pkg, a, opts.sources ?? {}))) as Record<string, unknown>;
    if (a.missing.length || a.invalid.length) throw missingError(a);
    const v = validateInstantiateRequest(body, pkg);
    if (v.problems.length) {
      const owners = v.problems.map((problem) => ({ problem, q: questionFor(problem, a.seen) }));
      if (!p || owners.some((o) => !o.q)) {
        const withFlag = v.problems.map((problem) => {
          const q = questionFor(problem, a.seen);
          return q ? { ...problem, hint: [problem.hint, `set by --${q.flag}`].filter(Boolean).join('; ') } : problem;
        });
        throw new InputError(`The answers do not make a valid param file: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}`, withFlag);
      }
      for (const { problem, q } of owners) if (q) a.reask(questionKey(q), `Not accepted: ${formatProblem(problem)}`);
      continue;
    }
    if (!p) return body;
    p.note(`The param file:\n${preview(body)}`);
    if (await p.confirm(`Write ${opts.output ?? 'the file'}?`, true)) return body;
    const choices = [...a.seen.values()].map((q) => {
      const key = questionKey(q);
      const val = a.answered(key);
      const shown = q.kind === 'password' ? maskSecrets(val, 'password') : val;
      return { name: `${q.message}: ${shown === undefined ? '(none)' : String(shown)}`, value: key };
    });
    a.reask(await p.select('Which answer do you want to change?', choices), '');
  }
  throw new CliError('Too many rounds of answers; nothing was written.');
}
