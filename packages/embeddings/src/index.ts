/**
 * @lers/embeddings: embedding tables for lers. The EmbeddingTable and Parameter interfaces that
 * every compression method implements, the uncompressed `full` table, initialisers, and the
 * method registry (createTable / loadTable / registerMethod).
 */
export type { Parameter, ParameterUpdate, RowSparsity } from './parameter.js';
export type { EmbeddingTable, LookupContext, SerializedTable, TableSize, TableTrainingState } from './table.js';
export { DEFAULT_INIT, initializeValues, xavierUniformBound, type TableInit } from './init.js';
export { TouchedRows } from './touched-rows.js';
export { FullTable, checkTableShape, type FullTableOptions } from './full.js';
export { createTable, loadTable, registerMethod, tableMethods } from './registry.js';
export type { CreateTableOptions, TableMethod, TableOptions } from './registry.js';
export { PrunedCsrTable, type HostCsrArrays, type PrunedTableSize, type PruningInfo } from './methods/pruned-csr.js';
export { MagPruner, magPrune, magPruneSearch, magPruneMethod, type MagPruneOptions, type MagPruneSearchOptions, type MagPruneSearchResult } from './methods/magprune.js';
export { randPrune, randPruneMethod, type RandPruneOptions } from './methods/randprune.js';
export { searchKMin, type KMinStrategy, type KMinTrial, type KMinSearchResult } from './methods/kmin-search.js';
export { magnitudePruneMask, randomPruneMask, rowMagnitudeRanks, maxKMin, targetZeroCount, maskToCsr, type PruneMask } from './methods/magnitude-pruning.js';
export { PrunedInt8Table, magPruneInt8, magPruneInt8Method, quantizeCsrRows, type PrunedInt8Size, type QuantizedCsrValues } from './methods/magprune-int8.js';
export { PtqTable, ptqMethod, PTQ_FORMATS, ptqBitWidth, affineParams, signedRange, packRowwise, type PtqFormat, type AffineParams, type QuantizedTableSize } from './methods/ptq.js';
export { QatTable, qatMethod, type QatBits, type QatOptions, type QatTableSize } from './methods/qat.js';
export { fakeQuantForward, fakeQuantBackward, stepRoundingSeed, MIN_QAT_SCALE, type FakeQuantSpec } from './methods/fake-quant.js';
export { tableValues, denseOf, type DenseValues, type DenseSource } from './methods/dense-source.js';
export { POST_TRAINING_BUDGETS, solvePruningBudget, solvePtqBudget, solveQatBudget, solvePrunedInt8Budget, quantizedParamCount } from './methods/post-training-budgets.js';
export { QrTable, qrMethod, type QrTableOptions } from './methods/qr.js';
export { TtRecTable, ttrecMethod, TT_DEFAULT_RANK, type TtRecTableOptions } from './methods/ttrec.js';
export { factorRows, factorDim, ttShape, ttParamCount, ttCacheRows } from './methods/tt-shape.js';
export { DheTable, dheMethod, chunkBounds, DHE_DEFAULT_HIDDEN, DHE_DEFAULT_CHUNK_ROWS, type DheTableOptions } from './methods/dhe.js';
export { DheMlp, mlpParamCount, type DheLayer, type MlpMode } from './methods/dhe-mlp.js';
export { drawDheHashes, isPrime, DHE_DEFAULT_K, DHE_DEFAULT_RANGE, type DheHashes } from './methods/dhe-hash.js';
export { solveBudget, registerBudget, budgetMethods, fractionBudget, BudgetError, DEFAULT_BUDGET_TOLERANCE, targetParams, budgetSolution, solveQr, qrParamCount, solveTtrec, solveDhe, DHE_DEFAULT_DEPTH, TT_DEFAULT_CORES, TT_DEFAULT_CACHE_FRACTION } from './budget/index.js';
export type { BudgetRequest, BudgetSolution, BudgetSolver } from './budget/index.js';
export { MODEL_FORMAT, ModelFileError, encodeModelFile, decodeModelFile, tableOf, loadModelTable, denseArrayOf, vocabularyOf, type ModelHeader, type ModelFile, type ModelContents, type ModelTableEntry } from './model-file/format.js';
export { PepTable, pepMethod, isMaskSearchTable, DEFAULT_TARGETS, PEP_DEFAULT_THRESHOLD_INIT, PEP_DEFAULT_THRESHOLD_DECAY, type PepTableOptions, type MaskSearchTable } from './methods/pep.js';
export { OptEmbedTable, optEmbedMethod, OPTEMBED_DEFAULT_THRESHOLD_REG, OPTEMBED_DEFAULT_THRESHOLD_LR, type OptEmbedTableOptions, type OptEmbedGrouping, type OptEmbedThresholdOptimizer } from './methods/optembed.js';
export { dimProbabilities, expectedDims, solveDimAlpha, DimSampler, binaryStepGrad } from './methods/optembed-dims.js';
export { CerpTable, cerpMethod, cerpBuckets, cerpQuotientRows, CERP_DEFAULT_BUCKET_FACTOR, CERP_DEFAULT_THRESHOLD_DECAY, CERP_DEFAULT_COMPLEMENTARITY, type CerpTableOptions } from './methods/cerp.js';
export { MaskCapture, CAPTURE_MODES, keptAtTarget, checkTargets, type CaptureMode, type CapturedMask } from './methods/mask-capture.js';
export { MaskedTable, type MaskedTableOptions, type MaskedTableSize } from './methods/masked-table.js';
export { CsrTable } from './methods/csr-table.js';
export { MaskedPart, createWeight, type TablePart } from './methods/table-part.js';
export { SoftThresholdPart, thresholdLength, THRESHOLD_GRANULARITIES, type SoftThresholdPartOptions } from './methods/soft-threshold-part.js';
export { maskedCsr, csrToMasked, csrBytes, type MaskedCsr } from './methods/sparse-form.js';
export { tableMask } from './methods/table-masks.js';
export { loadPrunedForm, searchThenMaskMethod } from './methods/search-then-mask.js';
