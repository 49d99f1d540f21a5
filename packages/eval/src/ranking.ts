/**
 * Full-ranking metrics for collaborative filtering: the definitions, the per-K result types and the
 * per-user computation shared by RankingAccumulator and rankingMetricsFromScores.
 *
 * For a user with test items T (|T| > 0) and a ranked list r_1..r_K (best first), with
 * hits@K = |{i <= K : r_i in T}|:
 * - recall@K          = hits / |T|            (LightGCN and RecBole)
 * - recallTruncated@K = hits / min(|T|, K)    (the LERS paper's code; equals recall when |T| <= K)
 * - precision@K       = hits / K
 * - hitRate@K         = 1 if hits > 0 else 0
 * - ndcg@K            = DCG / IDCG, DCG = sum over hit positions i of 1 / log2(i + 1),
 *                       IDCG = sum_{i=1..min(|T|, K)} 1 / log2(i + 1)   (binary relevance)
 * Metrics are averaged over the users with at least one test item; the others are skipped and counted.
 */
import { check } from './errors.js';

/** Per-user test items as CSR over all users: row u is indices[indptr[u] .. indptr[u + 1]). */
export interface TruthCsr {
  /** users + 1 non-decreasing offsets into indices. */
  readonly indptr: Int32Array;
  /** Item ids (>= 0); order within a row does not matter, duplicates count once. */
  readonly indices: Int32Array;
}

/** The five ranking metrics at one cut-off K, averaged over evaluated users. */
export interface RankingAtK {
  /** The cut-off. */
  readonly k: number;
  /** Mean hits / |T_u| (LightGCN, RecBole). */
  readonly recall: number;
  /** Mean hits / min(|T_u|, K) (the LERS paper's code). */
  readonly recallTruncated: number;
  /** Mean DCG / IDCG with binary relevance, IDCG over min(|T_u|, K) positions. */
  readonly ndcg: number;
  /** Mean hits / K. */
  readonly precision: number;
  /** Fraction of evaluated users with at least one hit. */
  readonly hitRate: number;
}

/** Ranking metrics for several K at once; every average is NaN when no user was evaluated. */
export interface RankingMetrics {
  /** The cut-offs, ascending and unique. */
  readonly ks: readonly number[];
  /** Users with at least one test item (the denominator of every average). */
  readonly usersEvaluated: number;
  /** Users passed in but without test items (not in any average). */
  readonly usersSkipped: number;
  /** One entry per K, in the order of `ks`. */
  readonly atK: readonly RankingAtK[];
  /** recall by K, e.g. recall[20]. */
  readonly recall: Readonly<Record<number, number>>;
  /** recallTruncated by K. */
  readonly recallTruncated: Readonly<Record<number, number>>;
  /** ndcg by K. */
  readonly ndcg: Readonly<Record<number, number>>;
  /** precision by K. */
  readonly precision: Readonly<Record<number, number>>;
  /** hitRate by K. */
  readonly hitRate: Readonly<Record<number, number>>;
}

