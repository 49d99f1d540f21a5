/**
 * The allocator of WASM linear memory. Kernels never allocate: the JS host owns every byte above
 * the module's static data and hands out 64-byte aligned blocks (cache-line and v128 aligned).
 * First-fit over an address-sorted free list with coalescing; grows memory when nothing fits.
 * It runs on the main thread only (workers never allocate), so it needs no locking.
 */
export const HEAP_ALIGN = 64;
const PAGE = 65536;

interface FreeBlock {
  start: number;
  size: number;
}

export class WasmHeap {
  private readonly free: FreeBlock[] = [];
  private readonly live = new Map<number, number>();
  private end: number;
  /**
   * Bytes at and above this address were never handed out, so they are still zero (a new
   * memory and the pages `grow` adds are zero-filled): allocations there need no fill, which
   * saves a pass over every large first-time buffer (a model file, a graph, propagation buffers).
   */
  private pristine: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    const start = alignUp(heapBase, HEAP_ALIGN);
    this.end = memory.buffer.byteLength;
    this.pristine = start;
    if (this.end > start) this.free.push({ start, size: this.end - start });
  }

  /** Bytes currently handed out. */
  get liveBytes(): number {
    let total = 0;
    for (const size of this.live.values()) total += size;
    return total;
  }

  /** Size of the largest free block (allocations up to this size need no growth). */
  get largestFreeBlock(): number {
    return this.free.reduce((max, b) => Math.max(max, b.size), 0);
  }

  /** Total size of linear memory. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Returns a block of at least `bytes` bytes, zero-filled unless `zero` is false (for scratch
   * that a kernel overwrites entirely: filling it would cost as much as the kernel's own pass);
   * only the part that was handed out before is filled.
   */
  alloc(bytes: number, zero = true): number {
    const size = Math.max(HEAP_ALIGN, alignUp(bytes, HEAP_ALIGN));
    let index = this.free.findIndex((b) => b.size >= size);
    if (index < 0) index = this.grow(size);
    const block = this.free[index];
    const ptr = block.start;
    if (block.size === size) this.free.splice(index, 1);
    else {
      block.start += size;
      block.size -= size;
    }
    this.live.set(ptr, size);
    const used = Math.min(ptr + size, this.pristine);
    if (zero && used > ptr) new Uint8Array(this.memory.buffer, ptr, used - ptr).fill(0);
    this.pristine = Math.max(this.pristine, ptr + size);
    return ptr;
  }

  /** Returns a block to the free list, merging it with free neighbours. */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`WasmHeap: free of unknown or already freed pointer ${ptr}`);
    this.live.delete(ptr);
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].start < ptr) lo = mid + 1;
      else hi = mid;
    }
    this.free.splice(lo, 0, { start: ptr, size });
    this.mergeAround(lo);
  }

  /** Grows memory so that a block of `size` fits at the end; returns its free-list index. */
  private grow(size: number): number {
    const last = this.free[this.free.length - 1];
    const tailFree = last && last.start + last.size === this.end ? last.size : 0;
    const missing = size - tailFree;
    // Grow geometrically (at least 1/8 of the current size) to keep the number of grows small.
    const pages = Math.max(Math.ceil(missing / PAGE), Math.ceil(this.end / PAGE / 8));
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new RangeError(`WASM memory exhausted: cannot grow by ${pages} pages (${this.end} bytes in use, ${size} requested): ${String(e)}`);
    }
    const oldEnd = this.end;
    this.end = this.memory.buffer.byteLength;
    this.free.push({ start: oldEnd, size: this.end - oldEnd });
    this.mergeAround(this.free.length - 1);
    return this.free.length - 1;
  }

  private mergeAround(index: number): void {
    let i = index;
    const prev = this.free[i - 1];
    const cur = this.free[i];
    if (prev && prev.start + prev.size === cur.start) {
      prev.size += cur.size;
      this.free.splice(i, 1);
      i -= 1;
    }
    const here = this.free[i];
    const next = this.free[i + 1];
    if (next && here.start + here.size === next.start) {
      here.size += next.size;
      this.free.splice(i + 1, 1);
    }
  }
}

export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
