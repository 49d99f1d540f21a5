import { describe, expect, it } from 'vitest';
import { EvalArgumentError, RankingAccumulator, rankingMetricsFromScores, type RankingMetrics } from '../src/index.js';
import { csr, expectNear, rng } from './helpers.js';

const L2 = 1 / Math.log2(3); // 0.6309297536
const L6 = 1 / Math.log2(7); // 0.3562071871

describe('rankingMetricsFromScores: hand-computed cases', () => {
  it('masks excluded items, ranks NaN as -Infinity and breaks ties by the lower item index', () => {
    // scores   item: 0    1    2(train) 3    4    5
    //                0.5  0.9  0.9      NaN  0.1  0.9
    // masked: 2 -> -Inf; NaN 3 -> -Inf. Order: 1, 5 (tie 0.9, lower index first), 0, 4, 2, 3 (tie -Inf)
    // T = {3, 5}: hits at ranks 2 (item 5) and 6 (item 3)
    const m = rankingMetricsFromScores({
      scores: Float32Array.of(0.5, 0.9, 0.9, NaN, 0.1, 0.9),
      users: Int32Array.of(0),
      numItems: 6,
      truth: csr([[3, 5]]),
      exclude: csr([[2]]),
      ks: [2, 6, 10],
    });
    // K=2: [1, 5] -> 1 hit; recall 1/2; NDCG = (1/log2 3) / (1 + 1/log2 3) = 0.6309/1.6309 = 0.38685
    expectNear(m.recall[2], 1 / 2, 'recall@2');
    expectNear(m.ndcg[2], L2 / (1 + L2), 'ndcg@2');
    expectNear(m.ndcg[2], 0.3868528072, 'ndcg@2 literal', 1e-9);
    // K=6: all items -> 2 hits; recall 1; NDCG = (1/log2 3 + 1/log2 7) / (1 + 1/log2 3) = 0.98714/1.63093 = 0.60526
    expectNear(m.recall[6], 1, 'recall@6');
    expectNear(m.ndcg[6], (L2 + L6) / (1 + L2), 'ndcg@6');
    expectNear(m.ndcg[6], 0.6052602, 'ndcg@6 literal', 1e-7);
    // K=10 > 6 items: the same 6-long list; precision 2/10, recallT 2/min(2,10) = 1
    expectNear(m.precision[10], 2 / 10, 'precision@10');
    expectNear(m.recallTruncated[10], 1, 'recallT@10');
  });

  it('masks every exclude CSR given (train and valid)', () => {
    // scores 0.1 0.2 0.3 0.4; T={1}
    const base = { scores: Float64Array.of(0.1, 0.2, 0.3, 0.4), users: Int32Array.of(0), numItems: 4, truth: csr([[1]]), ks: [1] };
    expect(rankingMetricsFromScores(base).recall[1]).toBe(0); // top-1 is item 3
    expect(rankingMetricsFromScores({ ...base, exclude: csr([[3]]) }).recall[1]).toBe(0); // top-1 item 2
    // train {3} and valid {2} -> top-1 is item 1, a hit
    expect(rankingMetricsFromScores({ ...base, exclude: [csr([[3]]), csr([[2]])] }).recall[1]).toBe(1);
  });

  it('leaves the scores unchanged and skips users without test items', () => {
    const scores = Float32Array.of(1, 2, 3, 4);
    const m = rankingMetricsFromScores({
      scores, users: Int32Array.of(1, 0), numItems: 2, truth: csr([[0], []]), exclude: csr([[1], [0]]), ks: [1],
    });
    expect([...scores]).toEqual([1, 2, 3, 4]);
    expect(m.usersEvaluated).toBe(1);
    expect(m.usersSkipped).toBe(1);
    // user 0 is row 1: scores [3, 4], item 1 masked -> top-1 item 0, a hit
    expect(m.recall[1]).toBe(1);
  });

  it('rejects bad input with EvalArgumentError', () => {
    const ok = { scores: new Float32Array(4), users: Int32Array.of(0, 1), numItems: 2, truth: csr([[0], [1]]), ks: [1] };
    expect(() => rankingMetricsFromScores({ ...ok, numItems: 3 })).toThrow(EvalArgumentError);
    expect(() => rankingMetricsFromScores({ ...ok, users: Int32Array.of(0, 0) })).toThrow(/twice/);
    expect(() => rankingMetricsFromScores({ ...ok, users: Int32Array.of(0, 2) })).toThrow(/outside/);
    expect(() => rankingMetricsFromScores({ ...ok, exclude: csr([[5], []]) })).toThrow(/outside/);
    expect(() => rankingMetricsFromScores({ ...ok, ks: [] })).toThrow(EvalArgumentError);
  });
});

