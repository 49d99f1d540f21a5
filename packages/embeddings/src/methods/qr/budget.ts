import type { QrOp } from '@lers/kernels';
import { choiceOption } from '../common/option-values.js';
import { budgetSolution, closer, DEFAULT_BUDGET_TOLERANCE, targetParams, type BudgetRequest, type BudgetSolution } from '../../budget/types.js';

/** The QR combination ops. */
export const QR_OPS: readonly QrOp[] = ['mult', 'add', 'concat'];

/** Width of each of QR's two tables: d (mult, add) or d / 2 (concat). */
export function qrPartDim(op: QrOp, dim: number): number {
  return op === 'concat' ? dim / 2 : dim;
}

/** Rows of the quotient table for divider m: ceil(N / m). */
export function qrQuotientRows(rows: number, divider: number): number {
  return Math.ceil(rows / divider);
}

/** QR's parameter count as the protocol counts it: (m + ceil(N / m)) x part width. */
export function qrParamCount(rows: number, dim: number, divider: number, op: QrOp): number {
  return (divider + qrQuotientRows(rows, divider)) * qrPartDim(op, dim);
}

/**
 * Picks QR's divider m for a target sparsity. The count m + ceil(N/m) only takes integer values,
 * so the landing is judged by the relative error of the parameter count against the target.
 * The paper's convention is the small root (m <= sqrt(N): m = 2, 5, 20 for 50/80/95%), whose
 * steps grow as m grows (at 95% on 20k rows, m = 20 overshoots by 2%); when no small m lands
 * within the tolerance, the large root (m > sqrt(N), a large remainder table and a small
 * quotient table, whose count moves in steps of one row) is used instead.
 */
export function solveQr(request: BudgetRequest): BudgetSolution {
  const op = choiceOption('qr', request.options ?? {}, 'op', QR_OPS) ?? 'mult';
  const { rows } = request;
  const tolerance = request.tolerance ?? DEFAULT_BUDGET_TOLERANCE;
  const candidate = (m: number): BudgetSolution => budgetSolution(request, { op, divider: m }, qrParamCount(rows, request.dim, m, op));
  const root = Math.floor(Math.sqrt(rows));
  let small: BudgetSolution | null = null;
  for (let m = 1; m <= Math.max(1, root); m++) small = closer(small, candidate(m));
  if (small !== null && small.relativeError <= tolerance) return small;
  // Large root: for each quotient count c = ceil(N/m), m ranges over [ceil(N/c), ceil(N/(c-1)) - 1]
  // and the count is m + c, so the best m for c is the target row count minus c, clamped.
  const targetRows = targetParams(rows, request.dim, request.sparsity) / qrPartDim(op, request.dim);
  let best = small;
  for (let c = 1; c <= root + 1; c++) {
    const lo = Math.ceil(rows / c);
    const hi = c === 1 ? Math.max(lo, Math.ceil(targetRows)) : Math.ceil(rows / (c - 1)) - 1;
    if (hi < lo) continue;
    const ideal = targetRows - c;
    for (const m of [Math.floor(ideal), Math.ceil(ideal)]) best = closer(best, candidate(Math.min(hi, Math.max(lo, m))));
  }
  return best!;
}
