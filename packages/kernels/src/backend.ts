import type { AnyTypedArray, Buf, DType, TypedArrayFor } from './types.js';
import type { DenseOps } from './ops/dense.js';
import type { ActivationOps } from './ops/activations.js';
import type { EmbeddingOps } from './ops/embedding.js';
import type { SparseOps } from './ops/sparse.js';
import type { RankingOps } from './ops/ranking.js';
import type { QuantOps } from './ops/quant.js';
import type { CompressionOps } from './ops/compression.js';
import type { TrainingOps } from './ops/training.js';
import type { RandomOps } from './ops/random.js';

/** Which implementation stands behind a backend. */
export type BackendKind = 'reference' | 'wasm' | 'wasm-scalar' | 'webgpu';

/**
 * Buffer management every backend provides. Kernels are *enqueued*: on host backends (reference,
 * WASM) they run synchronously before the call returns; on WebGPU they are recorded and run later.
 * `read` is the explicit, asynchronous read-back that works everywhere; `sync` waits for all
 * enqueued work.
 */
export interface BackendCore {
  readonly kind: BackendKind;
  /** Unique per backend instance; buffers carry it so that mixing backends is caught. */
  readonly id: number;
  /** Number of threads kernels may use (1 = no workers). */
  readonly threads: number;
  /** Allocates a zero-filled buffer of `length` elements. */
  alloc<D extends DType>(dtype: D, length: number): Buf<D>;
  /** Allocates a buffer and copies `data` into it. */
  upload<D extends DType>(dtype: D, data: ArrayLike<number>): Buf<D>;
  /** Copies host data into an existing buffer, starting at element `offset`. */
  write(buf: Buf, data: ArrayLike<number>, offset?: number): void;
  /** Explicit read-back: a fresh host copy of the buffer's contents, after pending work finishes. */
  read<D extends DType>(buf: Buf<D>): Promise<TypedArrayFor[D]>;
  /** A handle to elements [start, start + length) of `buf`, sharing its storage (not owned). */
  slice<D extends DType>(buf: Buf<D>, start: number, length: number): Buf<D>;
  /**
   * A handle of `length` elements of `dtype` over the bytes of `bytes` (a u8 buffer) from
   * `byteOffset` on, sharing its storage like a slice (not owned): data read into one buffer, e.g.
   * a model file, is used in place. The absolute address must be aligned to the dtype's size.
   */
  reinterpret<D extends DType>(bytes: Buf<'u8'>, byteOffset: number, dtype: D, length: number): Buf<D>;
  /** Releases a buffer allocated by `alloc`/`upload`. Slices must not be freed. */
  free(buf: Buf): void;
  /** Starts a scratch scope: every buffer allocated until `release` is freed by it at once. */
  scope(): ScratchScope;
  /** Waits until all enqueued work is done. */
  sync(): Promise<void>;
  /**
   * Backends without views (WebGPU) may keep the host's copy of an id buffer while every write to
   * it came from the host (upload, write, copy of such a buffer): this returns it (read-only), or
   * null once a kernel wrote the buffer. Never a read-back. Use `hostIds` rather than calling it.
   */
  knownIds?(ids: Buf<'i32'>): Int32Array | null;
  /** Frees all memory and stops worker threads. The backend is unusable afterwards. */
  dispose(): void;
}

/** A batch of scratch allocations freed together. */
export interface ScratchScope {
  alloc<D extends DType>(dtype: D, length: number): Buf<D>;
  release(): void;
}

/** Every kernel family. */
export interface KernelOps
  extends DenseOps,
    ActivationOps,
    EmbeddingOps,
    SparseOps,
    RankingOps,
    QuantOps,
    CompressionOps,
    TrainingOps,
    RandomOps {}

/** One implementation of every kernel family, in this order (see src/wasm/families.ts). */
export type KernelFamilies = readonly [DenseOps, ActivationOps, EmbeddingOps, SparseOps, RankingOps, QuantOps, CompressionOps, TrainingOps, RandomOps];

/** A backend: buffer management plus every kernel. Implemented by reference, WASM and WebGPU. */
export interface Backend extends BackendCore, KernelOps {}

/**
 * A backend whose buffers are directly addressable from JS (reference and WASM). `view` is
 * zero-copy; a view may be invalidated by any later allocation (memory growth), so take views
 * right before use and do not keep them across allocations.
 */
export interface HostBackend extends Backend {
  readonly hostVisible: true;
  view<D extends DType>(buf: Buf<D>): TypedArrayFor[D];
}

/** True when the backend can hand out zero-copy views. */
export function isHostBackend(b: Backend): b is HostBackend {
  return (b as Partial<HostBackend>).hostVisible === true;
}

/** Work that runs only on a host backend (WASM or reference) was asked of another one (WebGPU). */
export class HostBackendRequiredError extends Error {
  override name = 'HostBackendRequiredError';
}

/**
 * The backend as a HostBackend, for code paths that still loop over zero-copy views (explicitly
 * host-only); a HostBackendRequiredError naming `what` and the backend otherwise.
 */
export function requireHostBackend(b: Backend, what: string): HostBackend {
  if (!isHostBackend(b)) throw new HostBackendRequiredError(`${what} needs a host backend (WASM or reference) for its host-side loops, got ${b.kind}`);
  return b;
}

/**
 * The contents of an id buffer on the host, synchronously and without a read-back: a zero-copy
 * view on host backends, the backend's copy of host-written ids elsewhere (WebGPU), or null when
 * no host copy exists (ids a kernel wrote). Read-only; take it right before use (a host view dies
 * with the next allocation).
 */
export function hostIds(b: Backend, ids: Buf<'i32'>): Int32Array | null {
  if (isHostBackend(b)) return b.view(ids);
  return b.knownIds?.(ids) ?? null;
}

export type { AnyTypedArray };

/**
 * Builds a backend from its core and its kernel families (each family's methods are copied onto
 * the core object); KernelFamilies guarantees at compile time that every family is there.
 */
export function composeBackend<C extends object>(core: C, families: KernelFamilies): C & KernelOps {
  for (const family of families) Object.assign(core, family);
  return core as C & KernelOps;
}
