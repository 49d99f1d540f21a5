/** @lers/cli: the `lers` command line (the libraries hold the work: @lers/models, @lers/runtime, @lers/data). */
export { buildProgram, runCli } from './cli/program.js';
export { EXIT, UsageError, DataError, InterruptedError, exitCodeOf } from './cli/errors.js';
export { resolveDataRef, loadData, type DataRef } from './data/datasets.js';
