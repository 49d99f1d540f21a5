import { Rng } from '@lers/kernels/random';
import { CRITEO_CATEGORICAL_FIELDS, CRITEO_INTEGER_FIELDS } from '../ctr/criteo-format.js';
import { sampleCdf, zipfCdf } from './zipf.js';

/** Options of `syntheticCriteoText` (all but `rows` have defaults). */
export interface SyntheticCriteoOptions {
  rows: number;
  /** Default 2023. */
  seed?: number;
  /** Distinct values of each of the 26 categorical fields (default: `DEFAULT_CRITEO_CARDINALITIES`). */
  cardinalities?: readonly number[];
  /** Integer fields take values 0..integerValues-1 (default 1000). */
  integerValues?: number;
  /** Values follow Zipf(exponent) in every field (default 1.05). */
  zipfExponent?: number;
  /** Share of empty integer fields (default 0.1) and of empty categorical fields (default 0.05). */
  emptyInteger?: number;
  emptyCategorical?: number;
  /** Click rate of a row whose planted weights sum to 0 (default 0.25). */
  positiveRate?: number;
  /** Std of the planted first-order weight of each value (default 0.15). */
  weightStd?: number;
  /** Bytes per chunk handed out (default 1 MiB); a chunk holds whole lines. */
  chunkBytes?: number;
}

/**
 * Criteo Kaggle's 26 categorical cardinalities (train.txt), capped at 20,000 so that a million rows
 * see nearly every value (the vocabulary then stops growing and memory can be compared across sizes).
 */
export const DEFAULT_CRITEO_CARDINALITIES: readonly number[] = [
  1460, 583, 20_000, 20_000, 305, 24, 12_517, 633, 3, 20_000, 5683, 20_000, 3194, 27, 14_992, 20_000, 10, 5652, 2173, 4, 20_000, 18, 15, 20_000, 105, 20_000,
];

const TAB = 9;
const NEWLINE = 10;
/** The longest line: label, 13 integers of at most 10 digits, 26 hashes of 8 digits, 39 tabs and the newline. */
const MAX_LINE = 2 + 13 * 11 + 26 * 9 + 1;
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** The 8-hex-digit hash written for value `v` (1-based) of categorical field `f`: one-to-one per field. */
export function syntheticCriteoHash(f: number, v: number): number {
  return (Math.imul(v, 0x9e3779b1) ^ Math.imul(f + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Generates a Criteo-shaped TSV (label, I1..I13, C1..C26) deterministically from a seed, as chunks of
 * whole lines, so that files of any size stream out in bounded memory. Values are Zipf-distributed
 * per field (integers 0..integerValues-1, categorical values as 8-digit hex hashes), some fields
 * empty; the label is drawn from a planted first-order logistic model (one normal weight per value),
 * so a model can learn from the file.
 */
export function* syntheticCriteoText(options: SyntheticCriteoOptions): Generator<Uint8Array> {
  const rows = options.rows;
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`syntheticCriteoText: rows must be a non-negative integer, got ${rows}`);
  const cards = options.cardinalities ?? DEFAULT_CRITEO_CARDINALITIES;
  if (cards.length !== CRITEO_CATEGORICAL_FIELDS || !cards.every((c) => Number.isInteger(c) && c > 0)) {
    throw new RangeError(`syntheticCriteoText: need ${CRITEO_CATEGORICAL_FIELDS} positive integer cardinalities`);
  }
  const intValues = options.integerValues ?? 1000;
  const s = options.zipfExponent ?? 1.05;
  const emptyInt = options.emptyInteger ?? 0.1;
  const emptyCat = options.emptyCategorical ?? 0.05;
  const rate = options.positiveRate ?? 0.25;
  const std = options.weightStd ?? 0.15;
  const rng = new Rng(options.seed ?? 2023);

  const intCdf = zipfCdf(intValues, s);
  const catCdfs = cards.map((c) => zipfCdf(c, s));
  const intWeights = Array.from({ length: CRITEO_INTEGER_FIELDS }, () => Float32Array.from({ length: intValues }, () => std * rng.nextNormal()));
  const catWeights = cards.map((c) => Float32Array.from({ length: c }, () => std * rng.nextNormal()));
  const bias = Math.log(rate / (1 - rate));

  const chunkBytes = Math.max(options.chunkBytes ?? 1 << 20, MAX_LINE);
  let buf = new Uint8Array(chunkBytes);
  let at = 0;
  const line = new Uint8Array(MAX_LINE);
  for (let r = 0; r < rows; r++) {
    // The label comes first in the line but depends on the values: write the fields after it, then it.
    let p = 2;
    let logit = bias;
    for (let f = 0; f < CRITEO_INTEGER_FIELDS; f++) {
      if (rng.nextFloat() >= emptyInt) {
        const v = sampleCdf(intCdf, rng) - 1;
        logit += intWeights[f][v];
        p = writeDecimal(line, p, v);
      }
      line[p++] = TAB;
    }
    for (let f = 0; f < CRITEO_CATEGORICAL_FIELDS; f++) {
      if (rng.nextFloat() >= emptyCat) {
        const v = sampleCdf(catCdfs[f], rng);
        logit += catWeights[f][v - 1];
        p = writeHex8(line, p, syntheticCriteoHash(f, v));
      }
      line[p++] = f + 1 < CRITEO_CATEGORICAL_FIELDS ? TAB : NEWLINE;
    }
    line[0] = rng.nextFloat() < 1 / (1 + Math.exp(-logit)) ? 49 : 48;
    line[1] = TAB;
    if (at + p > buf.length) {
      yield buf.subarray(0, at);
      buf = new Uint8Array(chunkBytes);
      at = 0;
    }
    buf.set(line.subarray(0, p), at);
    at += p;
  }
  if (at > 0) yield buf.subarray(0, at);
}

/** Writes the decimal digits of a non-negative integer at `p`; returns the new end. */
function writeDecimal(out: Uint8Array, p: number, v: number): number {
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let k = p + digits - 1; k >= p; k--) {
    out[k] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return p + digits;
}

/** Writes a u32 as 8 lowercase hex digits at `p`; returns the new end. */
function writeHex8(out: Uint8Array, p: number, v: number): number {
  for (let k = 7; k >= 0; k--) {
    out[p + k] = HEX_DIGITS[v & 15];
    v >>>= 4;
  }
  return p + 8;
}
