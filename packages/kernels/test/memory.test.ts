import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, type WasmBackend } from '../src/index.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { expectClose, randomFloats } from './harness.js';

const created: WasmBackend[] = [];
async function small(threads = 1): Promise<WasmBackend> {
  // 2 pages to start with: almost any allocation grows memory.
  const be = await createWasmBackend({ threads, initialMemoryMiB: 0.125 });
  created.push(be);
  return be;
}
afterAll(() => {
  for (const b of created) b.dispose();
});

describe('WasmHeap', () => {
  it('hands out aligned, disjoint, zeroed blocks and coalesces freed neighbours', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = new WasmHeap(memory, 1000);
    const a = heap.alloc(10);
    const b = heap.alloc(100);
    const c = heap.alloc(64);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(a).toBeGreaterThanOrEqual(1000);
    expect(b).toBeGreaterThanOrEqual(a + 64);
    expect(c).toBeGreaterThanOrEqual(b + 128);
    new Uint8Array(memory.buffer, b, 100).fill(7);
    heap.release(a);
    heap.release(b);
    // a and b merged: a 192-byte request fits at a again, zero-filled despite the old 7s.
    const d = heap.alloc(192);
    expect(d).toBe(a);
    expect(new Uint8Array(memory.buffer, d, 192).every((x) => x === 0)).toBe(true);
    expect(heap.liveBytes).toBe(192 + 64);
  });

  it('zero-fills the used part of a block that reaches into never-used memory, and grown memory is zero', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = new WasmHeap(memory, 1024);
    const a = heap.alloc(4096);
    new Uint8Array(memory.buffer, a, 4096).fill(9);
    heap.release(a);
    // Starts where a was (dirty), runs past it into memory never handed out, then past the end (grown).
    const b = heap.alloc(200_000);
    expect(b).toBe(a);
    expect(new Uint8Array(memory.buffer, b, 200_000).every((x) => x === 0)).toBe(true);
    new Uint8Array(memory.buffer, b, 200_000).fill(5);
    heap.release(b);
    const c = heap.alloc(150_000);
    expect(new Uint8Array(memory.buffer, c, 150_000).every((x) => x === 0)).toBe(true);
  });

  it('grows memory when nothing fits and rejects double frees', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = new WasmHeap(memory, 1024);
    const big = heap.alloc(300_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(1024 + 300_000);
    heap.release(big);
    expect(() => { heap.release(big); }).toThrow(/already freed/);
  });

  it('reports exhaustion clearly', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new WasmHeap(memory, 1024);
    expect(() => heap.alloc(1 << 20)).toThrow(/WASM memory exhausted/);
  });
});

describe('buffers', () => {
  it('rejects use after free, freeing slices and buffers of another backend', async () => {
    const be = await small();
    const other = createReferenceBackend();
    const x = be.upload('f32', [1, 2, 3, 4]);
    const s = be.slice(x, 1, 2);
    expect([...be.view(s)]).toEqual([2, 3]);
    expect(() => { be.free(s); }).toThrow(/slice/);
    const y = other.upload('f32', [1, 2, 3, 4]);
    expect(() => { be.axpy(1, y, x); }).toThrow(/another backend/);
    be.free(x);
    expect(() => be.view(x)).toThrow(/freed/);
    expect(() => be.view(s)).toThrow(/freed/);
    expect(() => { be.free(x); }).toThrow(/double free/);
  });

  it.each([
    ['reference', () => Promise.resolve(createReferenceBackend())],
    ['wasm', () => small()],
  ] as const)('reinterpret (%s): typed handles over a byte buffer, in place, checked', async (_name, make) => {
    const be = await make();
    const bytes = be.alloc('u8', 32);
    const f = be.reinterpret(bytes, 8, 'f32', 3);
    be.write(f, [1.5, -2, 3]);
    // The same storage: the bytes changed, and a second handle sees the values.
    const raw = new Float32Array((await be.read(be.slice(bytes, 8, 12))).buffer);
    expect(Array.from(raw)).toEqual([1.5, -2, 3]);
    expect(Array.from(await be.read(be.reinterpret(bytes, 12, 'f32', 2)))).toEqual([-2, 3]);
    expect(be.reinterpret(bytes, 0, 'i32', 8).length).toBe(8);
    expect(() => be.reinterpret(bytes, 6, 'f32', 1)).toThrow(/not aligned/);
    expect(() => be.reinterpret(bytes, 8, 'f32', 7)).toThrow(/out of bounds/);
    expect(() => be.reinterpret(f as never, 0, 'f32', 1)).toThrow(/must be a u8 buffer/);
    expect(() => { be.free(f); }).toThrow(/slice/);
    be.free(bytes);
    expect(() => be.read(f)).toThrow(/freed/);
  });

  it('scope() frees every scratch buffer at once', async () => {
    const be = await small();
    const before = be.heap.liveBytes;
    const scope = be.scope();
    scope.alloc('f32', 1000);
    scope.alloc('i32', 10);
    expect(be.heap.liveBytes).toBeGreaterThan(before);
    scope.release();
    expect(be.heap.liveBytes).toBe(before);
  });

  it('read() returns a copy and write() checks bounds', async () => {
    const be = await small();
    const x = be.upload('i32', [5, 6, 7]);
    const copy = await be.read(x);
    copy[0] = 99;
    expect(be.view(x)[0]).toBe(5);
    be.write(x, [8], 2);
    expect([...be.view(x)]).toEqual([5, 6, 8]);
    expect(() => { be.write(x, [1, 2], 2); }).toThrow(/overflows/);
  });
});

