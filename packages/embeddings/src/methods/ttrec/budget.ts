import { booleanOption, closedRangeOption, positiveIntArrayOption, positiveIntOption } from '../common/option-values.js';
import { factorDim, factorRows, ttCacheRows, ttParamCount, ttShape } from './tt-shape.js';
import { budgetSolution, closer, DEFAULT_BUDGET_TOLERANCE, targetParams, type BudgetRequest, type BudgetSolution } from '../../budget/types.js';

/** TT-Rec's default number of cores. */
export const TT_DEFAULT_CORES = 3;
/** TT-Rec's default cache size when the cache is enabled: 10% of the rows. */
export const TT_DEFAULT_CACHE_FRACTION = 0.1;

/** The shape options of a TT-Rec table (shared by the table and the solver). */
export interface TtShapeChoice {
  readonly p: number[];
  readonly q: number[];
  readonly cacheFraction: number;
}

/** Reads `cores`, `pShape`, `qShape`, `cache` and `cacheFraction` and fills in the defaults. */
export function ttShapeChoice(rows: number, dim: number, options: Readonly<Record<string, unknown>>): TtShapeChoice {
  const given = positiveIntOption('ttrec', options, 'cores');
  const pGiven = positiveIntArrayOption('ttrec', options, 'pShape');
  const qGiven = positiveIntArrayOption('ttrec', options, 'qShape');
  const cores = given ?? pGiven?.length ?? qGiven?.length ?? TT_DEFAULT_CORES;
  const p = pGiven ?? factorRows(rows, cores);
  const q = qGiven ?? factorDim(dim, cores);
  if (p.length !== cores || q.length !== cores) throw new RangeError(`ttrec: pShape and qShape need ${cores} entries, got ${p.length} and ${q.length}`);
  if (p.reduce((a, b) => a * b, 1) < rows) throw new RangeError(`ttrec: pShape ${JSON.stringify(p)} addresses fewer than ${rows} rows`);
  if (q.reduce((a, b) => a * b, 1) !== dim) throw new RangeError(`ttrec: qShape ${JSON.stringify(q)} does not multiply to dim ${dim}`);
  const cache = booleanOption('ttrec', options, 'cache');
  const fraction = closedRangeOption('ttrec', options, 'cacheFraction', 0, 1);
  const cacheFraction = fraction ?? (cache === true ? TT_DEFAULT_CACHE_FRACTION : 0);
  if (cache === false && cacheFraction > 0) throw new RangeError('ttrec: cache is false but cacheFraction is positive');
  return { p, q, cacheFraction };
}

/**
 * Picks TT-Rec's inner ranks for a target sparsity, counting the cores plus the cache rows
 * (cacheFraction x N rows of d). First equal ranks r (the count is quadratic in r); when the
 * integer r misses half the tolerance, near-equal ranks [a, ..., a, b] (the last inner rank solved
 * from the others, the count being linear in it), preferring the most balanced pair among those
 * within half the tolerance. A target below the rank-1 count (or the cache alone) is out of reach.
 */
export function solveTtrec(request: BudgetRequest): BudgetSolution {
  const { rows, dim } = request;
  const tolerance = request.tolerance ?? DEFAULT_BUDGET_TOLERANCE;
  const choice = ttShapeChoice(rows, dim, request.options ?? {});
  const cores = choice.p.length;
  const cacheParams = ttCacheRows(rows, choice.cacheFraction) * dim;
  const candidate = (inner: number[]): BudgetSolution =>
    budgetSolution(request, { pShape: choice.p, qShape: choice.q, ranks: inner, cacheFraction: choice.cacheFraction }, ttParamCount(ttShape(choice.p, choice.q, inner)) + cacheParams);
  const coreTarget = targetParams(rows, dim, request.sparsity) - cacheParams;
  // Equal ranks: count(r) = lin r + quad r^2 (the end cores are linear in r, the inner ones quadratic).
  const pq = choice.p.map((p, k) => p * choice.q[k]);
  const lin = pq[0] + pq[cores - 1];
  const quad = pq.slice(1, cores - 1).reduce((a, b) => a + b, 0);
  const real = quad === 0 ? coreTarget / lin : (-lin + Math.sqrt(lin * lin + 4 * quad * Math.max(0, coreTarget))) / (2 * quad);
  let best: BudgetSolution | null = null;
  for (const r of [Math.floor(real), Math.ceil(real)]) best = closer(best, candidate(new Array<number>(cores - 1).fill(Math.max(1, r))));
  // Equal sizes are kept when they land within half the tolerance; otherwise a near-equal pair may land closer.
  if (best!.relativeError <= tolerance / 2 || cores === 2) return best!;
  // Near-equal ranks: a for the first K-2 inner ranks, b (solved) for the last.
  const balanced: BudgetSolution[] = [];
  for (let a = Math.max(1, Math.floor(real / 2)); a <= Math.ceil(2 * real) + 1; a++) {
    const base = new Array<number>(cores - 2).fill(a);
    const at0 = ttParamCount(ttShape(choice.p, choice.q, [...base, 1]));
    const slope = ttParamCount(ttShape(choice.p, choice.q, [...base, 2])) - at0;
    const b = 1 + (coreTarget - at0) / slope;
    for (const bi of [Math.floor(b), Math.ceil(b)]) {
      const s = candidate([...base, Math.max(1, bi)]);
      best = closer(best, s);
      if (s.relativeError <= tolerance / 2) balanced.push(s);
    }
  }
  if (balanced.length === 0) return best!;
  const imbalance = (s: BudgetSolution): number => {
    const r = s.options.ranks as number[];
    return Math.max(...r) / Math.min(...r);
  };
  return balanced.reduce((x, y) => (imbalance(y) < imbalance(x) ? y : x));
}
