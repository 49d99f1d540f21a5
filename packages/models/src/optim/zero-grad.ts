import type { Backend } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';

/**
 * Zeroes the gradients of `params` and clears their touched-row sets, except the parameters in
 * `alreadyZeroed` (a lazy Adam step zeroes its rows itself: everything else is still zero).
 */
export function zeroGradients(backend: Backend, params: readonly Parameter[], alreadyZeroed?: ReadonlySet<Parameter>): void {
  for (const p of params) {
    if (alreadyZeroed?.has(p) !== true) backend.fill(p.grad, 0);
    p.rowSparse?.clear();
  }
}
