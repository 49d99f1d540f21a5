/** Shared helpers of the runtime tests: small trained models saved to `.lers` bytes, and top-k checks. */
import { expect } from 'vitest';
import type { Backend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr, type CfDataset, type CtrDataset, type JsonObject } from '@lers/data';
import { encodeModelFile } from '@lers/embeddings';
import { datasetInfo, defaultSettings, saveModel, trainFromSettings, type RecommenderModel, type TrainSettings } from '@lers/models';
import type { Recommendation } from '../src/index.js';

export const CF_DATA = { users: 120, items: 160, seed: 5 } as const;
export const CTR_DATA = { rows: 1500, cardinalities: [50, 20, 10, 5], seed: 3 } as const;

export function cfDataset(): CfDataset {
  return generateSyntheticCf(CF_DATA).dataset;
}

export function ctrDataset(): CtrDataset {
  return generateSyntheticCtr({ ...CTR_DATA, cardinalities: [...CTR_DATA.cardinalities] }).dataset;
}

/** Settings of a small, quickly trained CF model of `method` (options that reach the target on tiny tables). */
export function cfSettings(method: string, target: number | null): TrainSettings {
  const methodOptions: JsonObject = method === 'pep' || method === 'cerp' ? { thresholdInit: 'auto', autoStart: 0.8, capture: 'exact' } : method === 'dhe' ? { k: 16 } : {};
  return { ...defaultSettings('cf', 'lightgcn', 'synthetic-cf'), method, target, methodOptions, budgetTolerance: 0.05, epochs: 2, dim: 16, batchSize: 512, lr: 0.01, clWeight: 0, searchEpochs: 6 };
}

/** Settings of a small CTR model. */
export function ctrSettings(backbone: 'deepfm' | 'dcnmix', method: string, target: number | null): TrainSettings {
  return {
    ...defaultSettings('ctr', backbone, 'synthetic-ctr'),
    method,
    target,
    methodOptions: method === 'dhe' ? { k: 16 } : {},
    budgetTolerance: 0.05,
    epochs: 1,
    batchSize: 256,
    hidden: [8, 8],
    rank: 4,
    experts: 2,
    crossLayers: 2,
    dropout: 0.2,
  };
}

/** The `.lers` bytes of a model (as the CLI writes them). */
export async function modelBytes(model: RecommenderModel, s: TrainSettings): Promise<Uint8Array> {
  const options = s.task === 'cf' ? CF_DATA : CTR_DATA;
  const contents = await saveModel(model, {
    settings: s,
    config: s as unknown as JsonObject,
    method: { name: s.method, target: s.target },
    dataset: datasetInfo({ kind: 'synthetic', name: `synthetic-${s.task}`, options: options as unknown as JsonObject }, `synthetic-${s.task}`, model.dataset),
    metrics: { 'test.x': 1 },
  });
  return encodeModelFile(contents);
}

/** Trains the model of `s` on `dataset` (the caller disposes it). */
export async function trained(be: Backend, dataset: CfDataset | CtrDataset, s: TrainSettings): Promise<RecommenderModel> {
  return (await trainFromSettings(be, dataset, s)).model;
}

/** Host f64 scores of every item for a user from the saved model's final embeddings, train items -Infinity. */
export function hostScores(final: Float32Array, ds: CfDataset, user: number, d: number): Float64Array {
  const out = new Float64Array(ds.items);
  for (let i = 0; i < ds.items; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += final[user * d + c] * final[(ds.users + i) * d + c];
    out[i] = s;
  }
  for (let k = ds.train.indptr[user]; k < ds.train.indptr[user + 1]; k++) out[ds.train.indices[k]] = -Infinity;
  return out;
}

/**
 * The recommendation is a top-k of `want` (ties aside): k unseen items, scores non-increasing and
 * equal to the host's within `tol` (relative to the score range), none below the host's k-th best
 * by more than `tol`.
 */
export function expectTopK(got: Recommendation, want: Float64Array, tol: number, K: number): void {
  const sorted = Array.from(want).sort((a, b) => b - a);
  const unseen = sorted.filter((s) => s !== -Infinity).length;
  const kth = sorted[Math.min(K, unseen) - 1];
  const scale = Math.max(1e-6, sorted[0] - sorted[unseen - 1]);
  if (!(got.items instanceof Int32Array)) throw new Error('the synthetic models name items by index');
  expect(got.items.length).toBe(Math.min(K, unseen));
  got.items.forEach((item, j) => {
    expect(want[item], `item ${item} is a seen item`).not.toBe(-Infinity);
    expect(Math.abs(got.scores[j] - want[item]) / scale, `score of item ${item}`).toBeLessThanOrEqual(tol);
    expect((kth - want[item]) / scale, `item ${item} is below the k-th best`).toBeLessThanOrEqual(tol);
    if (j > 0) expect(got.scores[j]).toBeLessThanOrEqual(got.scores[j - 1]);
  });
}
