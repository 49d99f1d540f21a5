import { BudgetError } from './error.js';
import { budgetSolution, DEFAULT_BUDGET_TOLERANCE, type BudgetRequest, type BudgetSolution, type BudgetSolver } from './types.js';

/**
 * A solver for methods sized by one fraction option (pruning: the fraction p = sparsity of the
 * entries zeroed): sets `options[option] = sparsity` and counts rows x dim - round(p rows dim)
 * kept entries.
 */
export function fractionBudget(option: string): BudgetSolver {
  return (request) => {
    const total = request.rows * request.dim;
    return budgetSolution(request, { [option]: request.sparsity }, total - Math.round(request.sparsity * total));
  };
}

/**
 * Runs a method's solver on a checked request and returns the solution when its parameter count is
 * within the tolerance (default 1%, relative to the target count); otherwise throws a BudgetError
 * that states the closest achievable sparsity. (@lers/models' `solveBudget` finds the solver by
 * method name in the method registry.)
 */
export function solveWith(solver: BudgetSolver, request: BudgetRequest): BudgetSolution {
  const { rows, dim, sparsity } = request;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(dim) || dim < 1) throw new RangeError(`budget: rows and dim must be positive integers, got ${rows} x ${dim}`);
  if (!(sparsity > 0 && sparsity < 1)) throw new RangeError(`budget: the target sparsity must be in (0, 1), got ${sparsity}`);
  const tolerance = request.tolerance ?? DEFAULT_BUDGET_TOLERANCE;
  if (!(tolerance >= 0)) throw new RangeError(`budget: tolerance must be >= 0, got ${tolerance}`);
  if (request.fieldDims !== undefined && request.fieldDims.reduce((a, b) => a + b, 0) !== rows) {
    throw new RangeError(`budget: fieldDims sum to ${request.fieldDims.reduce((a, b) => a + b, 0)}, not rows = ${rows}`);
  }
  const solution = solver(request);
  // The slack absorbs the rounding of (1 - s) x rows x dim, so that tolerance 0 accepts an exact count.
  if (solution.relativeError > tolerance + 1e-9) throw new BudgetError(solution, rows, dim, sparsity, tolerance);
  return solution;
}
