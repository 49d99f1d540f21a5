import { fractionBudget } from '../../budget/solve.js';
import type { BudgetSolver } from '../../budget/types.js';

/**
 * Pruning is sized by its fraction (option `sparsity` = target, kept entries = rows x dim -
 * round(sparsity x rows x dim)); MagPrune's k_min protection can only lower the achieved value,
 * which the pruned table's size() reports.
 */
export const solvePruningBudget: BudgetSolver = fractionBudget('sparsity');

/** Pruning followed by int8: sized by the pruning fraction (params = kept entries, the bit width reported apart). */
export const solvePrunedInt8Budget: BudgetSolver = fractionBudget('sparsity');
