/**
 * @lers/embeddings: embedding tables for lers. The EmbeddingTable and Parameter interfaces that
 * every compression method implements, each method's table and its MethodDefinition (one folder
 * per method under src/methods/), budget solving and the `.lers` model file format. The registry
 * that lists the definitions is @lers/models' (it adds the search methods' training pipelines).
 */
export type { Parameter, ParameterUpdate, RowSparsity } from './parameter.js';
export type { EmbeddingTable, LookupContext, SerializedTable, TableSize, TableTrainingState } from './table.js';
export { DEFAULT_INIT, initializeValues, xavierUniformBound, type TableInit } from './init.js';
export { TouchedRows } from './methods/full/touched-rows.js';
export { FullTable, fullMethod, checkTableShape, type FullTableOptions } from './methods/full/full.js';
export type { CreateTableOptions, LoadPurpose, MethodDefinition, MethodKind, TableOptions } from './method.js';
export { PrunedCsrTable, type HostCsrArrays, type PrunedTableSize, type PruningInfo } from './methods/pruning/pruned-csr.js';
export { MagPruner, magPrune, magPruneSearch, magPruneMethod, type MagPruneOptions, type MagPruneSearchOptions, type MagPruneSearchResult } from './methods/pruning/magprune.js';
export { randPrune, randPruneMethod, type RandPruneOptions } from './methods/pruning/randprune.js';
export { searchKMin, type KMinStrategy, type KMinTrial, type KMinSearchResult } from './methods/pruning/kmin-search.js';
export { magnitudePruneMask, randomPruneMask, rowMagnitudeRanks, maxKMin, targetZeroCount, maskToCsr, type PruneMask } from './methods/pruning/magnitude-pruning.js';
export { PrunedInt8Table, magPruneInt8, magPruneInt8Method, quantizeCsrRows, type PrunedInt8Size, type QuantizedCsrValues } from './methods/pruning/magprune-int8.js';
export { PtqTable, ptqMethod, PTQ_FORMATS, ptqBitWidth, affineParams, signedRange, packRowwise, type PtqFormat, type AffineParams, type QuantizedTableSize } from './methods/quantization/ptq.js';
export { QatTable, qatMethod, type QatBits, type QatOptions, type QatTableSize } from './methods/quantization/qat.js';
export { QatServedTable } from './methods/quantization/qat-served.js';
export { fakeQuantForward, fakeQuantBackward, stepRoundingSeed, MIN_QAT_SCALE, type FakeQuantSpec } from './methods/quantization/fake-quant.js';
export { readTableValues, tableValues, denseOf, type DenseValues, type DenseSource } from './methods/common/dense-source.js';
export { solvePruningBudget, solvePrunedInt8Budget } from './methods/pruning/budget.js';
export { solvePtqBudget, solveQatBudget, quantizedParamCount } from './methods/quantization/budget.js';
export { solveQr, qrParamCount } from './methods/qr/budget.js';
export { solveTtrec, TT_DEFAULT_CORES, TT_DEFAULT_CACHE_FRACTION } from './methods/ttrec/budget.js';
export { solveDhe, DHE_DEFAULT_DEPTH } from './methods/dhe/budget.js';
export { QrTable, qrMethod, type QrTableOptions } from './methods/qr/qr.js';
export { TtRecTable, ttrecMethod, TT_DEFAULT_RANK, type TtRecTableOptions } from './methods/ttrec/ttrec.js';
export { factorRows, factorDim, ttShape, ttParamCount, ttCacheRows } from './methods/ttrec/tt-shape.js';
export { DheTable, dheMethod, chunkBounds, DHE_DEFAULT_HIDDEN, DHE_DEFAULT_CHUNK_ROWS, type DheTableOptions } from './methods/dhe/dhe.js';
export { DheMlp, mlpParamCount, type DheLayer, type MlpMode } from './methods/dhe/dhe-mlp.js';
export { drawDheHashes, isPrime, DHE_DEFAULT_K, DHE_DEFAULT_RANGE, type DheHashes } from './methods/dhe/dhe-hash.js';
export { solveWith, fractionBudget, BudgetError, DEFAULT_BUDGET_TOLERANCE, targetParams, budgetSolution } from './budget/index.js';
export type { BudgetRequest, BudgetSolution, BudgetSolver } from './budget/index.js';
export { MODEL_FORMAT, ModelFileError, encodeModelFile, decodeModelFile, decodeResidentModelFile, tableOf, denseArrayOf, vocabularyOf, type ModelHeader, type ModelFile, type ModelContents, type ModelTableEntry } from './model-file/format.js';
export { PepTable, pepMethod, isMaskSearchTable, DEFAULT_TARGETS, PEP_DEFAULT_THRESHOLD_INIT, PEP_DEFAULT_THRESHOLD_DECAY, type PepTableOptions, type MaskSearchTable } from './methods/pep/pep.js';
export { OptEmbedTable, optEmbedMethod, OPTEMBED_DEFAULT_THRESHOLD_REG, OPTEMBED_DEFAULT_THRESHOLD_LR, type OptEmbedTableOptions, type OptEmbedGrouping, type OptEmbedThresholdOptimizer } from './methods/optembed/optembed.js';
export { dimProbabilities, expectedDims, solveDimAlpha, DimSampler, binaryStepGrad } from './methods/optembed/optembed-dims.js';
export { cerpQuotientRows } from './methods/cerp/cerp-ids.js';
export { CerpServedTable } from './methods/cerp/cerp-served.js';
export { CerpTable, cerpMethod, cerpBuckets, CERP_DEFAULT_BUCKET_FACTOR, CERP_DEFAULT_THRESHOLD_DECAY, CERP_DEFAULT_COMPLEMENTARITY, type CerpTableOptions } from './methods/cerp/cerp.js';
export { MaskCapture, CaptureGroup, CAPTURE_MODES, CAPTURE_SCOPES, keptAtTarget, checkTargets, type CaptureMode, type CaptureScope, type CapturedMask, type StartProbe } from './methods/learned-pruning/mask-capture.js';
export { SearchStartError, DEFAULT_AUTO_START, thresholdForPruned, prunedFraction, sortedMagnitudes, logit, type SearchStart, type ThresholdStart } from './methods/learned-pruning/search-start.js';
export { MaskedTable, type MaskedTableOptions, type MaskedTableSize } from './methods/learned-pruning/masked-table.js';
export { CsrTable } from './methods/learned-pruning/csr-table.js';
export { MaskedPart, createWeight, type TablePart } from './methods/learned-pruning/table-part.js';
export { SoftThresholdPart, thresholdLength, THRESHOLD_GRANULARITIES, type SoftThresholdPartOptions } from './methods/learned-pruning/soft-threshold-part.js';
export { maskedCsr, csrToMasked, csrBytes, type MaskedCsr } from './methods/learned-pruning/sparse-form.js';
export { tableMask } from './methods/learned-pruning/table-masks.js';
export { loadPrunedForm, searchThenMaskMethod } from './methods/learned-pruning/search-then-mask.js';
