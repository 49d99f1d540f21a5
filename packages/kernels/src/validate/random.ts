import type { RandomOps } from '../ops/random.js';
import { dtypeOf, ensure } from './common.js';

/** Wraps a RandomOps implementation with dtype checks and checks of the seeds and ranges. */
export function checkedRandom(impl: RandomOps): RandomOps {
  return {
    fillUniform(x, lo, hi, seed) {
      dtypeOf('fillUniform', 'x', x, 'f32');
      ensure('fillUniform', Number.isFinite(lo) && Number.isFinite(hi), `lo and hi must be finite, got ${lo} and ${hi}`);
      integer('fillUniform', 'seed', seed);
      impl.fillUniform(x, lo, hi, seed);
    },
    fillNormal(x, mean, std, seed) {
      dtypeOf('fillNormal', 'x', x, 'f32');
      ensure('fillNormal', Number.isFinite(mean) && Number.isFinite(std), `mean and std must be finite, got ${mean} and ${std}`);
      integer('fillNormal', 'seed', seed);
      impl.fillNormal(x, mean, std, seed);
    },
    rngFillU32(seed, stream, out) {
      integer('rngFillU32', 'seed', seed);
      integer('rngFillU32', 'stream', stream);
      dtypeOf('rngFillU32', 'out', out, 'u32');
      impl.rngFillU32(seed, stream, out);
    },
  };
}

/** Seeds and stream ids are integers (used modulo 2^32, as the TypeScript Rng does). */
function integer(op: string, name: string, value: number): void {
  ensure(op, Number.isInteger(value), `${name} must be an integer, got ${value}`);
}
