import { Rng } from '@lers/kernels/random';
import { csrNnz, type CsrMatrix } from '../cf/csr.js';
import type { CfDataset } from '../cf/dataset.js';
import { splitPerUser, type CfSplitSpec } from '../cf/split.js';
import { CREATED_BY, toJsonObject } from '../manifest.js';
import { topK } from '../util/top-k.js';

/** Options of `generateSyntheticCf` (all have defaults). */
export interface SyntheticCfOptions {
  /** Default 3000. */
  users?: number;
  /** Default 4000. */
  items?: number;
  /** Rank of the latent preference model (default 16). */
  rank?: number;
  /** Mean interactions per user (log-normal around it; default 33, about 100k in all). */
  meanInteractions?: number;
  /** Fewest interactions per user (default 5, so every user has train and test items). */
  minInteractions?: number;
  /** Item base popularity follows rank^-exponent (default 0.9). */
  popularityExponent?: number;
  /** Weight of log-popularity in the score (default 1). */
  popularityWeight?: number;
  /** Weight of the latent dot product (per unit-variance; default 2.5). */
  affinityWeight?: number;
  /** Default: per-user ratio 0.8/0.1/0.1, random order. */
  split?: CfSplitSpec;
  /** Default 2023. */
  seed?: number;
}

/**
 * The model the interactions were sampled from:
 * `score(u, i) = affinityWeight * (U_u . V_i) / sqrt(rank) + popularityWeight * logPopularity_i`;
 * each user's items are drawn without replacement with probability proportional to `exp(score)`.
 */
export interface PlantedCfModel {
  rank: number;
  /** users x rank, row-major. */
  userFactors: Float32Array;
  /** items x rank, row-major. */
  itemFactors: Float32Array;
  itemLogPopularity: Float32Array;
  affinityWeight: number;
  popularityWeight: number;
}

/** A generated CF dataset with the model that produced it. */
export interface SyntheticCf {
  dataset: CfDataset;
  planted: PlantedCfModel;
}

/** The planted scores of every item for one user (into `out` if given). */
export function plantedCfScores(model: PlantedCfModel, user: number, out?: Float32Array): Float32Array {
  const items = model.itemLogPopularity.length;
  const r = model.rank;
  const scores = out ?? new Float32Array(items);
  const scale = model.affinityWeight / Math.sqrt(r);
  const u = user * r;
  for (let i = 0; i < items; i++) {
    let dot = 0;
    for (let d = 0; d < r; d++) dot += model.userFactors[u + d] * model.itemFactors[i * r + d];
    scores[i] = scale * dot + model.popularityWeight * model.itemLogPopularity[i];
  }
  return scores;
}

/**
 * Generates implicit feedback from low-rank latent preferences plus power-law item popularity
 * (seeded), then splits it per user. Sampling uses the Gumbel-top-k trick: the top n of
 * `score + Gumbel noise` is a draw without replacement proportional to `exp(score)`.
 */
export function generateSyntheticCf(options: SyntheticCfOptions = {}): SyntheticCf {
  const users = options.users ?? 3000;
  const items = options.items ?? 4000;
  const rank = options.rank ?? 16;
  const mean = options.meanInteractions ?? 33;
  const minInteractions = options.minInteractions ?? 5;
  const exponent = options.popularityExponent ?? 0.9;
  const seed = options.seed ?? 2023;
  const split = options.split ?? { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1 };
  const rng = new Rng(seed);

  const userFactors = new Float32Array(users * rank);
  const itemFactors = new Float32Array(items * rank);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = rng.nextNormal();
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = rng.nextNormal();
  // Popularity ranks are a random permutation, so popular items are not simply the low ids.
  const order = rng.shuffle(Int32Array.from({ length: items }, (_, i) => i));
  const itemLogPopularity = new Float32Array(items);
  for (let r = 0; r < items; r++) itemLogPopularity[order[r]] = -exponent * Math.log(r + 1);
  const planted: PlantedCfModel = {
    rank,
    userFactors,
    itemFactors,
    itemLogPopularity,
    affinityWeight: options.affinityWeight ?? 2.5,
    popularityWeight: options.popularityWeight ?? 1,
  };

  const sigma = 0.75; // spread of user activity (log-normal)
  const maxPerUser = Math.max(1, Math.floor(items / 2));
  const indptr = new Int32Array(users + 1);
  const chosen: Int32Array[] = [];
  const scores = new Float32Array(items);
  for (let u = 0; u < users; u++) {
    const n = Math.min(maxPerUser, Math.max(minInteractions, Math.round(mean * Math.exp(sigma * rng.nextNormal() - (sigma * sigma) / 2))));
    plantedCfScores(planted, u, scores);
    for (let i = 0; i < items; i++) scores[i] += -Math.log(-Math.log((rng.nextU32() + 0.5) / 4294967296));
    const picked = topK(scores, n);
    chosen.push(picked);
    indptr[u + 1] = indptr[u] + picked.length;
  }
  const indices = new Int32Array(indptr[users]);
  chosen.forEach((c, u) => {
    indices.set(c, indptr[u]);
  });
  const lists: CsrMatrix = { rows: users, cols: items, indptr, indices };
  const { train, valid, test } = splitPerUser(lists, null, split, seed);
  const dataset: CfDataset = {
    kind: 'cf',
    users,
    items,
    train,
    valid,
    test,
    manifest: {
      name: 'synthetic-cf',
      task: 'cf',
      format: 'synthetic',
      sources: [],
      params: toJsonObject({
        users,
        items,
        rank,
        meanInteractions: mean,
        minInteractions,
        popularityExponent: exponent,
        popularityWeight: planted.popularityWeight,
        affinityWeight: planted.affinityWeight,
        split,
        seed,
      }),
      counts: { users, items, interactions: csrNnz(lists), train: csrNnz(train), valid: csrNnz(valid), test: csrNnz(test) },
      splitSeed: seed,
      createdBy: CREATED_BY,
    },
  };
  return { dataset, planted };
}
