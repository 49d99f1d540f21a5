import type { CfDataset } from '@lers/data';
import { RankingAccumulator } from '@lers/eval';
import type { Metrics } from '../model.js';
import { rankingMetricsByName } from './ranking-eval.js';

/**
 * The most-popular baseline: every user gets the items with the most train interactions (ties by
 * lower id), minus their own train items (and valid items when `maskValid`), ranked on `split`.
 */
export function mostPopularMetrics(dataset: CfDataset, split: 'valid' | 'test', ks: readonly number[], maskValid = false): Metrics {
  const { train, users, items } = dataset;
  const truth = dataset[split];
  const counts = new Int32Array(items);
  for (let k = 0; k < train.indptr[train.rows]; k++) counts[train.indices[k]]++;
  const byPopularity = Int32Array.from({ length: items }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const kMax = Math.max(...ks);
  const acc = new RankingAccumulator({ ks });
  const seen = new Uint8Array(items);
  const ranked = new Int32Array(kMax).fill(-1);
  const masks = maskValid && split === 'test' ? [train, dataset.valid] : [train];
  for (let u = 0; u < users; u++) {
    if (truth.indptr[u + 1] === truth.indptr[u]) continue;
    for (const m of masks) for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) seen[m.indices[k]] = 1;
    let n = 0;
    for (let r = 0; r < items && n < kMax; r++) if (seen[byPopularity[r]] === 0) ranked[n++] = byPopularity[r];
    ranked.fill(-1, n);
    for (const m of masks) for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) seen[m.indices[k]] = 0;
    acc.add(ranked, kMax, Int32Array.of(u), { indptr: truth.indptr, indices: truth.indices });
  }
  return rankingMetricsByName(acc.result());
}
