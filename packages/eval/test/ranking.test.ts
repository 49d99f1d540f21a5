import { describe, expect, it } from 'vitest';
import { EvalArgumentError, RankingAccumulator, rankingRow } from '../src/index.js';
import { csr, expectNear } from './helpers.js';

const L2 = 1 / Math.log2(3); // gain of a hit at rank 2: 0.6309297536
const L3 = 1 / Math.log2(4); // rank 3: 0.5
const L4 = 1 / Math.log2(5); // rank 4: 0.4306765581
const L5 = 1 / Math.log2(6); // rank 5: 0.3868528072
const IDCG3 = 1 + L2 + L3; // 2.1309297536
const IDCG5 = 1 + L2 + L3 + L4 + L5; // 2.9484591189

describe('RankingAccumulator: hand-computed cases', () => {
  it('single user T={1,4,7}, top-5 = [4, 2, 1, 9, 3]', () => {
    const acc = new RankingAccumulator({ ks: [5, 1, 2] });
    acc.add(Int32Array.of(4, 2, 1, 9, 3), 5, Int32Array.of(0), csr([[1, 4, 7]]));
    const m = acc.result();
    expect(m.ks).toEqual([1, 2, 5]);
    expect(m.usersEvaluated).toBe(1);
    expect(m.usersSkipped).toBe(0);
    // K=5: hits at ranks 1 and 3 -> 2 hits
    expectNear(m.recall[5], 2 / 3, 'recall@5'); // 2/|T| = 0.6667
    expectNear(m.recallTruncated[5], 2 / 3, 'recallT@5'); // 2/min(3,5) = 0.6667
    expectNear(m.precision[5], 2 / 5, 'precision@5'); // 0.4
    expectNear(m.hitRate[5], 1, 'hitRate@5');
    // NDCG@5 = (1/log2 2 + 1/log2 4) / (1/log2 2 + 1/log2 3 + 1/log2 4) = 1.5 / 2.1309 = 0.70392
    expectNear(m.ndcg[5], (1 + L3) / IDCG3, 'ndcg@5');
    expectNear(m.ndcg[5], 0.7039180890, 'ndcg@5 literal', 1e-9);
    // K=2: [4, 2] -> 1 hit; recall 1/3; recallT 1/min(3,2) = 1/2; precision 1/2;
    // NDCG@2 = 1 / (1 + 1/log2 3) = 0.61315
    expectNear(m.recall[2], 1 / 3, 'recall@2');
    expectNear(m.recallTruncated[2], 1 / 2, 'recallT@2');
    expectNear(m.precision[2], 1 / 2, 'precision@2');
    expectNear(m.ndcg[2], 1 / (1 + L2), 'ndcg@2');
    expectNear(m.ndcg[2], 0.6131471928, 'ndcg@2 literal', 1e-9);
    // K=1: [4] -> hit; recall 1/3, recallT 1, precision 1, NDCG 1
    expectNear(m.recall[1], 1 / 3, 'recall@1');
    expectNear(m.recallTruncated[1], 1, 'recallT@1');
    expectNear(m.precision[1], 1, 'precision@1');
    expectNear(m.ndcg[1], 1, 'ndcg@1');
    expect(m.atK.map((a) => a.k)).toEqual([1, 2, 5]);
    expect(m.atK[2].recall).toBe(m.recall[5]);
  });

  it('|T| > K separates the two recall definitions', () => {
    // T = {0..5} (6 items), top-3 = [5, 10, 0]: 2 hits at ranks 1 and 3
    const acc = new RankingAccumulator({ ks: [3] });
    acc.add(Int32Array.of(5, 10, 0), 3, Int32Array.of(0), csr([[0, 1, 2, 3, 4, 5]]));
    const m = acc.result();
    expectNear(m.recall[3], 2 / 6, 'recall@3'); // hits/|T| = 0.3333
    expectNear(m.recallTruncated[3], 2 / 3, 'recallT@3'); // hits/min(6,3) = 0.6667
    expectNear(m.precision[3], 2 / 3, 'precision@3');
    expectNear(m.ndcg[3], (1 + L3) / IDCG3, 'ndcg@3'); // IDCG over min(6,3) = 3 ranks
  });

  it('averages over evaluated users and counts skipped ones, for several K', () => {
    // u0: T={1,4,7}          top-5 [4, 2, 1, 9, 3]    hits at ranks 1, 3
    // u1: T={0,1,2,3,4,5}    top-5 [5, 10, 0, 11, 12] hits at ranks 1, 3
    // u2: T={8}              top-5 [1, 2, 3, 6, 9]    no hit
    // u3: T={}               skipped
    const truth = csr([[1, 4, 7], [0, 1, 2, 3, 4, 5], [8], []]);
    const top = Int32Array.of(4, 2, 1, 9, 3, 5, 10, 0, 11, 12, 1, 2, 3, 6, 9, 0, 1, 2, 3, 4);
    const acc = new RankingAccumulator({ ks: [1, 3, 5] });
    // two batches: users [2, 0] then [3, 1]
    acc.add(Int32Array.of(...top.subarray(10, 15), ...top.subarray(0, 5)), 5, Int32Array.of(2, 0), truth);
    acc.add(Int32Array.of(...top.subarray(15, 20), ...top.subarray(5, 10)), 5, Int32Array.of(3, 1), truth);
    const m = acc.result();
    expect(m.usersEvaluated).toBe(3);
    expect(m.usersSkipped).toBe(1);
    // K=1: u0 recall 1/3, u1 1/6, u2 0 -> (1/3 + 1/6)/3 = 1/6; recallT (1 + 1 + 0)/3 = 2/3
    expectNear(m.recall[1], 1 / 6, 'recall@1');
    expectNear(m.recallTruncated[1], 2 / 3, 'recallT@1');
    expectNear(m.precision[1], 2 / 3, 'precision@1');
    expectNear(m.ndcg[1], 2 / 3, 'ndcg@1');
    expectNear(m.hitRate[1], 2 / 3, 'hitRate@1');
    // K=3: u0 recall 2/3, u1 2/6, u2 0 -> 1/3; recallT (2/3 + 2/3)/3 = 4/9; precision 4/9
    //      ndcg: u0 = u1 = 1.5/2.1309 -> 2 * 0.70392 / 3 = 0.46928
    expectNear(m.recall[3], 1 / 3, 'recall@3');
    expectNear(m.recallTruncated[3], 4 / 9, 'recallT@3');
    expectNear(m.precision[3], 4 / 9, 'precision@3');
    expectNear(m.ndcg[3], (2 * (1 + L3)) / IDCG3 / 3, 'ndcg@3');
    expectNear(m.hitRate[3], 2 / 3, 'hitRate@3');
    // K=5: recall (2/3 + 1/3 + 0)/3 = 1/3; recallT (2/3 + 2/min(6,5))/3 = (2/3 + 2/5)/3 = 16/45;
    //      precision (2/5 + 2/5)/3 = 4/15; ndcg (1.5/2.1309 + 1.5/2.9485)/3 = (0.703918 + 0.508740)/3 = 0.404219
    expectNear(m.recall[5], 1 / 3, 'recall@5');
    expectNear(m.recallTruncated[5], 16 / 45, 'recallT@5');
    expectNear(m.precision[5], 4 / 15, 'precision@5');
    expectNear(m.ndcg[5], ((1 + L3) / IDCG3 + (1 + L3) / IDCG5) / 3, 'ndcg@5');
    expectNear(m.ndcg[5], 0.4042195, 'ndcg@5 literal', 1e-7);
    expectNear(m.hitRate[5], 2 / 3, 'hitRate@5');
  });

  it('uses the first K of a longer kMax list and ignores what is past the largest K', () => {
    // T={3}, list [0, 1, 3, 3, 3] with ks [2]: the hit at rank 3 is beyond K=2 -> all zero
    const acc = new RankingAccumulator({ ks: [2] });
    acc.add(Int32Array.of(0, 1, 3, 3, 3), 5, Int32Array.of(0), csr([[3]]));
    const m = acc.result();
    expect(m.recall[2]).toBe(0);
    expect(m.ndcg[2]).toBe(0);
    expect(m.hitRate[2]).toBe(0);
  });

  it('counts a repeated id in the list once, duplicated test items once, and -1 padding as a miss', () => {
    // T={1,2} given as [1, 1, 2] -> |T| = 2; list [1, 1, -1]: one hit at rank 1
    const acc = new RankingAccumulator({ ks: [3] });
    acc.add(Int32Array.of(1, 1, -1), 3, Int32Array.of(0), csr([[1, 1, 2]]));
    const m = acc.result();
    expectNear(m.recall[3], 1 / 2, 'recall@3');
    expectNear(m.precision[3], 1 / 3, 'precision@3');
    expectNear(m.ndcg[3], 1 / (1 + L2), 'ndcg@3'); // IDCG over min(2,3) = 2 ranks
  });

  it('returns NaN averages with zero users evaluated', () => {
    const acc = new RankingAccumulator({ ks: [20] });
    acc.add(new Int32Array(20), 20, Int32Array.of(0), csr([[]]));
    const m = acc.result();
    expect(m.usersEvaluated).toBe(0);
    expect(m.usersSkipped).toBe(1);
    expect(m.recall[20]).toBeNaN();
    expect(m.ndcg[20]).toBeNaN();
  });

  it('reset() clears sums, counts and the seen users', () => {
    const acc = new RankingAccumulator({ ks: [1] });
    const truth = csr([[0], [1]]);
    acc.add(Int32Array.of(0), 1, Int32Array.of(0), truth);
    acc.reset();
    acc.add(Int32Array.of(0), 1, Int32Array.of(1), truth); // miss
    acc.add(Int32Array.of(5), 1, Int32Array.of(0), truth); // u0 again after reset: miss
    const m = acc.result();
    expect(m.usersEvaluated).toBe(2);
    expect(m.recall[1]).toBe(0);
  });

  it('rejects bad input with EvalArgumentError', () => {
    const truth = csr([[0], [1]]);
    expect(() => new RankingAccumulator({ ks: [] })).toThrow(EvalArgumentError);
    expect(() => new RankingAccumulator({ ks: [0] })).toThrow(EvalArgumentError);
    expect(() => new RankingAccumulator({ ks: [2.5] })).toThrow(EvalArgumentError);
    const acc = new RankingAccumulator({ ks: [2] });
    expect(() => { acc.add(Int32Array.of(0), 1, Int32Array.of(0), truth); }).toThrow(/kMax/);
    expect(() => { acc.add(Int32Array.of(0, 1, 2), 2, Int32Array.of(0, 1), truth); }).toThrow(/need/);
    expect(() => { acc.add(Int32Array.of(0, 1), 2, Int32Array.of(2), truth); }).toThrow(/outside/);
    expect(() => { acc.add(Int32Array.of(0, 1), 2, Int32Array.of(-1), truth); }).toThrow(/outside/);
    expect(() => { acc.add(Int32Array.of(0, 1), 2, Int32Array.of(0), csr([[-3]])); }).toThrow(/>= 0/);
    acc.add(Int32Array.of(0, 1), 2, Int32Array.of(0), truth);
    expect(() => { acc.add(Int32Array.of(0, 1), 2, Int32Array.of(0), truth); }).toThrow(/already added/);
    // a batch repeating a user is rejected as a whole and leaves the state unchanged
    expect(() => { acc.add(Int32Array.of(1, 0, 1, 0), 2, Int32Array.of(1, 1), truth); }).toThrow(/already added/);
    expect(acc.result().usersEvaluated).toBe(1);
    acc.add(Int32Array.of(1, 0), 2, Int32Array.of(1), truth); // u1 hits at rank 1
    expect(acc.result().usersEvaluated).toBe(2);
    expect(acc.result().recall[2]).toBe(1); // u0: T={0} hit; u1: T={1} hit
  });
});

describe('rankingRow', () => {
  it('flattens metrics into labelled columns', () => {
    const acc = new RankingAccumulator({ ks: [1, 2] });
    // T={0,1}, list [0, 5]: K=1 hit; K=2 1 hit of 2
    acc.add(Int32Array.of(0, 5), 2, Int32Array.of(0), csr([[0, 1]]));
    const row = rankingRow(acc.result(), [2]);
    expect(row).toEqual({
      'Recall@2': 0.5,
      'RecallT@2': 0.5,
      'NDCG@2': 1 / (1 + L2),
      'Precision@2': 0.5,
      'HitRate@2': 1,
    });
    expect(() => rankingRow(acc.result(), [3])).toThrow(EvalArgumentError);
  });
});
