import { Rng } from '@lers/kernels/random';
import { fieldOffsetsFrom, type CtrDataset } from '../ctr/dataset.js';
import { DEFAULT_CTR_SPLIT, splitRows, type CtrSplitSpec } from '../ctr/split.js';
import { CREATED_BY, toJsonObject } from '../manifest.js';
import { sampleCdf, zipfCdf } from './zipf.js';

/** Options of `generateSyntheticCtr` (all have defaults). */
export interface SyntheticCtrOptions {
  /** Default 100,000. */
  rows?: number;
  /** Distinct values per field (the OOV index 0 is added on top); default 10 fields of 3..2000. */
  cardinalities?: number[];
  /** Values of a field follow Zipf(exponent) over 1..cardinality (default 1.1). */
  zipfExponent?: number;
  /** Dimension of the planted FM factors (default 4). */
  factorDim?: number;
  /** Std of the first-order weights (default 0.3). */
  linearStd?: number;
  /** Std of the factor entries (default 0.35). */
  factorStd?: number;
  /** The bias is set so the mean click probability is this (default 0.25). */
  positiveRate?: number;
  /** Default: random 80/10/10, seed 2023. */
  split?: CtrSplitSpec;
  /** Default 2023. */
  seed?: number;
}

/**
 * The planted logistic model with pairwise (FM) interactions, indexed by global feature id:
 * `logit = bias + sum_f linear[x_f] + sum_{f<g} <factors[x_f], factors[x_g]>`, `P(click) = sigmoid(logit)`.
 * `logits` holds each row's planted logit (the Bayes-optimal score for AUC).
 */
export interface PlantedCtrModel {
  bias: number;
  linear: Float32Array;
  /** totalFeatures x factorDim, row-major. */
  factors: Float32Array;
  factorDim: number;
  logits: Float32Array;
}

/** A generated CTR dataset with the model that produced its labels. */
export interface SyntheticCtr {
  dataset: CtrDataset;
  planted: PlantedCtrModel;
}

const DEFAULT_CARDINALITIES = [2000, 1000, 500, 200, 100, 50, 20, 10, 5, 3];

/** The planted logit of row `row` of `x` without the bias (FM term via the sum-square identity). */
export function plantedCtrLogit(model: Omit<PlantedCtrModel, 'logits' | 'bias'>, x: Int32Array, row: number, fields: number): number {
  const k = model.factorDim;
  let linear = 0;
  let pair = 0;
  for (let d = 0; d < k; d++) {
    let sum = 0;
    let sumSq = 0;
    for (let f = 0; f < fields; f++) {
      const v = model.factors[x[row * fields + f] * k + d];
      sum += v;
      sumSq += v * v;
    }
    pair += 0.5 * (sum * sum - sumSq);
  }
  for (let f = 0; f < fields; f++) linear += model.linear[x[row * fields + f]];
  return linear + pair;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The bias that makes the mean of sigmoid(bias + z) equal `rate` (bisection). */
function calibrateBias(z: Float32Array, rate: number): number {
  let lo = -30;
  let hi = 30;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    let mean = 0;
    for (const v of z) mean += sigmoid(mid + v);
    if (mean / z.length < rate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Generates multi-field categorical data with Zipf-distributed values per field and labels drawn
 * from a planted logistic model with FM interactions (seeded). Local index 0 of each field (OOV) is
 * never generated, matching the readers' convention.
 */
export function generateSyntheticCtr(options: SyntheticCtrOptions = {}): SyntheticCtr {
  const rows = options.rows ?? 100_000;
  const cardinalities = options.cardinalities ?? DEFAULT_CARDINALITIES;
  const zipf = options.zipfExponent ?? 1.1;
  const k = options.factorDim ?? 4;
  const linearStd = options.linearStd ?? 0.3;
  const factorStd = options.factorStd ?? 0.35;
  const positiveRate = options.positiveRate ?? 0.25;
  const split = options.split ?? DEFAULT_CTR_SPLIT;
  const seed = options.seed ?? 2023;
  const rng = new Rng(seed);

  const fields = cardinalities.length;
  const fieldDims = Int32Array.from(cardinalities, (c) => c + 1);
  const fieldOffsets = fieldOffsetsFrom(fieldDims);
  const total = fieldOffsets[fields - 1] + fieldDims[fields - 1];
  const linear = new Float32Array(total);
  const factors = new Float32Array(total * k);
  for (let f = 0; f < fields; f++) {
    // The OOV row (local 0) keeps zero weights.
    for (let g = fieldOffsets[f] + 1; g < fieldOffsets[f] + fieldDims[f]; g++) {
      linear[g] = linearStd * rng.nextNormal();
      for (let d = 0; d < k; d++) factors[g * k + d] = factorStd * rng.nextNormal();
    }
  }

  const cdfs = cardinalities.map((c) => zipfCdf(c, zipf));
  const x = new Int32Array(rows * fields);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < fields; f++) x[r * fields + f] = fieldOffsets[f] + sampleCdf(cdfs[f], rng);
  }
  const logits = new Float32Array(rows);
  const model = { linear, factors, factorDim: k };
  for (let r = 0; r < rows; r++) logits[r] = plantedCtrLogit(model, x, r, fields);
  const bias = calibrateBias(logits, positiveRate);
  const labels = new Uint8Array(rows);
  let positives = 0;
  for (let r = 0; r < rows; r++) {
    logits[r] += bias;
    labels[r] = rng.nextFloat() < sigmoid(logits[r]) ? 1 : 0;
    positives += labels[r];
  }

  const dataset: CtrDataset = {
    kind: 'ctr',
    rows,
    fields,
    fieldNames: cardinalities.map((_, f) => `F${f + 1}`),
    fieldDims,
    fieldOffsets,
    x,
    labels,
    split: splitRows(rows, split),
    manifest: {
      name: 'synthetic-ctr',
      task: 'ctr',
      format: 'synthetic',
      sources: [],
      params: toJsonObject({ rows, cardinalities, zipfExponent: zipf, factorDim: k, linearStd, factorStd, positiveRate, split, seed }),
      counts: { rows, positives, fields, features: total },
      splitSeed: split.kind === 'random' ? split.seed : null,
      createdBy: CREATED_BY,
    },
  };
  return { dataset, planted: { bias, linear, factors, factorDim: k, logits } };
}
