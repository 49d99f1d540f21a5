import { DHE_DEFAULT_K } from './dhe-hash.js';
import { mlpParamCount } from './dhe-mlp.js';
import { positiveIntOption } from '../common/option-values.js';
import { budgetSolution, closer, DEFAULT_BUDGET_TOLERANCE, targetParams, type BudgetRequest, type BudgetSolution } from '../../budget/types.js';

/** The solver's default number of hidden layers (the protocol's CF settings use 3 and 4). */
export const DHE_DEFAULT_DEPTH = 3;

/**
 * Picks DHE's hidden widths for a target sparsity at a fixed depth (option `depth`, default 3;
 * `k` default 1024): first equal widths h (the count is quadratic in h), and when the integer h
 * misses half the tolerance, widths [h, ..., h, h_last] with the last hidden width solved from the
 * others (the count is linear in it), preferring the most balanced among those within half the
 * tolerance. Params = MLP weights + biases + BN affine of every layer, the output layer included.
 */
export function solveDhe(request: BudgetRequest): BudgetSolution {
  const options = request.options ?? {};
  const k = positiveIntOption('dhe', options, 'k') ?? DHE_DEFAULT_K;
  const depth = positiveIntOption('dhe', options, 'depth') ?? DHE_DEFAULT_DEPTH;
  const { dim } = request;
  const tolerance = request.tolerance ?? DEFAULT_BUDGET_TOLERANCE;
  const target = targetParams(request.rows, dim, request.sparsity);
  const count = (hidden: number[]): number => mlpParamCount([k, ...hidden, dim]);
  const candidate = (hidden: number[]): BudgetSolution => budgetSolution(request, { k, hidden }, count(hidden));
  // Equal widths: count(h) = quad h^2 + lin h + const; recover the coefficients from three points.
  const equal = (h: number): number[] => new Array<number>(depth).fill(h);
  const c0 = count(equal(0));
  const c1 = count(equal(1));
  const c2 = count(equal(2));
  const quad = (c2 - 2 * c1 + c0) / 2;
  const lin = c1 - c0 - quad;
  const real = quad === 0 ? (target - c0) / lin : (-lin + Math.sqrt(lin * lin + 4 * quad * Math.max(0, target - c0))) / (2 * quad);
  let best: BudgetSolution | null = null;
  for (const h of [Math.floor(real), Math.ceil(real)]) best = closer(best, candidate(equal(Math.max(1, h))));
  // Equal sizes are kept when they land within half the tolerance; otherwise a near-equal pair may land closer.
  if (best!.relativeError <= tolerance / 2 || depth === 1) return best!;
  const balanced: BudgetSolution[] = [];
  for (let h = Math.max(1, Math.floor(real / 2)); h <= Math.ceil(2 * real) + 1; h++) {
    const base = new Array<number>(depth - 1).fill(h);
    const at1 = count([...base, 1]);
    const slope = count([...base, 2]) - at1;
    const last = 1 + (target - at1) / slope;
    for (const hl of [Math.floor(last), Math.ceil(last)]) {
      const s = candidate([...base, Math.max(1, hl)]);
      best = closer(best, s);
      if (s.relativeError <= tolerance / 2) balanced.push(s);
    }
  }
  if (balanced.length === 0) return best!;
  const imbalance = (s: BudgetSolution): number => {
    const w = s.options.hidden as number[];
    return Math.max(...w) / Math.min(...w);
  };
  return balanced.reduce((x, y) => (imbalance(y) < imbalance(x) ? y : x));
}
