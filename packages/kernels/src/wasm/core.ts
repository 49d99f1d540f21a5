import type { BackendKind, ScratchScope } from '../backend.js';
import { BufferHandle, checkAllocLength, checkReinterpret, checkSlice, newBackendId, ownedHandle, scratchScope } from '../buffer.js';
import { BYTES_PER_ELEMENT, type Buf, type DType, type TypedArrayFor } from '../types.js';
import { typedView } from '../typed.js';
import { ThreadPool } from '../threads/pool.js';
import { boundariesAt, equalFractions } from '../threads/split.js';
import { WasmHeap } from './heap.js';
import { PARALLEL_MIN_NS } from './costs.js';

/** A buffer in WASM linear memory: a byte address plus bookkeeping. */
export class WasmBuf<D extends DType = DType> extends BufferHandle<D> {
  constructor(
    dtype: D,
    length: number,
    backendId: number,
    root: WasmBuf | null,
    /** Byte address in linear memory. */
    readonly ptr: number,
  ) {
    super(dtype, length, backendId, root);
  }
}

/** A kernel export: pointers and sizes in, an i32 status (or nothing) out. */
export type KernelFn = (...args: number[]) => number;

/**
 * Buffer management, views and kernel dispatch of the WASM backend; the op families
 * (src/wasm/ops/*) are built on it.
 */
export class WasmCore {
  readonly id = newBackendId();
  readonly hostVisible = true as const;
  readonly heap: WasmHeap;
  readonly threads: number;
  private readonly exportsTable: Record<string, unknown>;
  private disposed = false;

  constructor(
    readonly kind: BackendKind,
    readonly memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    readonly pool: ThreadPool | null,
    /** Below this much estimated work (ns) a kernel runs on the calling thread (see PARALLEL_MIN_NS). */
    readonly parallelMinNs: number = PARALLEL_MIN_NS,
  ) {
    this.exportsTable = instance.exports;
    this.heap = new WasmHeap(memory, this.fn('heapBase')());
    this.threads = pool ? pool.threads : 1;
  }

  /** A kernel export by name (throws if the module lacks it). */
  fn(name: string): KernelFn {
    const f = this.exportsTable[name];
    if (typeof f !== 'function') throw new Error(`kernel module has no export ${name}`);
    return f as KernelFn;
  }

  /** Byte address of a buffer of this backend (validates ownership and liveness). */
  ptr(buf: Buf): number {
    return ownedHandle(buf, this.id, WasmBuf).ptr;
  }

  /**
   * Runs a row-partitioned kernel: `name(...args, r0, r1)` over rows [0, rows). It uses the pool
   * (chunks of rows taken by whichever thread is free) when there is one and the work
   * (rows * nsPerRow, estimated single-thread nanoseconds: costs.ts) is worth the hand-off.
   */
  parallel(name: string, args: readonly number[], rows: number, nsPerRow: number): void {
    const kernel = this.fn(name);
    if (this.pool && rows > 1 && rows * nsPerRow >= this.parallelMinNs) this.pool.run(name, args, rows, kernel);
    else kernel(...args, 0, rows);
  }

  /**
   * Like `parallel` for rows of uneven cost: `prefixCost(r)` is the work (estimated ns) of rows
   * [0, r), non-decreasing from 0, and the chunks are cut by cost, not by row count (binary
   * search, O(chunks log rows) calls). A row is computed the same way whatever the split.
   */
  parallelByCost(name: string, args: readonly number[], rows: number, prefixCost: (r: number) => number): void {
    const kernel = this.fn(name);
    if (this.pool && rows > 1 && prefixCost(rows) >= this.parallelMinNs) {
      this.pool.run(name, args, rows, kernel, boundariesAt(rows, this.pool.fractions, prefixCost));
    } else kernel(...args, 0, rows);
  }

