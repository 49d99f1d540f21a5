import { budgetMethods, fractionBudget, registerBudget } from '../budget/registry.js';
import { budgetSolution, closer, type BudgetRequest, type BudgetSolution, type BudgetSolver } from '../budget/types.js';
import { PTQ_FORMATS, ptqBitWidth, type PtqFormat } from './ptq.js';

/**
 * Budgets of the post-training methods. Pruning is sized by its fraction (option `sparsity` =
 * target, kept entries = rows x dim - round(sparsity x rows x dim)); MagPrune's k_min protection can
 * only lower the achieved value, which the pruned table's size() reports. Quantization is counted
 * by bit width at full element count (params = rows x dim x bits / 32: fp32 -> int8 is sparsity
 * 0.75), so it reaches only 1 - bits / 32; any other target is a BudgetError naming the closest.
 */
export const solvePruningBudget: BudgetSolver = fractionBudget('sparsity');

/** The protocol's parameter count of a rows x dim table quantized to `bits`: rows x dim x bits / 32. */
export function quantizedParamCount(rows: number, dim: number, bits: number): number {
  return (rows * dim * bits) / 32;
}

/** Picks the PTQ format (option `format` fixes it) whose bit width lands closest to the target. */
export function solvePtqBudget(request: BudgetRequest): BudgetSolution {
  const fixed = request.options?.format;
  const formats = fixed === undefined ? PTQ_FORMATS : [fixed as PtqFormat];
  if (!formats.every((f) => PTQ_FORMATS.includes(f))) throw new RangeError(`ptq budget: option format must be one of ${PTQ_FORMATS.join(', ')}, got ${String(fixed)}`);
  let best: BudgetSolution | null = null;
  for (const format of formats) best = closer(best, budgetSolution(request, { format }, quantizedParamCount(request.rows, request.dim, ptqBitWidth(format))));
  return best!;
}

/** Picks QAT's bit width (16, 8 or 4; option `bits` fixes it) landing closest to the target. */
export function solveQatBudget(request: BudgetRequest): BudgetSolution {
  const fixed = request.options?.bits;
  const choices = fixed === undefined ? [16, 8, 4] : [fixed];
  if (!choices.every((b) => b === 16 || b === 8 || b === 4)) throw new RangeError(`qat budget: option bits must be 16, 8 or 4, got ${String(fixed)}`);
  let best: BudgetSolution | null = null;
  for (const bits of choices as number[]) best = closer(best, budgetSolution(request, { bits }, quantizedParamCount(request.rows, request.dim, bits)));
  return best!;
}

/** Pruning followed by int8: sized by the pruning fraction (params = kept entries, the bit width reported apart). */
export const solvePrunedInt8Budget: BudgetSolver = fractionBudget('sparsity');

/** The post-training methods' solvers, registered with the budget solver when this module loads (unless already there). */
export const POST_TRAINING_BUDGETS: Readonly<Record<string, BudgetSolver>> = {
  magprune: solvePruningBudget,
  randprune: solvePruningBudget,
  'magprune-int8': solvePrunedInt8Budget,
  ptq: solvePtqBudget,
  qat: solveQatBudget,
};

for (const [method, solver] of Object.entries(POST_TRAINING_BUDGETS)) {
  if (!budgetMethods().includes(method)) registerBudget(method, solver);
}
