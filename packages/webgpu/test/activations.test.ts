import { describe, it } from 'vitest';
import type { Backend, Buf } from '@lers/kernels';
import { backendsOrNull, matchesReference, randomFloats } from './gpu.js';

const B = await backendsOrNull();

type Unary = 'relu' | 'sigmoid' | 'tanh' | 'mish' | 'softplus' | 'logSigmoid';
type Backward = 'reluBackward' | 'sigmoidBackward' | 'tanhBackward' | 'mishBackward' | 'softplusBackward' | 'logSigmoidBackward';
const PAIRS: readonly [Unary, Backward, boolean][] = [
  ['relu', 'reluBackward', false],
  ['sigmoid', 'sigmoidBackward', true],
  ['tanh', 'tanhBackward', true],
  ['mish', 'mishBackward', false],
  ['softplus', 'softplusBackward', false],
  ['logSigmoid', 'logSigmoidBackward', false],
];
/** f32 transcendental math against f64: relative 1e-5 plus 1e-6 absolute (WGSL exp/log are a few ULP). */
const TRANSCENDENTAL = { rtol: 1e-5, atol: 1e-6 };

describe.skipIf(!B)('activations and losses against the reference', () => {
  it('forward and backward of every activation, on [-12, 12] with exact zeros (relu exact)', async () => {
    for (const len of [0, 1, 5, 3001]) {
      const x = randomFloats(len, len + 7, -12, 12);
      if (len > 4) x.set([0, -0, 1e-6, -1e-6]);
      const dy = randomFloats(len, len + 8);
      for (const [fwd, bwd, fromOutput] of PAIRS) {
        await matchesReference(B!, `${fwd} ${len}`, (be: Backend) => {
          const X = be.upload('f32', x), y = be.alloc('f32', len), dx = be.upload('f32', dy);
          (be[fwd])(X, y);
          (be[bwd])(fromOutput ? y : X, dx, dx); // dx aliases dy
          return [y, dx];
        }, fwd === 'relu' ? 'exact' : TRANSCENDENTAL);
      }
    }
  });

  it('bceWithLogits: mean loss (an f32 sum: 1e-5) and gradient, empty batch gives 0', async () => {
    for (const len of [0, 1, 7, 2500]) {
      const z = randomFloats(len, len, -20, 20), y = randomFloats(len, len + 1, 0, 1);
      await matchesReference(B!, `bce ${len}`, (be) => {
        const loss = be.upload('f32', [5]), dz = be.alloc('f32', len);
        be.bceWithLogits(be.upload('f32', z), be.upload('f32', y), loss, dz);
        const loss2 = be.alloc('f32', 1);
        be.bceWithLogits(be.upload('f32', z), be.upload('f32', y), loss2, null);
        return [loss, dz, loss2];
      }, TRANSCENDENTAL);
    }
  });

  it('softmax (in place), its backward and logSumExp, rows of -inf and empty rows', async () => {
    for (const [rows, cols] of [[1, 1], [5, 7], [40, 300], [3, 0]]) {
      const x = randomFloats(rows * cols, rows, -10, 10);
      if (rows > 2 && cols > 2) {
        x.fill(-Infinity, 0, cols); // a row of -inf
        x[cols + 1] = -Infinity;
      }
      const dy = randomFloats(rows * cols, cols);
      await matchesReference(B!, `softmax ${rows}x${cols}`, (be) => {
        const X = be.upload('f32', x), lse = be.alloc('f32', rows), sm: Buf<'f32'> = be.upload('f32', x), dx = be.alloc('f32', rows * cols);
        be.logSumExp(rows, cols, X, lse);
        be.softmax(rows, cols, sm, sm);
        be.softmaxBackward(rows, cols, sm, be.upload('f32', dy), dx);
        return [lse, sm, dx];
      }, TRANSCENDENTAL);
    }
  });
});
