import type { RandomOps } from '../../ops/random.js';
import { hash2, Rng, u32ToUnit } from '../../random/xoshiro.js';
import type { ReferenceCore } from '../core.js';

/** Plain TypeScript random fills, straight from the definitions in src/random/xoshiro.ts. */
export function referenceRandom(core: ReferenceCore): RandomOps {
  return {
    fillUniform(x, lo, hi, seed) {
      const X = core.data(x);
      for (let i = 0; i < X.length; i++) X[i] = lo + (hi - lo) * u32ToUnit(hash2(seed, i));
    },
    fillNormal(x, mean, std, seed) {
      const X = core.data(x);
      for (let i = 0; i < X.length; i++) {
        const u1 = ((hash2(seed, 2 * i) >>> 8) + 1) / 16777216; // in (0, 1]
        const u2 = u32ToUnit(hash2(seed, 2 * i + 1));
        const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        X[i] = mean + std * z;
      }
    },
    rngFillU32(seed, stream, out) {
      const O = core.data(out);
      const rng = new Rng(seed, stream);
      for (let i = 0; i < O.length; i++) O[i] = rng.nextU32();
    },
  };
}
