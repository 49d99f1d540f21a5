/** Training and compressing from run settings: what the CLI, the bench grid and apps call. */
export { planTables, planOptions, createTables, type TablePlan } from './plan.js';
export { trainFromSettings, trainConfigOf, flatMetrics, checkTrainable, type SettingsRunOptions, type TrainOutcome } from './train-settings.js';
export { compressModel, compressOptions, checkCompressMethod, evaluateBoth, type CompressRequest, type Compressed } from './compress.js';
export { trainingRecipe, recipeDifferences, effectiveClip, type TrainingRecipe } from './recipe.js';
