/**
 * Errors and exit codes of the `lers` CLI: 0 success, 1 usage error (bad flags, malformed config,
 * unknown method, unreachable target), 2 data or model error (missing or malformed files, corrupt
 * model files, diverged training), 130 interrupted (Ctrl-C / SIGTERM).
 */
import { EXIT } from '@lers/data';

/** The documented exit codes, shared with `lers-data`. */
export { EXIT };

/** A usage error: the command line or config asks for something impossible (exit 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A data or model error: an input file is missing, malformed or inconsistent (exit 2). */
export class DataError extends Error {
  override name = 'DataError';
}

/** The run was interrupted by a signal (exit 130); files being written are left untouched. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(readonly signal: string) {
    super(`interrupted (${signal})`);
  }
}

/** Error class names (from the lers libraries) that mean "bad input data or model". */
const DATA_ERRORS = new Set([
  'LersDataError',
  'DataFormatError',
  'CacheFormatError',
  'DownloadError',
  'ChecksumMismatchError',
  'ManualDownloadRequiredError',
  'ModelFileError',
  'ModelContentError',
  'RequestError',
  'CheckpointError',
  'TrainingDivergedError',
  'AdviceInputError',
  'StudyMismatchError',
]);

/**
 * Error class names that mean "the request cannot be satisfied as asked" (a usage error). The
 * libraries throw RangeError for out-of-range arguments, which the CLI only passes from the user.
 */
const USAGE_ERRORS = new Set(['MemoryLimitError', 'TuneError', 'BudgetError', 'SettingsError', 'BackendUnavailableError', 'HostBackendRequiredError', 'DataOptionError', 'CommanderError', 'InvalidArgumentError', 'RangeError']);

/** Node error codes of file-system problems (a missing or unreadable input is a data error). */
const FS_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM', 'EMFILE', 'ENOSPC', 'EROFS']);

/** The names along an error's prototype chain (so subclasses of a library error classify too). */
function classNames(err: Error): string[] {
  const names = [err.name];
  for (let p: unknown = Object.getPrototypeOf(err); p !== null && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: { name?: string } }).constructor;
    if (typeof ctor?.name === 'string') names.push(ctor.name);
  }
  return names;
}

/** The exit code of an error thrown by a command. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof InterruptedError) return EXIT.interrupted;
  // A study file written for another study is a file conflict, like a checkpoint's (before TuneError, its base).
  if (err instanceof Error && err.name === 'StudyMismatchError') return EXIT.data;
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof DataError) return EXIT.data;
  if (!(err instanceof Error)) return EXIT.data;
  const names = classNames(err);
  if (names.some((n) => USAGE_ERRORS.has(n))) return EXIT.usage;
  if (names.some((n) => DATA_ERRORS.has(n))) return EXIT.data;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && FS_CODES.has(code)) return EXIT.data;
  return EXIT.data;
}

/** True for errors we raise on purpose (their message is the whole story; no stack needed). */
export function isExpected(err: unknown): boolean {
  if (err instanceof UsageError || err instanceof DataError || err instanceof InterruptedError) return true;
  if (!(err instanceof Error)) return false;
  const names = classNames(err);
  if (names.some((n) => USAGE_ERRORS.has(n) || DATA_ERRORS.has(n))) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && FS_CODES.has(code);
}

/** The message of an error as the CLI prints it (file-system errors name the path). */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' && typeof e.path === 'string') return `${e.path}: no such file or directory`;
  if (e.code === 'EACCES' && typeof e.path === 'string') return `${e.path}: permission denied`;
  if (e.code === 'EISDIR' && typeof e.path === 'string') return `${e.path}: is a directory (a file was expected)`;
  return err.message;
}
