/** The name of the step running in this async context, so remote commands and errors can name it without passing it around. */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The name of the step being run (set by `runSteps`), used to label commands that give none. */
export const stepContext = new AsyncLocalStorage<string>();

export function currentStep(): string | undefined {
  return stepContext.getStore();
}
