import type { KernelOps } from '../backend.js';
import { checkedDense } from '../validate/dense.js';
import type { WasmCore } from './core.js';
import { wasmDense } from './ops/dense.js';

/**
 * The kernel families of the WASM backend, each wrapped in the shared argument checks.
 * Adding a family: its ops interface (src/ops), its checks (src/validate), its reference and WASM
 * implementations, then one line here and one in src/reference/families.ts.
 */
export function wasmFamilies(core: WasmCore): Partial<KernelOps>[] {
  return [checkedDense(wasmDense(core))];
}
