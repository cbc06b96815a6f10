/** The remote-execution layer used by every management driver: SSH connect, commands, files, steps. */
export { connect, type ConnectOptions, type RetryInfo } from './connect.js';
export {
  RemoteHost,
  pipelinedWrite,
  type Command,
  type RawRunResult,
  type RemoteHostInit,
  type RunOptions,
  type RunResult,
  type ScriptCommand,
  type UploadOptions,
  type UploadProgress,
  type UploadResult,
  type WriteFileOptions,
} from './host.js';
export { HostKeyChangedError, RemoteCommandError, RemoteError, RemoteTimeoutError } from './errors.js';
export { MemoryHostKeyStore, fingerprintSha256, type HostKeyStore } from './hostkeys.js';
export { OperationLog, REDACTED, basicAuthSecrets, redact, secretVariants, type CommandLogEntry } from './log.js';
export { shellJoin, shellQuote } from './quote.js';
export { bundledScript } from './scripts.js';
export { StepFailedError, runSteps, type RunStepsOptions, type Step, type StepReport, type StepStatus } from './steps.js';
