/** @lers/cli: the `lers` command line, and the helpers it is made of (model files, settings, data). */
export { buildProgram, runCli } from './cli/program.js';
export { EXIT, UsageError, DataError, InterruptedError, exitCodeOf } from './cli/errors.js';
export { saveModel, loadModel, shellDataset, tableSizes, datasetInfo, type SaveInfo, type LoadedModel, type DatasetInfo } from './model-io/model-io.js';
export { buildModel, createTables, planTables, modelTables, type AnyModel, type TablePlan } from './model-io/build.js';
export { resolveSettings, effectiveConfig, defaultSettings, type TrainSettings } from './config/settings.js';
export { resolveDataRef, loadData, type DataRef } from './data/datasets.js';
