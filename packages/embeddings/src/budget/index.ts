/** The budget solver: size parameters of each method for a target sparsity (see registry.ts). */
export { solveBudget, registerBudget, budgetMethods, fractionBudget } from './registry.js';
export { BudgetError } from './error.js';
export { DEFAULT_BUDGET_TOLERANCE, targetParams, budgetSolution, type BudgetRequest, type BudgetSolution, type BudgetSolver } from './types.js';
export { solveQr, qrParamCount } from './qr.js';
export { solveTtrec, TT_DEFAULT_CACHE_FRACTION, TT_DEFAULT_CORES } from './ttrec.js';
export { solveDhe, DHE_DEFAULT_DEPTH } from './dhe.js';