  /**
   * Like `parallelByCost`, pinned (ThreadPool.runPinned): PINNED_CHUNKS_PER_THREAD chunks per
   * thread of equal cost, each thread taking the same rows in every call with the same `rotation`
   * (thread t takes the rows of thread (t + rotation) mod threads). For kernels called again and
   * again over the same buffers (a chain of SpMMs), where a row written on one core and read on
   * the other costs a cross-core transfer.
   */
  parallelPinnedByCost(name: string, args: readonly number[], rows: number, prefixCost: (r: number) => number, rotation = 0): void {
    const kernel = this.fn(name);
    if (this.pool && rows > 1 && prefixCost(rows) >= this.parallelMinNs) {
      const chunks = PINNED_CHUNKS_PER_THREAD * this.pool.threads;
      this.pool.runPinned(name, args, rows, kernel, boundariesAt(rows, equalFractions(chunks), prefixCost), rotation);
    } else kernel(...args, 0, rows);
  }

  alloc<D extends DType>(dtype: D, length: number): WasmBuf<D> {
    return this.allocBlock(dtype, length, true);
  }

  private allocBlock<D extends DType>(dtype: D, length: number, zero: boolean): WasmBuf<D> {
    this.checkAlive();
    checkAllocLength(length);
    const ptr = this.heap.alloc(length * BYTES_PER_ELEMENT[dtype], zero);
    return new WasmBuf(dtype, length, this.id, null, ptr);
  }

  upload<D extends DType>(dtype: D, data: ArrayLike<number>): WasmBuf<D> {
    const buf = this.alloc(dtype, data.length);
    this.view(buf).set(data);
    return buf;
  }

  write(buf: Buf, data: ArrayLike<number>, offset = 0): void {
    const view = this.view(buf);
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > view.length) {
      throw new RangeError(`write of ${data.length} elements at ${offset} overflows a ${buf.dtype}[${buf.length}] buffer`);
    }
    view.set(data, offset);
  }

  read<D extends DType>(buf: Buf<D>): Promise<TypedArrayFor[D]> {
    return Promise.resolve(this.view(buf).slice() as TypedArrayFor[D]);
  }

  /** Zero-copy view; invalidated by later allocations that grow memory. */
  view<D extends DType>(buf: Buf<D>): TypedArrayFor[D] {
    const ptr = this.ptr(buf);
    return typedView(buf.dtype, this.memory.buffer, ptr, buf.length);
  }

  slice<D extends DType>(buf: Buf<D>, start: number, length: number): WasmBuf<D> {
    const parent = ownedHandle(buf, this.id, WasmBuf);
    checkSlice(buf, start, length);
    const root = (parent.root as WasmBuf | null) ?? parent;
    return new WasmBuf(buf.dtype, length, this.id, root, parent.ptr + start * BYTES_PER_ELEMENT[buf.dtype]);
  }

  reinterpret<D extends DType>(bytes: Buf<'u8'>, byteOffset: number, dtype: D, length: number): WasmBuf<D> {
    const parent = ownedHandle(bytes, this.id, WasmBuf);
    checkReinterpret(bytes, byteOffset, dtype, length, parent.ptr + byteOffset);
    const root = (parent.root as WasmBuf | null) ?? parent;
    return new WasmBuf(dtype, length, this.id, root, parent.ptr + byteOffset);
  }

  free(buf: Buf): void {
    this.freeBlock(buf);
  }

  /** free() without the public entry point, so that scratch scopes pair allocBlock with it. */
  private freeBlock(buf: Buf): void {
    const handle = ownedHandle(buf, this.id, WasmBuf, true);
    handle.markFreed();
    this.heap.release(handle.ptr);
  }

  scope(): ScratchScope {
    return scratchScope(this);
  }

  /**
   * A scratch scope whose blocks are not zero-filled: for kernels that write every element before
   * reading it (GEMM's packed operands), where the fill would be a second full pass on one thread.
   */
  uninitializedScope(): ScratchScope {
    return scratchScope({ alloc: (dtype, length) => this.allocBlock(dtype, length, false), free: (buf) => { this.freeBlock(buf); } });
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('backend used after dispose()');
  }
}

/**
 * Chunks per thread of a pinned task: more than one, so that a preempted thread loses only part of
 * its share to the others.
 */
const PINNED_CHUNKS_PER_THREAD = 4;
