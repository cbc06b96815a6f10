/**
 * Errors the CLI reports to the user. The message is printed alone on stderr (no stack, no prefix),
 * as the real `openstack vnflcm` client does, and the process exits with `exitCode`.
 *
 * Exit codes (documented in the README):
 *   1  runtime error (not found, conflict, cloud error, failed operation)
 *   2  usage error (bad flags or arguments)
 *   3  invalid input file (param file or VNF package failed validation)
 *   4  authentication / configuration error (clouds.yaml, credentials)
 *   5  remote provisioning error (SSH, a provisioning step failed)
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/**
 * An operation that was interrupted: its occurrence is recorded, but running steps may still hold
 * sockets open, so the CLI prints the message and exits at once (130 / 143) instead of waiting.
 */
export class LeaveNow extends CliError {
  constructor(message: string, exitCode: number) {
    super(message, exitCode);
    this.name = 'LeaveNow';
  }
}

export const ExitCode = {
  runtime: 1,
  usage: 2,
  invalidInput: 3,
  auth: 4,
  remote: 5,
} as const;

/** One problem found in an input file: where, what was expected, what was found, and a hint. */
export interface InputProblem {
  /** JSON path like `additionalParams.private_registry_installation_param.ssh_password`, or a file path for packages. */
  path: string;
  expected: string;
  found: string;
  hint?: string;
}

export function formatProblem(p: InputProblem): string {
  const head = `${p.path || '(root)'}: expected ${p.expected}, found ${p.found}`;
  return p.hint ? `${head} (hint: ${p.hint})` : head;
}

/** A validation failure that carries every problem found (all are reported at once). */
export class InputError extends CliError {
  readonly problems: InputProblem[];
  constructor(title: string, problems: InputProblem[]) {
    super([title, ...problems.map((p) => `  - ${formatProblem(p)}`)].join('\n'), ExitCode.invalidInput);
    this.name = 'InputError';
    this.problems = problems;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
