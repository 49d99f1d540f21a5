/** Multi-stage training: the stage/pipeline engine and the PEP, OptEmbed and CERP pipelines. */
export { runPipeline } from './pipeline.js';
export type { PipelineDefinition, PipelineEvent, PipelineOptions, PipelineResult, Stage, StageContext, StageOutput, StageRecord } from './stage.js';
export { StageModel, StageStop, clipGradNorm, type StepHooks } from './stage-model.js';
export { artifactType, fromSection, toSection, type Artifact, type ArtifactEntry, type ArtifactType, type Artifacts } from './artifacts.js';
export { lightGcnBackbone, ctrBackbone, type Backbone, type ModelSettings } from './backbone.js';
export { TargetNotReachedError, tablesSize, maskName, searchConfig, modelSettings, retrainStage, type MethodPipelineOptions, type ModelTablesSize, type RetrainInfo, type RetrainSetup } from './method-common.js';
export { weightArtifacts, writeWeightArtifacts } from './model-weights.js';
export { tablesTrainState } from './table-state.js';
export { pepPipeline } from './pep-pipeline.js';
export { cerpPipeline, CERP_DEFAULT_CLIP, CERP_DEFAULT_NEGATIVES } from './cerp-pipeline.js';
export { optEmbedPipeline, type OptEmbedPipelineOptions } from './optembed-pipeline.js';
export { evolutionarySearch, type Candidate, type EvolutionOptions, type EvolutionResult, type ScoredCandidate } from './optembed-search.js';
export { searchReport, captureRecord, type SearchReport, type CaptureRecord } from './search-report.js';
export { runMethodPipeline, runMethodAtTarget, methodPipeline, targetResults, type MethodTargetResult } from './run-method.js';
