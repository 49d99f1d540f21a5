import { describe, it } from 'vitest';
import type { Backend, QrOp, ThresholdGranularity, TtShape } from '@lers/kernels';
import { backendsOrNull, matchesReference, randomFloats, randomInts } from './gpu.js';

const B = await backendsOrNull();
/** Accumulations the reference sums in f64 and the GPU adds atomically in f32, in any order. */
const ACCUMULATED = { rtol: 1e-5, atol: 1e-5 };

describe.skipIf(!B)('compression kernels against the reference', () => {
  it('qrCombine (exact: one f32 operation) and its backward (atomic f32 adds)', async () => {
    const [m, qRows, pd, n] = [7, 5, 9, 60];
    const r = randomFloats(m * pd, 1), q = randomFloats(qRows * pd, 2), ids = randomInts(n, m * qRows, 3);
    for (const op of ['mult', 'add', 'concat'] as QrOp[]) {
      const width = op === 'concat' ? 2 * pd : pd;
      const g = randomFloats(n * width, 4);
      await matchesReference(B!, `qr ${op}`, (be: Backend) => {
        const R = be.upload('f32', r), Q = be.upload('f32', q), I = be.upload('i32', ids);
        const out = be.alloc('f32', n * width), dR = be.upload('f32', randomFloats(m * pd, 5)), dQ = be.upload('f32', randomFloats(qRows * pd, 6));
        be.qrCombine(op, R, m, Q, qRows, pd, I, out);
        be.qrCombineBackward(op, R, m, Q, qRows, pd, I, be.upload('f32', g), dR, dQ);
        return [out, dR, dQ];
      }, ['exact', ACCUMULATED, ACCUMULATED]);
    }
  });

  it('ttRows and its backward for 2, 3 and 4 cores, ranks up to 40 (f32 chains: 1e-5)', async () => {
    const shapes: TtShape[] = [
      { p: [3, 4], q: [2, 3], ranks: [1, 5, 1] },
      { p: [4, 3, 5], q: [2, 4, 2], ranks: [1, 40, 6, 1] },
      { p: [2, 3, 2, 3], q: [2, 2, 3, 2], ranks: [1, 3, 4, 2, 1] },
    ];
    for (const shape of shapes) {
      const K = shape.p.length;
      const coreLen = (k: number) => shape.ranks[k] * shape.p[k] * shape.q[k] * shape.ranks[k + 1];
      const cores = Array.from({ length: K }, (_, k) => randomFloats(coreLen(k), 10 + k, -0.5, 0.5));
      const rows = shape.p.reduce((a, b) => a * b, 1), width = shape.q.reduce((a, b) => a * b, 1);
      const ids = randomInts(23, rows, 7), g = randomFloats(23 * width, 8);
      await matchesReference(B!, `tt ${shape.p.join('x')}`, (be) => {
        const C = cores.map((c) => be.upload('f32', c));
        const dC = cores.map((c, k) => be.upload('f32', randomFloats(c.length, 20 + k)));
        const out = be.alloc('f32', 23 * width);
        const I = be.upload('i32', ids);
        be.ttRows(shape, C, I, out);
        be.ttRowsBackward(shape, C, I, be.upload('f32', g), dC);
        return [out, ...dC];
      }, ACCUMULATED);
    }
  });

  it('dheEncode: exact integer hashing (values within one f32 rounding)', async () => {
    const ids = Int32Array.from([0, 1, 2 ** 31 - 1, 12345, ...randomInts(50, 2 ** 31 - 1, 9)]);
    const p = Uint32Array.of(2147483647, 1000003, 999983, 65537, 2147483629);
    const a = Uint32Array.from(p, (v, i) => (v - 1 - 17 * i) >>> 0), b = Uint32Array.from(p, (v, i) => (v >>> 1) + i);
    await matchesReference(B!, 'dhe', (be) => {
      const out = be.alloc('f32', ids.length * p.length);
      be.dheEncode(be.upload('i32', ids), be.upload('u32', a), be.upload('u32', b), be.upload('u32', p), 1_000_000, out);
      return [out];
    }, { rtol: 1.2e-7, atol: 1.2e-7 });
  });

  it('softThreshold and its backward at every granularity (dS: f32 sums 1e-5)', async () => {
    const [rows, dim] = [37, 23];
    const w = randomFloats(rows * dim, 1, -1.5, 1.5), g = randomFloats(rows * dim, 2);
    for (const gran of ['element', 'row', 'dim', 'global'] as ThresholdGranularity[]) {
      const sLen = gran === 'element' ? rows * dim : gran === 'row' ? rows : gran === 'dim' ? dim : 1;
      const s = randomFloats(sLen, 3, -3, 1);
      await matchesReference(B!, `softThreshold ${gran}`, (be) => {
        const W = be.upload('f32', w), S = be.upload('f32', s);
        const out = be.alloc('f32', rows * dim), dW = be.alloc('f32', rows * dim), dS = be.upload('f32', randomFloats(sLen, 4));
        be.softThreshold(W, S, rows, dim, gran, out);
        be.softThresholdBackward(W, S, rows, dim, gran, be.upload('f32', g), dW, dS);
        return [out, dW, dS];
      }, [{ rtol: 1e-5, atol: 1e-6 }, 'exact', { rtol: 1e-5, atol: 1e-5 * (gran === 'global' ? rows * dim : gran === 'row' ? dim : gran === 'dim' ? rows : 1) * 1e-2 }]);
    }
  });

  it('kthSmallestAbs: exact, for every k of a small input and with NaN, ties and -0', async () => {
    const x = Float32Array.from([3, -1, 0.5, -0, 2, NaN, -2, 1e-30, 0.5, -7]);
    for (let k = 1; k <= x.length; k++) {
      await matchesReference(B!, `kth k=${k}`, (be) => {
        const out = be.alloc('f32', 1);
        be.kthSmallestAbs(be.upload('f32', x), k, out);
        return [out];
      }, 'exact');
    }
    const big = randomFloats(20_000, 5);
    for (const k of [1, 777, 20_000]) {
      await matchesReference(B!, `kth 20000 k=${k}`, (be) => {
        const out = be.alloc('f32', 1);
        be.kthSmallestAbs(be.upload('f32', big), k, out);
        return [out];
      }, 'exact');
    }
  });
});
