import type { KernelFamilies } from '../backend.js';
import type { ReferenceCore } from './core.js';
import { checkedDense } from '../validate/dense.js';
import { referenceDense } from './ops/dense.js';
import { checkedActivations } from '../validate/activations.js';
import { referenceActivations } from './ops/activations.js';
import { checkedEmbedding } from '../validate/embedding.js';
import { referenceEmbedding } from './ops/embedding.js';
import { checkedSparse } from '../validate/sparse.js';
import { referenceSparse } from './ops/sparse.js';
import { checkedRanking } from '../validate/ranking.js';
import { referenceRanking } from './ops/ranking.js';
import { checkedQuant } from '../validate/quant.js';
import { referenceQuant } from './ops/quant.js';
import { checkedCompression } from '../validate/compression.js';
import { referenceCompression } from './ops/compression.js';
import { checkedTraining } from '../validate/training.js';
import { referenceTraining } from './ops/training.js';
import { checkedRandom } from '../validate/random.js';
import { referenceRandom } from './ops/random.js';

/** The kernel families of the reference backend (see src/wasm/families.ts). */
export function referenceFamilies(core: ReferenceCore): KernelFamilies {
  return [
    checkedDense(referenceDense(core)),
    checkedActivations(referenceActivations(core)),
    checkedEmbedding(referenceEmbedding(core)),
    checkedSparse(referenceSparse(core)),
    checkedRanking(referenceRanking(core)),
    checkedQuant(referenceQuant(core)),
    checkedCompression(referenceCompression(core)),
    checkedTraining(referenceTraining(core)),
    checkedRandom(referenceRandom(core)),
  ];
}
