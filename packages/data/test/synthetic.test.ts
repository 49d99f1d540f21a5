import { describe, expect, it } from 'vitest';
import {
  csrColumnCounts,
  csrHas,
  csrNnz,
  csrRow,
  generateSyntheticCf,
  generateSyntheticCtr,
  plantedCfScores,
  topK,
  validateCsr,
  type CfDataset,
} from '../src/index.js';
import { auc } from './helpers.js';

/** Mean Recall@k (hits / |test items|) over users with test items; train and valid items are masked. */
function recallAtK(ds: CfDataset, k: number, scoresFor: (u: number) => ArrayLike<number>): number {
  let sum = 0;
  let users = 0;
  for (let u = 0; u < ds.users; u++) {
    const truth = csrRow(ds.test, u);
    if (truth.length === 0) continue;
    const top = topK(scoresFor(u), k, (i) => csrHas(ds.train, u, i) || csrHas(ds.valid, u, i));
    let hits = 0;
    for (const i of top) if (csrHas(ds.test, u, i)) hits++;
    sum += hits / truth.length;
    users++;
  }
  return sum / users;
}

describe('topK', () => {
  it('returns the k best indices, best first, ties by lower index, skipping masked ones', () => {
    const s = [0.5, 0.9, 0.1, 0.9, 0.7, 0.3];
    expect(Array.from(topK(s, 3))).toEqual([1, 3, 4]);
    expect(Array.from(topK(s, 3, (i) => i === 3))).toEqual([1, 4, 0]);
    expect(Array.from(topK(s, 10))).toEqual([1, 3, 4, 0, 5, 2]);
    expect(topK(s, 0).length).toBe(0);
  });
});

describe('generateSyntheticCf', () => {
  const { dataset, planted } = generateSyntheticCf();

  it('has the default size, valid splits and is reproducible per seed', () => {
    expect(dataset.users).toBe(3000);
    expect(dataset.items).toBe(4000);
    const total = csrNnz(dataset.train) + csrNnz(dataset.valid) + csrNnz(dataset.test);
    expect(total).toBe(dataset.manifest.counts.interactions);
    expect(total).toBeGreaterThan(85_000);
    expect(total).toBeLessThan(115_000);
    for (const m of [dataset.train, dataset.valid, dataset.test]) validateCsr(m);
    const small = generateSyntheticCf({ users: 100, items: 200, seed: 9 });
    expect(generateSyntheticCf({ users: 100, items: 200, seed: 9 }).dataset).toEqual(small.dataset);
    expect(generateSyntheticCf({ users: 100, items: 200, seed: 10 }).dataset.train).not.toEqual(small.dataset.train);
  });

  it('has power-law item popularity', () => {
    const pop = Array.from(csrColumnCounts(dataset.train)).sort((a, b) => b - a);
    const top1 = pop.slice(0, 40).reduce((s, v) => s + v, 0);
    // The top 1% of items draw far more than 1% of interactions, the median item only a few.
    expect(top1 / csrNnz(dataset.train)).toBeGreaterThan(0.1);
    expect(pop[0]).toBeGreaterThan(20 * pop[2000]);
  });

  it('plants preferences that beat most-popular by a clear margin on held-out test items', () => {
    const popularity = csrColumnCounts(dataset.train);
    const mostPopular = recallAtK(dataset, 20, () => popularity);
    const scores = new Float32Array(dataset.items);
    const plantedRecall = recallAtK(dataset, 20, (u) => plantedCfScores(planted, u, scores));
    console.log(`synthetic CF Recall@20: planted ${plantedRecall.toFixed(4)}, most-popular ${mostPopular.toFixed(4)}`);
    expect(plantedRecall).toBeGreaterThan(1.5 * mostPopular);
    expect(plantedRecall - mostPopular).toBeGreaterThan(0.05);
  }, 180_000);
});

describe('generateSyntheticCtr', () => {
  const { dataset, planted } = generateSyntheticCtr();

  it('has Zipf values per field, no OOV ids, reproducible per seed', () => {
    expect(dataset.rows).toBe(100_000);
    expect(dataset.fields).toBe(10);
    const f0 = new Int32Array(dataset.fieldDims[0]);
    for (let r = 0; r < dataset.rows; r++) {
      const local = dataset.x[r * 10] - dataset.fieldOffsets[0];
      f0[local]++;
    }
    expect(f0[0]).toBe(0);
    // Zipf(1.1): P(1) / P(2) = 2^1.1 = 2.14, P(1) / P(4) = 4^1.1 = 4.59.
    expect(f0[1] / f0[2]).toBeGreaterThan(1.9);
    expect(f0[1] / f0[2]).toBeLessThan(2.4);
    expect(f0[1] / f0[4]).toBeGreaterThan(4.0);
    expect(f0[1] / f0[4]).toBeLessThan(5.2);
    const small = generateSyntheticCtr({ rows: 300, seed: 5 });
    expect(generateSyntheticCtr({ rows: 300, seed: 5 }).dataset).toEqual(small.dataset);
    expect(generateSyntheticCtr({ rows: 300, seed: 6 }).dataset.x).not.toEqual(small.dataset.x);
  });

  it('exposes planted logits equal to a naive pairwise FM computation', () => {
    const k = planted.factorDim;
    const f = dataset.fields;
    for (const r of [0, 1, 777, 99_999]) {
      let z = planted.bias;
      for (let a = 0; a < f; a++) {
        const ia = dataset.x[r * f + a];
        z += planted.linear[ia];
        for (let b = a + 1; b < f; b++) {
          const ib = dataset.x[r * f + b];
          for (let d = 0; d < k; d++) z += planted.factors[ia * k + d] * planted.factors[ib * k + d];
        }
      }
      expect(planted.logits[r]).toBeCloseTo(z, 4);
    }
  });

  it('labels follow the planted model: AUC well above 0.5 and about the target click rate', () => {
    const rate = dataset.manifest.counts.positives / dataset.rows;
    expect(rate).toBeGreaterThan(0.23);
    expect(rate).toBeLessThan(0.27);
    const plantedAuc = auc(planted.logits, dataset.labels);
    console.log(`synthetic CTR planted AUC ${plantedAuc.toFixed(4)}, positive rate ${rate.toFixed(3)}`);
    expect(plantedAuc).toBeGreaterThan(0.75);
  });
});