describe('memory growth', () => {
  for (const threads of [1, 2]) {
    it(`a kernel that grows memory mid-call (scratch for a transposed GEMM) is still right, threads=${threads}`, async () => {
      const be = await small(threads);
      const [m, n, k] = [96, 80, 64];
      const aHost = randomFloats(m * k, 1);
      const bHost = randomFloats(n * k, 2);
      const a = be.upload('f32', aHost);
      const b = be.upload('f32', bHost);
      const c = be.alloc('f32', m * n);
      const filler = be.alloc('u8', be.heap.largestFreeBlock); // no room left: the scratch must grow memory
      const capacity = be.heap.capacity;
      be.gemm(true, true, m, n, k, 1, a, b, 0, c); // packs both operands into new scratch memory
      expect(be.heap.capacity).toBeGreaterThan(capacity);
      const ref = createReferenceBackend();
      const rc = ref.alloc('f32', m * n);
      ref.gemm(true, true, m, n, k, 1, ref.upload('f32', aHost), ref.upload('f32', bHost), 0, rc);
      expectClose(be.view(c), ref.view(rc), 1e-5, 1e-4);
      be.free(filler);
    });
  }

  for (const threads of [1, 2]) {
    it(`a transposed GEMM packs its operands into scratch that is not zero-filled, and no stale value leaks in, threads=${threads}`, async () => {
      const be = await small(threads);
      const [m, n, k] = [64, 40, 4099]; // packs large enough to be threaded
      const aHost = randomFloats(m * k, 3);
      const bHost = randomFloats(n * k, 4);
      // Leave NaNs where the packs will go: free blocks keep whatever was last written there.
      const dirt = be.alloc('f32', 2 * (m + n) * k);
      be.fill(dirt, Number.NaN);
      be.free(dirt);
      const a = be.upload('f32', aHost);
      const b = be.upload('f32', bHost);
      const c = be.alloc('f32', m * n);
      be.gemm(true, true, m, n, k, 1, a, b, 0, c);
      const ref = createReferenceBackend();
      const rc = ref.alloc('f32', m * n);
      ref.gemm(true, true, m, n, k, 1, ref.upload('f32', aHost), ref.upload('f32', bHost), 0, rc);
      expectClose(be.view(c), ref.view(rc), 1e-5, 1e-4 * Math.sqrt(k));
    });
  }

  it('views taken after growth see the data written before it', async () => {
    const be = await small();
    const x = be.upload('f32', [1.5, 2.5]);
    const filler = be.alloc('f32', 1 << 20); // grows memory
    expect([...be.view(x)]).toEqual([1.5, 2.5]);
    be.free(filler);
  });
});

describe('loading', () => {
  it('instantiates from raw bytes (the path browsers use, no fs)', async () => {
    const bytes = readFileSync(new URL('../build/kernels-simd.wasm', import.meta.url));
    const be = await createWasmBackend({ source: new Uint8Array(bytes) });
    const x = be.upload('f32', [1, 2, 3]);
    const out = be.alloc('f32', 1);
    be.dot(x, x, out);
    expect(be.view(out)[0]).toBe(14);
    be.dispose();
  });

  it('reports a missing module file with a hint', async () => {
    await expect(createWasmBackend({ source: new URL('file:///nonexistent/kernels.wasm') })).rejects.toThrow(/pnpm build/);
  });

  it('refuses threads with the scalar build', async () => {
    await expect(createWasmBackend({ simd: false, threads: 2 })).rejects.toThrow(/single-threaded/);
  });
});
