import { describe, expect, it } from 'vitest';
import type { Backend } from '@lers/kernels';
import { DeferredKernelError } from '../src/index.js';
import { backendsOrNull, GPU_NAMES, matchesReference, randomFloats, randomInts } from './gpu.js';

const B = await backendsOrNull();

/** Random bag offsets over n ids (some bags empty), rising from 0 to n. */
function offsetsFor(bags: number, n: number, seed: number): Int32Array {
  if (bags === 0) return Int32Array.of(0);
  const cuts = [...randomInts(bags - 1, n + 1, seed)].sort((a, b) => a - b);
  return Int32Array.from([0, ...cuts, n]);
}

const SHAPES = [[1, 1, 0], [1, 1, 1], [5, 3, 7], [100, 16, 333], [30, 257, 41], [400, 8, 50]];

describe.skipIf(!B)('embedding kernels against the reference', () => {
  it('gather (exact) and scatterAdd with repeated ids (atomic adds in any order: 1e-6 of the summed magnitudes)', async () => {
    for (const [rows, dim, n] of SHAPES) {
      const table = randomFloats(rows * dim, rows), ids = randomInts(n, rows, n), src = randomFloats(n * dim, dim);
      await matchesReference(B!, `gather ${rows}x${dim} n=${n}`, (be) => {
        const out = be.upload('f32', randomFloats(n * dim, 1));
        be.gather(be.upload('f32', table), rows, dim, be.upload('i32', ids), out);
        return [out];
      }, 'exact');
      await matchesReference(B!, `scatterAdd ${rows}x${dim} n=${n}`, (be) => {
        const t = be.upload('f32', table);
        be.scatterAdd(be.upload('f32', src), be.upload('i32', ids), -0.3, t, rows, dim);
        return [t];
      }, { rtol: 1e-6, atol: 2e-6 * Math.max(1, n / rows) });
    }
  });

  it('embeddingBag sum and mean, and its backward (f32 sums: 1e-5)', async () => {
    for (const [rows, dim, n] of SHAPES) {
      for (const mode of ['sum', 'mean'] as const) {
        const bags = Math.max(1, Math.floor(n / 3));
        const table = randomFloats(rows * dim, rows), ids = randomInts(n, rows, n + 1), offsets = offsetsFor(bags, n, n + 2);
        await matchesReference(B!, `bag ${mode} ${rows}x${dim} n=${n}`, (be: Backend) => {
          const I = be.upload('i32', ids), O = be.upload('i32', offsets), out = be.alloc('f32', bags * dim), dT = be.upload('f32', randomFloats(rows * dim, 2));
          be.embeddingBag(be.upload('f32', table), rows, dim, I, O, mode, out);
          be.embeddingBagBackward(out, I, O, mode, dT, rows, dim);
          return [out, dT];
        }, { rtol: 1e-5, atol: 1e-5 * Math.max(1, n / rows) });
      }
    }
  });

  it('ids from the host: out-of-range ids and bad offsets throw at once with the reference message; nothing written', async () => {
    for (const name of ['reference', ...GPU_NAMES] as const) {
      const be = B![name];
      const table = be.upload('f32', randomFloats(12, 1));
      const out = be.upload('f32', new Array<number>(6).fill(7));
      expect(() => { be.gather(table, 4, 3, be.upload('i32', [0, 4]), out); }, name).toThrow('gather: id 4 at position 1 is out of range [0, 4)');
      expect(() => { be.scatterAdd(out, be.upload('i32', [-1, 0]), 1, table, 4, 3); }, name).toThrow(/scatterAdd: id -1 at position 0/);
      expect(() => { be.embeddingBag(table, 4, 3, be.upload('i32', [0, 1]), be.upload('i32', [0, 2, 1, 2]), 'sum', be.alloc('f32', 9)); }, name).toThrow(/offsets\[2\] = 1 breaks that/);
      expect(Array.from(await be.read(out)), name).toEqual([7, 7, 7, 7, 7, 7]);
    }
  });

  it('ids written by a kernel: checked on the device, DeferredKernelError at read, the op writes nothing', async () => {
    for (const name of GPU_NAMES) {
      const be = B![name];
      const table = be.upload('f32', randomFloats(12, 1));
      const out = be.upload('f32', new Array<number>(6).fill(7));
      // Ids a kernel wrote (top-2 of a row: columns 2 and 9), so the host does not know them.
      const ids = be.alloc('i32', 2);
      be.topk(1, 10, be.upload('f32', [0, 0, 2, 0, 0, 0, 0, 0, 0, 1]), 2, ids, be.alloc('f32', 2));
      be.rngFillU32(1, 0, be.alloc('u32', 1)); // any other work in between
      be.gather(table, 4, 3, ids, out);
      const err = await be.read(out).then(() => null, (e: unknown) => e);
      expect(err, name).toBeInstanceOf(DeferredKernelError);
      expect(err, name).toBeInstanceOf(RangeError);
      expect((err as Error).message, name).toContain('gather: id 9 at position 1 is out of range [0, 4)');
      expect(Array.from(await be.read(out)), name).toEqual([7, 7, 7, 7, 7, 7]);
      // Valid device-side ids run normally.
      const good = be.alloc('i32', 2);
      be.topk(1, 4, be.upload('f32', [1, 0, 0, 2]), 2, good, be.alloc('f32', 2));
      be.gather(table, 4, 3, good, out);
      const t = await be.read(table);
      expect(Array.from(await be.read(out)), name).toEqual([...t.slice(9, 12), ...t.slice(0, 3)]);
    }
  });
});
