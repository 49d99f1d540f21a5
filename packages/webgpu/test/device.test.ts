import { describe, expect, it } from 'vitest';
import { createReferenceBackend, hostIds, type Backend } from '@lers/kernels';
import { createWebGpuBackend, WebGpuDeviceLostError, WebGpuLimitError, WebGpuUnavailableError } from '../src/index.js';
import { createNodeGpu, createNodeWebGpuBackend } from '../src/node.js';
import { backendsOrNull, expectAgree, outputs, randomFloats, randomInts } from './gpu.js';

const B = await backendsOrNull();

describe('no WebGPU: an error that says why, no fallback', () => {
  it('without navigator.gpu', async () => {
    await expect(createWebGpuBackend()).rejects.toThrow(WebGpuUnavailableError);
    await expect(createWebGpuBackend()).rejects.toThrow(/navigator\.gpu is undefined/);
  });

  it('when requestAdapter finds none', async () => {
    const gpu = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
    await expect(createWebGpuBackend({ gpu, featureLevel: 'compatibility' })).rejects.toThrow(/no WebGPU adapter: requestAdapter\(\{"featureLevel":"compatibility"\}\) returned null/);
  });
});

describe.skipIf(!B)('limits and device loss', () => {
  it('1 MiB bindings: tables of several MiB are split into pages (gather, scores + top-20, adam, element-wise)', async () => {
    const be = await createNodeWebGpuBackend({ gpu: await createNodeGpu(), maxBindingBytes: 1 << 20 });
    try {
      expect(be.info().pageBytes).toBe(1 << 20);
      const [items, dim, users, k] = [12_288, 64, 8, 20]; // a 3 MiB item table
      const table = randomFloats(items * dim, 1), u = randomFloats(users * dim, 2), ids = randomInts(3000, items, 3);
      const body = (b: Backend) => {
        const t = b.upload('f32', table);
        const g = b.alloc('f32', ids.length * dim);
        b.gather(t, items, dim, b.upload('i32', ids), g);
        const scores = b.alloc('f32', users * items);
        b.scores(users, items, dim, b.upload('f32', u), t, scores);
        const idx = b.alloc('i32', users * k), val = b.alloc('f32', users * k);
        b.topk(users, items, scores, k, idx, val);
        const m = b.alloc('f32', items * dim), v = b.alloc('f32', items * dim);
        b.adam(t, b.upload('f32', randomFloats(items * dim, 4)), m, v, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 });
        const sum = b.alloc('f32', items * dim);
        b.add(t, m, sum);
        return [g, idx, t, sum];
      };
      const want = await outputs(createReferenceBackend(), body);
      const got = await outputs(be, body);
      expectAgree(got[0], want[0], 'exact', 'gather');
      expectAgree(got[2], want[2], { rtol: 2e-6, atol: 1e-7 }, 'adam');
      expectAgree(got[3], want[3], { rtol: 2e-6, atol: 1e-7 }, 'add');
      // Top-20 of f32 scores: the same items unless two scores are within the summation error.
      const same = Array.from(got[1]).filter((v, i) => v === want[1][i]).length;
      expect(same / want[1].length).toBeGreaterThan(0.95);
    } finally {
      be.dispose();
    }
  });

  it('reinterpret: typed handles over a byte buffer, in place, checked; ids read through one are checked on the device', async () => {
    for (const be of [B!.whole, B!.paged]) {
      const bytes = be.alloc('u8', 5000);
      const f = be.reinterpret(bytes, 4100, 'f32', 3); // on the second 4 KiB page of the paged backend
      be.write(f, [1.5, -2, 3]);
      const raw = new Float32Array((await be.read(be.slice(bytes, 4100, 12))).buffer);
      expect(Array.from(raw)).toEqual([1.5, -2, 3]);
      expect(Array.from(await be.read(be.reinterpret(bytes, 4104, 'f32', 2)))).toEqual([-2, 3]);
      expect(() => be.reinterpret(bytes, 6, 'f32', 1)).toThrow(/not aligned/);
      expect(() => be.reinterpret(bytes, 4996, 'f32', 2)).toThrow(/out of bounds/);
      const ids = be.reinterpret(bytes, 0, 'i32', 2);
      be.write(be.slice(bytes, 0, 8), [1, 0, 0, 0, 7, 0, 0, 0]); // ids 1 and 7, written as bytes
      const out = be.alloc('f32', 6);
      be.gather(be.upload('f32', [1, 2, 3, 4, 5, 6]), 2, 3, ids, out);
      await expect(be.read(out)).rejects.toThrow(/gather: id 7 at position 1 is out of range \[0, 2\)/);
      expect(() => { be.free(f); }).toThrow(/slice/);
      be.free(bytes);
      await expect(be.read(f)).rejects.toThrow(/freed/);
    }
  });

  it('knownIds / hostIds: the host copy of host-written ids (slices included), none once a kernel wrote them', async () => {
    const be = B!.whole;
    const ids = be.upload('i32', [4, 1, 3, 0, 2]);
    expect(Array.from(hostIds(be, ids) ?? [])).toEqual([4, 1, 3, 0, 2]);
    be.write(ids, [9], 2);
    expect(Array.from(hostIds(be, be.slice(ids, 1, 3)) ?? [])).toEqual([1, 9, 0]);
    const copy = be.alloc('i32', 5);
    be.copy(ids, copy);
    expect(Array.from(hostIds(be, copy) ?? [])).toEqual([4, 1, 9, 0, 2]);
    const idx = be.alloc('i32', 2), val = be.alloc('f32', 2);
    be.topk(1, 3, be.upload('f32', [0.5, 2, 1]), 2, idx, val);
    expect(hostIds(be, idx)).toBeNull();
    expect(Array.from(await be.read(idx))).toEqual([1, 2]);
  });

  it('operands of different word types over one byte buffer (top-k indices and values in one allocation)', async () => {
    for (const be of [B!.whole, B!.paged]) {
      const [rows, cols, k] = [3, 700, 5];
      const scores = randomFloats(rows * cols, 11);
      const body = (b: Backend) => {
        const bytes = b.alloc('u8', rows * k * 8);
        const idx = b.reinterpret(bytes, 0, 'i32', rows * k);
        const val = b.reinterpret(bytes, rows * k * 4, 'f32', rows * k);
        b.topk(rows, cols, b.upload('f32', scores), k, idx, val);
        const sum = b.alloc('f32', rows * k);
        b.add(val, val, sum); // reads the f32 half back through the shared storage
        return [bytes, sum];
      };
      const want = await outputs(createReferenceBackend(), body);
      const got = await outputs(be, body);
      expectAgree(got[0], want[0], 'exact', 'indices and values');
      expectAgree(got[1], want[1], 'exact', 'values read back');
    }
  });

  it('more than 65535 workgroups: a 2-D dispatch covers every element', async () => {
    const be = B!.whole;
    const n = 65_536 * 64 + 100;
    const x = be.alloc('f32', n);
    be.fill(x, 1.5);
    be.scale(2, x, x);
    const got = await be.read(x);
    expect(got.every((v) => v === 3)).toBe(true);
  });

  it('an operation that cannot fit the storage bindings fails with WebGpuLimitError', () => {
    const be = B!.paged;
    const [rows, cols] = [600, 33];
    const x = be.alloc('f32', rows * cols), out = be.alloc('f32', rows * cols), c = () => be.alloc('f32', cols);
    expect(() => { be.batchNormForward(rows, cols, x, c(), c(), c(), c(), { training: true, momentum: 0.1, eps: 1e-5 }, out, c(), c()); }).toThrow(WebGpuLimitError);
  });

  it('a lost device rejects read and sync with WebGpuDeviceLostError, and later calls throw it', async () => {
    const be = await createNodeWebGpuBackend({ gpu: await createNodeGpu() });
    const x = be.upload('f32', [1, 2, 3]);
    be.device.destroy();
    await expect(be.read(x)).rejects.toThrow(WebGpuDeviceLostError);
    await expect(be.sync()).rejects.toThrow(WebGpuDeviceLostError);
    expect(() => { be.scale(2, x, x); }).toThrow(/the WebGPU device was lost \(destroyed\)/);
    be.dispose();
  });
});
