import { describe, it } from 'vitest';
import { hash2, u32ToUnit, type AdamParams, type Backend } from '@lers/kernels';
import { backendsOrNull, expectAgree, GPU_NAMES, matchesReference, randomFloats, randomInts } from './gpu.js';

const B = await backendsOrNull();
/** f32 arithmetic of an update the reference does in f64. */
const F32_UPDATE = { rtol: 2e-6, atol: 1e-7 };

describe.skipIf(!B)('training and random kernels against the reference', () => {
  it('adam (coupled and decoupled decay), sgd with and without momentum', async () => {
    for (const decoupled of [false, true]) {
      const p: AdamParams = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled, step: 3 };
      await matchesReference(B!, `adam ${decoupled}`, (be: Backend) => {
        const param = be.upload('f32', randomFloats(2500, 1)), grad = be.upload('f32', randomFloats(2500, 2));
        const m = be.upload('f32', randomFloats(2500, 3, -0.1, 0.1)), v = be.upload('f32', randomFloats(2500, 4, 0, 0.01));
        be.adam(param, grad, m, v, p);
        const sp = be.upload('f32', randomFloats(777, 5)), vel = be.upload('f32', randomFloats(777, 6));
        be.sgd(sp, be.upload('f32', randomFloats(777, 7)), 0.1, 0.01, 0.9, vel);
        const sq = be.upload('f32', randomFloats(777, 5));
        be.sgd(sq, be.upload('f32', randomFloats(777, 7)), 0.1, 0.01, 0, null);
        return [param, m, v, sp, vel, sq];
      }, F32_UPDATE);
    }
  });

  it('adamRows: repeated ids applied in order, grads zeroed; host-known and device-written ids', async () => {
    const [rows, dim] = [50, 7];
    const ids = Int32Array.from([3, 9, 3, 0, 49, 9, 3, ...randomInts(20, rows, 1)]);
    const p: AdamParams = { lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0, decoupled: false, step: 2 };
    for (const zeroGrad of [true, false]) {
      await matchesReference(B!, `adamRows zeroGrad=${zeroGrad}`, (be) => {
        const param = be.upload('f32', randomFloats(rows * dim, 2)), grad = be.upload('f32', randomFloats(rows * dim, 3));
        const m = be.alloc('f32', rows * dim), v = be.alloc('f32', rows * dim);
        be.adamRows(param, grad, m, v, dim, be.upload('i32', ids), p, zeroGrad);
        return [param, grad, m, v];
      }, F32_UPDATE);
    }
    // The same with ids a kernel wrote (chains built on the device): same results as host-known ids.
    for (const name of GPU_NAMES) {
      const be = B![name];
      const run = async (deviceIds: boolean) => {
        const param = be.upload('f32', randomFloats(rows * dim, 2)), grad = be.upload('f32', randomFloats(rows * dim, 3));
        const m = be.alloc('f32', rows * dim), v = be.alloc('f32', rows * dim);
        let I = be.upload('i32', ids);
        if (deviceIds) {
          const d = be.alloc('i32', ids.length);
          be.scale(1, be.alloc('f32', 1), be.alloc('f32', 1)); // unrelated work
          be.copy(I, d);
          be.mul(be.alloc('f32', 1), be.alloc('f32', 1), be.alloc('f32', 1));
          I = be.slice(d, 0, ids.length);
          be.topk(1, 1, be.alloc('f32', 1), 1, be.slice(be.alloc('i32', 1), 0, 1), be.alloc('f32', 1));
          // Make the host forget: a kernel writes into the same allocation.
          be.topk(1, 1, be.alloc('f32', 1), 1, be.slice(d, 0, 1), be.alloc('f32', 1));
          be.write(be.slice(d, 0, 1), [ids[0]]);
        }
        be.adamRows(param, grad, m, v, dim, I, p, true);
        return be.read(param);
      };
      expectAgree(await run(true), await run(false), 'exact', `${name} adamRows device ids`);
    }
  });

  it('batchNorm forward (training and inference) and backward, in place (column sums: 1e-5)', async () => {
    for (const [rows, cols] of [[2, 1], [17, 5], [120, 33]]) {
      const x = randomFloats(rows * cols, rows, -2, 3), dy = randomFloats(rows * cols, cols);
      for (const training of [true, false]) {
        await matchesReference(B!, `batchNorm ${rows}x${cols} ${training}`, (be) => {
          const X = be.upload('f32', x), out = be.alloc('f32', rows * cols);
          const gamma = be.upload('f32', randomFloats(cols, 1, 0.5, 1.5)), beta = be.upload('f32', randomFloats(cols, 2));
          const rm = be.upload('f32', randomFloats(cols, 3)), rv = be.upload('f32', randomFloats(cols, 4, 0.5, 2));
          const sm = be.alloc('f32', cols), si = be.alloc('f32', cols);
          be.batchNormForward(rows, cols, X, gamma, beta, rm, rv, { training, momentum: 0.1, eps: 1e-5 }, out, sm, si);
          const dGamma = be.upload('f32', randomFloats(cols, 5)), dBeta = be.upload('f32', randomFloats(cols, 6));
          const dx = be.upload('f32', dy);
          if (training) be.batchNormBackward(rows, cols, X, dx, gamma, sm, si, dx, dGamma, dBeta); // dx aliases dy
          return [out, rm, rv, sm, si, dx, dGamma, dBeta];
        }, { rtol: 1e-5, atol: 1e-5 });
      }
    }
  });

  it('dropout: the mask exactly (integer comparison of the hash), values within one rounding; p = 0 and 1', async () => {
    for (const prob of [0, 0.3, 0.5, 1]) {
      const x = randomFloats(3001, 9);
      await matchesReference(B!, `dropout ${prob}`, (be) => {
        const out = be.alloc('f32', x.length), mask = be.alloc('u8', x.length), dx = be.alloc('f32', x.length);
        be.dropout(be.upload('f32', x), prob, 1234, out, mask);
        be.dropoutBackward(be.upload('f32', x), mask, prob, dx);
        return [mask, out, dx];
      }, ['exact', { rtol: 1.2e-7, atol: 0 }, { rtol: 1.2e-7, atol: 0 }]);
    }
  });

  it('random fills: rngFillU32 exact (jump-ahead), uniform within 2 f32 ulps, normal within 1e-6 (1 + |z|)', async () => {
    for (const n of [0, 1, 255, 256, 257, 5000]) {
      await matchesReference(B!, `rngFillU32 ${n}`, (be) => {
        const out = be.alloc('u32', n);
        be.rngFillU32(42, 7, out);
        return [out];
      }, 'exact');
      const [lo, hi] = [-0.37, 2.5];
      await matchesReference(B!, `fillUniform ${n}`, (be) => {
        const out = be.alloc('f32', n);
        be.fillUniform(out, lo, hi, 99);
        return [out];
      }, { atol: 2 * 2 ** -23 * Math.max(Math.abs(lo), Math.abs(hi)) });
      const [mean, std] = [0.5, 0.02];
      const bound = Float64Array.from({ length: n }, (_, i) => {
        const u1 = ((hash2(5, 2 * i) >>> 8) + 1) / 16777216;
        const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u32ToUnit(hash2(5, 2 * i + 1)));
        return std * 1e-6 * (1 + Math.abs(z)) + 2 ** -23 * Math.abs(mean + std * z);
      });
      await matchesReference(B!, `fillNormal ${n}`, (be) => {
        const out = be.alloc('f32', n);
        be.fillNormal(out, mean, std, 5);
        return [out];
      }, { bound });
    }
  });
});
