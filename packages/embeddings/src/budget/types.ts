/**
 * A budget question: which size parameters make `method` land on a target sparsity for a
 * rows x dim table, where sparsity = 1 - (parameters as the protocol counts them) / (rows x dim).
 */
export interface BudgetRequest {
  readonly method: string;
  readonly rows: number;
  readonly dim: number;
  /** Target sparsity in (0, 1). */
  readonly sparsity: number;
  /** CTR: the per-field cardinalities (rows is their sum), for methods that size per field. */
  readonly fieldDims?: readonly number[];
  /** Method options that shape the answer (QR `op`, TT-Rec `cacheFraction`, DHE `k` / `depth`, ...). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Largest accepted |params - target| / target (default 0.01: "within 1%"). */
  readonly tolerance?: number;
}

/** A method's size parameters for a request, with the parameter count they give. */
export interface BudgetSolution {
  readonly method: string;
  /** createTable options that realise the solution (spread them into the table's options). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Parameters as the protocol counts them. */
  readonly params: number;
  /** (1 - target sparsity) x rows x dim (not rounded). */
  readonly targetParams: number;
  /** The achieved sparsity, 1 - params / (rows x dim). */
  readonly sparsity: number;
  /** |params - targetParams| / targetParams. */
  readonly relativeError: number;
}

/**
 * A method's solver: returns the closest achievable solution (never throws for a target that is
 * merely out of reach; `solveBudget` compares it with the tolerance).
 */
export type BudgetSolver = (request: BudgetRequest) => BudgetSolution;

/** The default tolerance: the parameter count within 1% of the target's. */
export const DEFAULT_BUDGET_TOLERANCE = 0.01;

/** (1 - sparsity) x rows x dim: the parameter count a target sparsity allows. */
export function targetParams(rows: number, dim: number, sparsity: number): number {
  return (1 - sparsity) * rows * dim;
}

/** Builds a solution record for `params` against the request's target. */
export function budgetSolution(request: BudgetRequest, options: Readonly<Record<string, unknown>>, params: number): BudgetSolution {
  const target = targetParams(request.rows, request.dim, request.sparsity);
  return {
    method: request.method,
    options,
    params,
    targetParams: target,
    sparsity: 1 - params / (request.rows * request.dim),
    relativeError: Math.abs(params - target) / target,
  };
}

/** Keeps the better of two candidates: smaller relative error, then the earlier one. */
export function closer(a: BudgetSolution | null, b: BudgetSolution): BudgetSolution {
  return a === null || b.relativeError < a.relativeError ? b : a;
}
