import type { BudgetSolution } from './types.js';

/**
 * A target sparsity a method cannot reach within the tolerance. `closest` is the achievable
 * solution nearest to the target, and the message states its sparsity.
 */
export class BudgetError extends RangeError {
  constructor(
    readonly closest: BudgetSolution,
    readonly rows: number,
    readonly dim: number,
    readonly target: number,
    readonly tolerance: number,
  ) {
    super(
      `${closest.method}: a ${rows} x ${dim} table cannot reach sparsity ${target} ` +
        `(${Math.round(closest.targetParams)} parameters, within ${(tolerance * 100).toPrecision(3)}%); ` +
        `the closest achievable sparsity is ${closest.sparsity.toFixed(6)} (${closest.params} parameters with ${JSON.stringify(closest.options)})`,
    );
    this.name = 'BudgetError';
  }
}