/** Validates cut-offs (positive integers) and returns them sorted ascending without duplicates. */
export function normalizeKs(ks: readonly number[]): number[] {
  check(ks.length > 0, 'ks must not be empty');
  for (const k of ks) check(Number.isInteger(k) && k > 0, () => `every K must be a positive integer, got ${k}`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** discounts[i] = 1 / log2(i + 2): the DCG gain of a hit at 0-based rank i. */
export function dcgDiscounts(n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = 1 / Math.log2(i + 2);
  return d;
}

/** Running sums of per-user metrics for a fixed, sorted list of cut-offs. */
export class RankingSums {
  /** The cut-offs, ascending. */
  readonly ks: readonly number[];
  /** Users evaluated so far. */
  evaluated = 0;
  /** Users skipped (no test items) so far. */
  skipped = 0;
  private readonly recall: Float64Array;
  private readonly recallTrunc: Float64Array;
  private readonly ndcg: Float64Array;
  private readonly precision: Float64Array;
  private readonly hitRate: Float64Array;
  private readonly disc: Float64Array;
  /** idcgPrefix[n] = sum of the first n discounts. */
  private readonly idcgPrefix: Float64Array;
  /** marker[item] === stamp marks the current user's not-yet-hit test items. */
  private marker = new Int32Array(1024);
  private stamp = 0;

  /** Prepares sums for the given cut-offs (validated, sorted, de-duplicated). */
  constructor(ks: readonly number[]) {
    this.ks = normalizeKs(ks);
    const n = this.ks.length;
    this.recall = new Float64Array(n);
    this.recallTrunc = new Float64Array(n);
    this.ndcg = new Float64Array(n);
    this.precision = new Float64Array(n);
    this.hitRate = new Float64Array(n);
    const kMax = this.ks[n - 1];
    this.disc = dcgDiscounts(kMax);
    this.idcgPrefix = new Float64Array(kMax + 1);
    for (let i = 0; i < kMax; i++) this.idcgPrefix[i + 1] = this.idcgPrefix[i] + this.disc[i];
  }

  /**
   * Adds one user: `ranked[offset .. offset + len)` is the ranked list (best first; ids outside
   * the truth, including negative padding, are misses), `truthItems[t0 .. t1)` the test items.
   * Positions past `len` count as misses. Returns false (and counts a skip) when the truth is empty.
   */
  addUser(ranked: Int32Array, offset: number, len: number, truthItems: Int32Array, t0: number, t1: number): boolean {
    if (t1 <= t0) {
      this.skipped++;
      return false;
    }
    this.nextStamp();
    const stamp = this.stamp;
    let nTruth = 0;
    for (let t = t0; t < t1; t++) {
      const item = truthItems[t];
      check(Number.isInteger(item) && item >= 0, () => `test item ids must be >= 0, got ${item}`);
      if (item >= this.marker.length) this.growMarker(item + 1);
      if (this.marker[item] !== stamp) {
        this.marker[item] = stamp;
        nTruth++;
      }
    }
    const ks = this.ks;
    const scan = Math.min(len, ks[ks.length - 1]);
    let hits = 0;
    let dcg = 0;
    let j = 0;
    for (let pos = 0; pos < scan && j < ks.length; pos++) {
      const item = ranked[offset + pos];
      if (item >= 0 && item < this.marker.length && this.marker[item] === stamp) {
        this.marker[item] = 0; // a repeated id in the list counts once
        hits++;
        dcg += this.disc[pos];
      }
      while (j < ks.length && ks[j] === pos + 1) this.record(j++, hits, dcg, nTruth);
    }
    while (j < ks.length) this.record(j++, hits, dcg, nTruth);
    this.evaluated++;
    return true;
  }

  /** The averages so far (NaN everywhere when no user was evaluated). */
  result(): RankingMetrics {
    const n = this.evaluated;
    const atK: RankingAtK[] = this.ks.map((k, j) => ({
      k,
      recall: this.recall[j] / n,
      recallTruncated: this.recallTrunc[j] / n,
      ndcg: this.ndcg[j] / n,
      precision: this.precision[j] / n,
      hitRate: this.hitRate[j] / n,
    }));
    const byK = (pick: (m: RankingAtK) => number): Record<number, number> =>
      Object.fromEntries(atK.map((m) => [m.k, pick(m)]));
    return {
      ks: [...this.ks],
      usersEvaluated: this.evaluated,
      usersSkipped: this.skipped,
      atK,
      recall: byK((m) => m.recall),
      recallTruncated: byK((m) => m.recallTruncated),
      ndcg: byK((m) => m.ndcg),
      precision: byK((m) => m.precision),
      hitRate: byK((m) => m.hitRate),
    };
  }

  /** Clears all sums and counts. */
  reset(): void {
    this.evaluated = 0;
    this.skipped = 0;
    for (const a of [this.recall, this.recallTrunc, this.ndcg, this.precision, this.hitRate]) a.fill(0);
  }

  private record(j: number, hits: number, dcg: number, nTruth: number): void {
    const k = this.ks[j];
    const ideal = Math.min(nTruth, k);
    this.recall[j] += hits / nTruth;
    this.recallTrunc[j] += hits / ideal;
    this.precision[j] += hits / k;
    this.hitRate[j] += hits > 0 ? 1 : 0;
    this.ndcg[j] += dcg / this.idcgPrefix[ideal];
  }

  private nextStamp(): void {
    if (this.stamp === 0x7fffffff) {
      this.marker.fill(0);
      this.stamp = 0;
    }
    this.stamp++;
  }

  private growMarker(minLength: number): void {
    let len = this.marker.length;
    while (len < minLength) len *= 2;
    const next = new Int32Array(len);
    next.set(this.marker);
    this.marker = next;
  }
}

/** Flattens metrics into one table row, e.g. { 'Recall@20': .., 'RecallT@20': .., 'NDCG@20': .. }. */
export function rankingRow(m: RankingMetrics, ks: readonly number[] = m.ks): Record<string, number> {
  const row: Record<string, number> = {};
  for (const k of ks) {
    const at = m.atK.find((a) => a.k === k);
    check(at !== undefined, () => `K=${k} was not computed (have ${m.ks.join(', ')})`);
    row[`Recall@${k}`] = at.recall;
    row[`RecallT@${k}`] = at.recallTruncated;
    row[`NDCG@${k}`] = at.ndcg;
    row[`Precision@${k}`] = at.precision;
    row[`HitRate@${k}`] = at.hitRate;
  }
  return row;
}
