/**
 * @lers/models: recommender models over compressed embedding tables and their training.
 * LightGCN (collaborative filtering), the optimizers and the model-agnostic training loop.
 */
export type { Batch, Metrics, Model } from './model.js';
export type { Optimizer } from './optim/optimizer.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { Sgd, type SgdOptions } from './optim/sgd.js';
export { createOptimizer, type OptimizerConfig } from './optim/create.js';
export { zeroGradients } from './optim/zero-grad.js';
export { train, type TrainOptions } from './train/train.js';
export type { ExtraTrainState } from './train/extra-state.js';
export { resolveTrainConfig, type CheckpointConfig, type ResolvedTrainConfig, type TrainConfig } from './train/config.js';
export type { EpochRecord, TrainEvent, TrainEventHandler, TrainResult } from './train/events.js';
export { CheckpointError, TrainingDivergedError } from './train/errors.js';
export { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, type CheckpointData } from './train/checkpoint-codec.js';
export { installCheckpointFiles, type CheckpointFiles } from './train/checkpoint-file.js';
export { LightGcn, type LightGcnBatch, type LightGcnLossParts } from './cf/lightgcn.js';
export type { LightGcnTables } from './cf/lightgcn-tables.js';
export { CL_SOFTMAX_FORMS, resolveLightGcnConfig, type CfTableSpec, type ClSoftmax, type LightGcnConfig, type ResolvedLightGcnConfig } from './cf/config.js';
export { Propagation } from './cf/propagation.js';
export { BprLoss, createBprLoss, type BprObjective } from './cf/bpr.js';
export { MultiNegativeBprLoss } from './cf/bpr-multi.js';
export { EgoL2 } from './cf/ego-l2.js';
export { InfoNceLoss } from './cf/infonce.js';
export { PairSampler } from './cf/pair-sampler.js';
export { FullRankingEvaluator, rankingMetricsByName, uploadBinaryCsr } from './cf/ranking-eval.js';
export { mostPopularMetrics } from './cf/most-popular.js';
// Dense layers and the CTR models (DeepFM, DCN-Mix).
export * from './layers/index.js';
export * from './ctr/index.js';
// Multi-stage pipelines (PEP, OptEmbed, CERP).
export * from './pipeline/index.js';
// Training-run settings (every hyperparameter, the protocol's defaults).
export * from './settings/index.js';
// Backbone definitions (tables, building, pipelines, file sections) and their registry.
export * from './backbones/index.js';
// Model files: save / load a whole model, its sizes.
export * from './model-file/index.js';
// The method registry (one list of methods).
export * from './methods/index.js';
// Recipes: training and compression from run settings.
export * from './recipes/index.js';
// LightGCN's serving form (propagate per request, or cached final embeddings).
export { LightGcnServing, CF_SERVING_MODES, type CfServingMode, type LightGcnServingOptions } from './cf/serving.js';