/** Top-K by repeated arg-max selection (not a sort), masked/NaN as -Infinity, ties to the lower index. */
function selectTopK(row: Float32Array, masked: Set<number>, k: number): number[] {
  const taken = new Set<number>();
  const out: number[] = [];
  for (let r = 0; r < k; r++) {
    let best = -1;
    let bestV = -Infinity;
    for (let i = 0; i < row.length; i++) {
      if (taken.has(i)) continue;
      const v = masked.has(i) || Number.isNaN(row[i]) ? -Infinity : row[i];
      if (best === -1 || v > bestV) {
        best = i;
        bestV = v;
      }
    }
    taken.add(best);
    out.push(best);
  }
  return out;
}

/** The metric definitions written directly with Sets, one user at a time. */
function naiveMetrics(lists: Map<number, number[]>, truthRows: number[][], ks: number[]): RankingMetrics['atK'] {
  return ks.map((k) => {
    let n = 0;
    const sum = { recall: 0, recallTruncated: 0, ndcg: 0, precision: 0, hitRate: 0 };
    for (const [u, list] of lists) {
      const t = new Set(truthRows[u]);
      if (t.size === 0) continue;
      n++;
      const top = list.slice(0, k);
      const hitRanks = top.map((item, i) => (t.has(item) ? i : -1)).filter((i) => i >= 0);
      const hits = hitRanks.length;
      let idcg = 0;
      for (let i = 0; i < Math.min(t.size, k); i++) idcg += 1 / Math.log2(i + 2);
      sum.recall += hits / t.size;
      sum.recallTruncated += hits / Math.min(t.size, k);
      sum.precision += hits / k;
      sum.hitRate += hits > 0 ? 1 : 0;
      sum.ndcg += hitRanks.reduce((a, i) => a + 1 / Math.log2(i + 2), 0) / idcg;
    }
    return {
      k,
      recall: sum.recall / n,
      recallTruncated: sum.recallTruncated / n,
      ndcg: sum.ndcg / n,
      precision: sum.precision / n,
      hitRate: sum.hitRate / n,
    };
  });
}

describe('cross-check on random data with ties, NaN and masking', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: oracle == accumulator(selection top-K) == naive definitions`, () => {
      const r = rng(seed);
      const nUsers = 40;
      const nItems = 30;
      const ks = [1, 5, 10, 20];
      const kMax = 20;
      const pick = (p: number): number[] => Array.from({ length: nItems }, (_, i) => i).filter(() => r() < p);
      const trainRows = Array.from({ length: nUsers }, () => pick(0.3));
      // test items disjoint from train, some users with none; a few with many (|T| > K)
      const testRows = trainRows.map((tr, u) => pick(u % 7 === 0 ? 0 : u % 5 === 0 ? 0.9 : 0.15).filter((i) => !tr.includes(i)));
      const users = Int32Array.from({ length: nUsers }, (_, i) => i).sort(() => r() - 0.5);
      // scores from 6 levels -> many ties; some NaN
      const scores = Float32Array.from({ length: nUsers * nItems }, () => (r() < 0.05 ? NaN : Math.floor(r() * 6) / 6));
      const truth = csr(testRows);
      const train = csr(trainRows);

      const oracle = rankingMetricsFromScores({ scores, users, numItems: nItems, truth, exclude: train, ks });

      const acc = new RankingAccumulator({ ks });
      const lists = new Map<number, number[]>();
      for (let b0 = 0; b0 < nUsers; ) {
        const b1 = Math.min(nUsers, b0 + 1 + Math.floor(r() * 9));
        const batchUsers = users.slice(b0, b1);
        const top = new Int32Array(batchUsers.length * kMax);
        batchUsers.forEach((u, j) => {
          const row = scores.subarray((b0 + j) * nItems, (b0 + j + 1) * nItems);
          const list = selectTopK(row, new Set(trainRows[u]), kMax);
          lists.set(u, list);
          top.set(list, j * kMax);
        });
        acc.add(top, kMax, batchUsers, truth);
        b0 = b1;
      }
      const got = acc.result();
      const naive = naiveMetrics(lists, testRows, ks);

      const skipped = testRows.filter((t) => t.length === 0).length;
      expect(skipped).toBeGreaterThan(0);
      expect(testRows.some((t) => t.length > 10)).toBe(true);
      for (const m of [oracle, got]) {
        expect(m.usersSkipped).toBe(skipped);
        expect(m.usersEvaluated).toBe(nUsers - skipped);
      }
      for (const [j, k] of ks.entries()) {
        for (const key of ['recall', 'recallTruncated', 'ndcg', 'precision', 'hitRate'] as const) {
          expectNear(got.atK[j][key], oracle.atK[j][key], `${key}@${k} accumulator vs oracle`);
          expectNear(got.atK[j][key], naive[j][key], `${key}@${k} accumulator vs naive`);
        }
      }
      // the two recall definitions differ here (some |T_u| > K)
      expect(got.recallTruncated[5]).toBeGreaterThan(got.recall[5]);
    });
  }
});
