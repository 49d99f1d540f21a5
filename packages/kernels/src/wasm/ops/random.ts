import type { RandomOps } from '../../ops/random.js';
import type { WasmCore } from '../core.js';

/** Rough flops per element, for the decision to use the thread pool. */
const UNIFORM_COST = 8;
const NORMAL_COST = 60;

/** Random fills on WASM: counter-based fills threaded over elements, the xoshiro stream sequential. */
export function wasmRandom(core: WasmCore): RandomOps {
  const rngFillU32 = core.fn('rngFillU32');
  return {
    fillUniform(x, lo, hi, seed) {
      core.parallel('fillUniform', [core.ptr(x), lo, hi, seed], x.length, UNIFORM_COST);
    },
    fillNormal(x, mean, std, seed) {
      core.parallel('fillNormal', [core.ptr(x), mean, std, seed], x.length, NORMAL_COST);
    },
    rngFillU32(seed, stream, out) {
      rngFillU32(seed, stream, core.ptr(out), out.length);
    },
  };
}
