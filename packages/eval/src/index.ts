/**
 * @lers/eval: evaluation for lers. Full-ranking CF metrics (Recall in both definitions, NDCG,
 * Precision, HitRate at several K), exact CTR metrics (AUC with ties, clipped LogLoss, accuracy),
 * Markdown/CSV result tables and small Node/browser efficiency probes. Pure TypeScript over typed arrays.
 */
export { EvalArgumentError } from './errors.js';
export type { NumericArray } from './labels.js';
export { RankingSums, dcgDiscounts, normalizeKs, rankingRow } from './ranking.js';
export type { RankingAtK, RankingMetrics, TruthCsr } from './ranking.js';
export { RankingAccumulator, type RankingAccumulatorOptions } from './ranking-accumulator.js';
export { rankingMetricsFromScores, type ScoresInput } from './ranking-scores.js';
export { auc, aucDetailed, type AucResult } from './auc.js';
export { DEFAULT_LOGLOSS_EPS, logLoss, logLossFromLogits, softplus, type LogLossOptions } from './logloss.js';
export { accuracy, accuracyFromLogits } from './accuracy.js';
export { CtrAccumulator, ctrMetrics } from './ctr.js';
export type { CtrAccumulatorOptions, CtrMetrics, CtrPredictions } from './ctr.js';
export { formatTable, toCsv } from './table.js';
export type { CsvOptions, Direction, TableOptions, TableRow } from './table.js';
export { memorySnapshot, parseVmHwm, peakRss, timeIt, timeItAsync } from './probes.js';
export type { MemorySnapshot, PeakRssSource, Timing } from './probes.js';
