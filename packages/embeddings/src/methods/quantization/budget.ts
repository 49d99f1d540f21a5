import { budgetSolution, closer, type BudgetRequest, type BudgetSolution } from '../../budget/types.js';
import { PTQ_FORMATS, ptqBitWidth, type PtqFormat } from './ptq.js';

/**
 * Quantization is counted by bit width at full element count (params = rows x dim x bits / 32:
 * fp32 -> int8 is sparsity 0.75), so it reaches only 1 - bits / 32; any other target is a
 * BudgetError naming the closest.
 */
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
