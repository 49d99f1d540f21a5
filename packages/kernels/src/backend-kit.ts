/**
 * The pieces a backend living in another package (@lers/webgpu) needs to implement `Backend` the
 * way the reference and WASM backends do: the shared argument checks of every family
 * (`checked<Family>`), the family tuple and `composeBackend`, the buffer-handle bookkeeping, and
 * the errors the contract names. Exported as `@lers/kernels/backend-kit`.
 */
export { composeBackend, type KernelFamilies } from './backend.js';
export { BufferHandle, checkAllocLength, checkReinterpret, checkSlice, newBackendId, ownedHandle, scratchScope } from './buffer.js';
export { checkedDense } from './validate/dense.js';
export { checkedActivations } from './validate/activations.js';
export { checkedEmbedding, badBagOffsets } from './validate/embedding.js';
export { checkedSparse } from './validate/sparse.js';
export { checkedRanking, TOPK_MAX_K } from './validate/ranking.js';
export { checkedQuant } from './validate/quant.js';
export { checkedCompression, ttCapacity } from './validate/compression.js';
export { checkedTraining } from './validate/training.js';
export { checkedRandom } from './validate/random.js';
export { idOutOfRange, KernelArgumentError } from './validate/common.js';
export { TYPED_CTOR, newTyped, typedView } from './typed.js';
export { csrArrays } from './csr-arrays.js';
