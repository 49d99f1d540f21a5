/**
 * @lers/kernels: the numeric kernels of lers behind one Backend interface, implemented by a plain
 * TypeScript reference, a WASM SIMD backend (threaded over shared memory) and, in @lers/webgpu,
 * WebGPU compute shaders.
 */
export type { Backend, BackendCore, BackendKind, HostBackend, KernelOps, ScratchScope } from './backend.js';
export { HostBackendRequiredError, hostIds, isHostBackend, requireHostBackend } from './backend.js';
export type { Buf, Csr, DType, HostCsr, TypedArrayFor, AnyTypedArray } from './types.js';
export { BYTES_PER_ELEMENT } from './types.js';
export type { DenseOps } from './ops/dense.js';
export type { ActivationOps } from './ops/activations.js';
export type { EmbeddingOps } from './ops/embedding.js';
export type { SparseOps, SpmmOptions } from './ops/sparse.js';
export type { RankingOps } from './ops/ranking.js';
export { rowwiseStride, rowwiseScaleOffset, type QuantOps, type RowwiseBits } from './ops/quant.js';
export type { CompressionOps, QrOp, ThresholdGranularity, TtShape } from './ops/compression.js';
export type { TrainingOps, AdamParams, BatchNormParams } from './ops/training.js';
export type { RandomOps } from './ops/random.js';
export { KernelArgumentError } from './validate/common.js';
export { checkHostCsr } from './validate/sparse.js';
export { roundHalfEven } from './math/round.js';
export { Rng, hash2, splitmix32, u32ToUnit } from './random/xoshiro.js';
export { createReferenceBackend } from './reference/index.js';
export { createWasmBackend, PARALLEL_MIN_NS, type WasmBackend, type WasmBackendOptions, type WasmSource, type WasmSourceOption, type WasmVariant } from './wasm/index.js';
export { createBackend, type BackendOptions } from './create.js';
