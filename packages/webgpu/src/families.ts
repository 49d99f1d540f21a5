import type { KernelFamilies } from '@lers/kernels/backend-kit';
import { checkedActivations, checkedCompression, checkedDense, checkedEmbedding, checkedQuant, checkedRandom, checkedRanking, checkedSparse, checkedTraining } from '@lers/kernels/backend-kit';
import type { WebGpuCore } from './core.js';
import { webgpuActivations } from './ops/activations.js';
import { webgpuCompression } from './ops/compression.js';
import { webgpuDense } from './ops/dense.js';
import { webgpuEmbedding } from './ops/embedding.js';
import { webgpuQuant } from './ops/quant.js';
import { webgpuRandom } from './ops/random.js';
import { webgpuRanking } from './ops/ranking.js';
import { webgpuSparse } from './ops/sparse.js';
import { webgpuTraining } from './ops/training.js';

/**
 * The kernel families of the WebGPU backend, each wrapped in the shared argument checks of
 * @lers/kernels; the tuple type KernelFamilies makes a missing family a compile error.
 */
export function webgpuFamilies(core: WebGpuCore): KernelFamilies {
  return [
    checkedDense(webgpuDense(core)),
    checkedActivations(webgpuActivations(core)),
    checkedEmbedding(webgpuEmbedding(core)),
    checkedSparse(webgpuSparse(core)),
    checkedRanking(webgpuRanking(core)),
    checkedQuant(webgpuQuant(core)),
    checkedCompression(webgpuCompression(core)),
    checkedTraining(webgpuTraining(core)),
    checkedRandom(webgpuRandom(core)),
  ];
}
