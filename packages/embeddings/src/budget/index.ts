/** Budget solving: size parameters of a method for a target sparsity (each method's solver sits in its folder). */
export { solveWith, fractionBudget } from './solve.js';
export { BudgetError } from './error.js';
export { DEFAULT_BUDGET_TOLERANCE, targetParams, budgetSolution, closer, type BudgetRequest, type BudgetSolution, type BudgetSolver } from './types.js';
