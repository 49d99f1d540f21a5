import type { DatasetManifest } from '../manifest.js';
import type { CtrVocabulary } from './vocabulary.js';

/** Row indices of the three CTR splits (ascending; together they cover every row once). */
export interface CtrSplitIndices {
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

/**
 * A CTR dataset: `x` is a row-major `rows x fields` matrix of global feature ids (field offsets
 * applied, so ids index one shared embedding table of `sum(fieldDims)` rows). Local index 0 of
 * every field is that field's OOV bucket. The split is kept as row indices; `takeRows` materialises.
 */
export interface CtrDataset {
  kind: 'ctr';
  rows: number;
  fields: number;
  fieldNames: string[];
  fieldDims: Int32Array;
  fieldOffsets: Int32Array;
  x: Int32Array;
  labels: Uint8Array;
  split: CtrSplitIndices;
  manifest: DatasetManifest;
  /** Raw value -> feature id per field and the row encoder, for data read from raw files (not synthetic). */
  vocabulary?: CtrVocabulary;
}

/** Exclusive prefix sum of the field dims: the global id of each field's local index 0. */
export function fieldOffsetsFrom(fieldDims: Int32Array): Int32Array {
  const offsets = new Int32Array(fieldDims.length);
  for (let f = 1; f < fieldDims.length; f++) offsets[f] = offsets[f - 1] + fieldDims[f - 1];
  return offsets;
}

/** Total number of features (rows of the shared embedding table). */
export function totalFeatures(ds: Pick<CtrDataset, 'fieldDims'>): number {
  let total = 0;
  for (const d of ds.fieldDims) total += d;
  return total;
}

/** Copies the given rows into a contiguous `x` block and float labels (for a training loop). */
export function takeRows(ds: CtrDataset, rowIndices: Int32Array): { x: Int32Array; labels: Float32Array } {
  const f = ds.fields;
  const x = new Int32Array(rowIndices.length * f);
  const labels = new Float32Array(rowIndices.length);
  for (let k = 0; k < rowIndices.length; k++) {
    const r = rowIndices[k];
    x.set(ds.x.subarray(r * f, r * f + f), k * f);
    labels[k] = ds.labels[r];
  }
  return { x, labels };
}
