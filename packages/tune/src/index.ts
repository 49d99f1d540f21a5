/**
 * @lers/tune: hyperparameter search. A seeded Tree-structured Parzen Estimator with Optuna's
 * defaults (and random search) over int / float / log / step / categorical spaces, constraints
 * ranked as Optuna ranks infeasible trials, a study file that a re-run resumes (atomic writes,
 * kill -9 safe), and trials run one after another or in a pool of worker processes.
 */
export { TuneError, StudyMismatchError } from './errors.js';
export type { Choice, FloatParam, IntParam, CategoricalParam, ParamSpec, SearchSpace, Params, Domain, NumericDomain, CategoricalDomain } from './space.js';
export { compileSpace, sampleUniform, toExternal, toInternal } from './space.js';
export { ndtr, logNdtr, logGaussMass, ndtriExp, truncNormPpf, truncNormLogPdf } from './normal.js';
export { uniform53 } from './uniform.js';
export { ParzenEstimator, gapBandwidths, type ParzenOptions } from './parzen.js';
export { defaultGamma, defaultWeights, splitTrials } from './split.js';
export { suggest, argmaxRatio, resolveSamplerOptions, DEFAULT_STARTUP_TRIALS, type SamplerOptions, type ResolvedSamplerOptions } from './sampler.js';
export { isFeasible, recordFailure, recordOutcome, violation, type Direction, type TrialOutcome, type TrialRecord, type TrialState } from './trial.js';
export { resolveStudyConfig, type StudyConfig, type ResolvedStudyConfig } from './config.js';
export { formatStudyFile, parseStudyFile, readStudyFile, writeStudyFile } from './study-file.js';
export { Study, type Objective, type OptimizeOptions } from './study.js';
export { ProcessPool, type ProcessPoolOptions } from './pool.js';
export type { WorkerObjective } from './worker-protocol.js';
