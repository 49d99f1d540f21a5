import type { KernelOps } from '../backend.js';
import { checkedDense } from '../validate/dense.js';
import type { ReferenceCore } from './core.js';
import { referenceDense } from './ops/dense.js';

/** The kernel families of the reference backend (see src/wasm/families.ts). */
export function referenceFamilies(core: ReferenceCore): Partial<KernelOps>[] {
  return [checkedDense(referenceDense(core))];
}
