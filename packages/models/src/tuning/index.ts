/**
 * @lers/models/tuning: hyperparameter tuning of run settings with @lers/tune (Node: study files):
 * the protocol's search spaces per backbone and method, trials scored on validation only with the
 * target sparsity as a constraint, and a resumable study per method x target.
 */
export { tuningSpace, methodsWithSpaces, METHOD_PARAM, THRESHOLD_SPACES, type SpaceOptions, type ThresholdSpace, type TuningSpace } from './spaces.js';
export { applyParams } from './apply.js';
export type { Params } from '@lers/tune';
export { evaluateTrial, trialSettingsOf, sparsityTolerance, type TrialSetup } from './objective.js';
export { tuneSettings, type TuneRequest, type TuneResult } from './tune-settings.js';
export { tuneRun, tuningSummary, trialChanges, type TuneOptions, type TuningSummary, type TuneHooks } from './run.js';
export type { TrialRecord, SearchSpace, ParamSpec } from '@lers/tune';
export { compileSpace, DEFAULT_STARTUP_TRIALS } from '@lers/tune';
export { StudyMismatchError } from '@lers/tune';
