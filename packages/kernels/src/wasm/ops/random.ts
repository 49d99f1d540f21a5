import type { RandomOps } from '../../ops/random.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

/** Random fills on WASM: counter-based fills threaded over elements, the xoshiro stream sequential. */
export function wasmRandom(core: WasmCore): RandomOps {
  const rngFillU32 = core.fn('rngFillU32');
  return {
    fillUniform(x, lo, hi, seed) {
      core.parallel('fillUniform', [core.ptr(x), lo, hi, seed], x.length, NS.uniform);
    },
    fillNormal(x, mean, std, seed) {
      core.parallel('fillNormal', [core.ptr(x), mean, std, seed], x.length, NS.normal);
    },
    rngFillU32(seed, stream, out) {
      rngFillU32(seed, stream, core.ptr(out), out.length);
    },
  };
}
