/** CTR models: DeepFM and DCN-Mix over one shared (possibly compressed) embedding table. */
export { CtrModel, type CtrModelOptions, type TableSpec } from './ctr-model.js';
export { batchCount, shuffledBatches, type CtrBatch } from './ctr-batches.js';
export { FieldIndex } from './field-index.js';
export { FmInteraction } from './fm.js';
export { DeepFm, type DeepFmOptions } from './deepfm.js';
export { DcnMix, type DcnMixOptions } from './dcnmix.js';
