import type { KernelFamilies } from '../backend.js';
import type { WasmCore } from './core.js';
import { checkedDense } from '../validate/dense.js';
import { wasmDense } from './ops/dense.js';
import { checkedActivations } from '../validate/activations.js';
import { wasmActivations } from './ops/activations.js';
import { checkedEmbedding } from '../validate/embedding.js';
import { wasmEmbedding } from './ops/embedding.js';
import { checkedSparse } from '../validate/sparse.js';
import { wasmSparse } from './ops/sparse.js';
import { checkedRanking } from '../validate/ranking.js';
import { wasmRanking } from './ops/ranking.js';
import { checkedQuant } from '../validate/quant.js';
import { wasmQuant } from './ops/quant.js';
import { checkedCompression } from '../validate/compression.js';
import { wasmCompression } from './ops/compression.js';
import { checkedTraining } from '../validate/training.js';
import { wasmTraining } from './ops/training.js';
import { checkedRandom } from '../validate/random.js';
import { wasmRandom } from './ops/random.js';

/**
 * The kernel families of the WASM backend, each wrapped in the shared argument checks. The tuple
 * type KernelFamilies makes a missing family a compile error. Adding a family: its ops interface
 * (src/ops), its checks (src/validate), its reference and WASM implementations, then one entry
 * here, in src/reference/families.ts and in KernelFamilies (src/backend.ts).
 */
export function wasmFamilies(core: WasmCore): KernelFamilies {
  return [
    checkedDense(wasmDense(core)),
    checkedActivations(wasmActivations(core)),
    checkedEmbedding(wasmEmbedding(core)),
    checkedSparse(wasmSparse(core)),
    checkedRanking(wasmRanking(core)),
    checkedQuant(wasmQuant(core)),
    checkedCompression(wasmCompression(core)),
    checkedTraining(wasmTraining(core)),
    checkedRandom(wasmRandom(core)),
  ];
}
