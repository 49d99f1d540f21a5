import type { QuantOps } from '../../ops/quant.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';


/**
 * Quantization kernels on WASM: SIMD encoders/decoders; the gathers and the row-wise (de)quantizers
 * are threaded over output rows (ids are checked on the calling thread first).
 */
export function wasmQuant(core: WasmCore): QuantOps {
  const k = {
    firstBadId: core.fn('quantFirstBadId'),
    minMax: core.fn('minMax'),
    quantizeAffine: core.fn('quantizeAffine'),
    dequantizeAffine: core.fn('dequantizeAffine'),
    f32ToF16: core.fn('f32ToF16'),
    f16ToF32: core.fn('f16ToF32'),
  };
  const p = (b: Buf) => core.ptr(b);
  const wide = (b: Buf<'i8'> | Buf<'i16'>) => (b.dtype === 'i16' ? 1 : 0);
  const checkIds = (op: string, ids: Buf<'i32'>, rows: number) => {
    const bad = k.firstBadId(p(ids), ids.length, rows);
    if (bad >= 0) throw idOutOfRange(op, bad, core.view(ids)[bad], rows);
  };
  return {
    minMax(x, out) {
      k.minMax(p(x), x.length, p(out));
    },
    quantizeAffine(x, scale, zeroPoint, out) {
      k.quantizeAffine(p(x), x.length, scale, zeroPoint, wide(out), p(out));
    },
    dequantizeAffine(q, scale, zeroPoint, out) {
      k.dequantizeAffine(p(q), q.length, wide(q), scale, zeroPoint, p(out));
    },
    gatherDequantAffine(q, rows, dim, scale, zeroPoint, ids, out) {
      checkIds('gatherDequantAffine', ids, rows);
      core.parallel('gatherDequantAffine', [p(q), dim, wide(q), scale, zeroPoint, p(ids), p(out)], ids.length, NS.decoded * dim);
    },
    quantizeRowwise(x, rows, dim, bits, out) {
      core.parallel('quantizeRowwise', [p(x), dim, bits, p(out)], rows, NS.encoded * dim);
    },
    dequantizeRowwise(q, rows, dim, bits, out) {
      core.parallel('dequantizeRowwise', [p(q), dim, bits, p(out)], rows, NS.decoded * dim);
    },
    gatherDequantRowwise(q, rows, dim, bits, ids, out) {
      checkIds('gatherDequantRowwise', ids, rows);
      core.parallel('gatherDequantRowwise', [p(q), dim, bits, p(ids), p(out)], ids.length, NS.decoded * dim);
    },
    f32ToF16(x, out) {
      k.f32ToF16(p(x), x.length, p(out));
    },
    f16ToF32(x, out) {
      k.f16ToF32(p(x), x.length, p(out));
    },
    gatherF16(table, rows, dim, ids, out) {
      checkIds('gatherF16', ids, rows);
      core.parallel('gatherF16', [p(table), dim, p(ids), p(out)], ids.length, NS.decoded * dim);
    },
  };
}
