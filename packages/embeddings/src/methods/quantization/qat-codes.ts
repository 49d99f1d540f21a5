import type { Backend } from '@lers/kernels';
import { roundHalfEven } from '../common/host-access.js';
import { MIN_QAT_SCALE } from './fake-quant.js';
import { packRowwise, PtqTable, signedRange } from './ptq.js';
import type { QatBits } from './qat-form.js';

/** A QAT table's trained state on the host: master values, scale(s) and zero point(s). */
export interface QatState {
  readonly rows: number;
  readonly dim: number;
  readonly bits: QatBits;
  readonly scaleGranularity: 'table' | 'row';
  readonly weight: ArrayLike<number>;
  readonly scale: ArrayLike<number>;
  readonly zeroPoint: ArrayLike<number>;
}

/** True when a QAT table has a serving format (all but a per-row scale with 16 bits). */
export function hasServingFormat(bits: QatBits, granularity: 'table' | 'row'): boolean {
  return !(granularity === 'row' && bits === 16);
}

/**
 * The serving table of a QAT state, its eval forward as real integer codes: a per-table scale with
 * 8 or 16 bits -> ptq 'int8' / 'int16' with the same scale and zero point (equals the eval forward
 * bit for bit); int4, or a per-row scale with 8 or 4 bits -> ptq row-wise with scale s and bias
 * (qmin - z) * s, codes q - qmin (equal to the eval forward up to the f32 rounding of the bias and
 * the sum). A per-row scale with 16 bits has no serving format and throws. The codes are computed
 * on the host before anything is uploaded, so `weight` may be a view of backend memory.
 */
export function qatServingTable(backend: Backend, q: QatState, name: string): PtqTable {
  const { rows, dim, bits, weight: w, scale: s } = q;
  const { qmin, qmax } = signedRange(bits);
  const perRow = q.scaleGranularity === 'row';
  const scaleAt = (at: number): number => (s[at] > MIN_QAT_SCALE ? s[at] : MIN_QAT_SCALE);
  // The eval forward's code (nearest rounding), as the kernels' quantizeAffine computes it.
  const codeOf = (e: number, sc: number, z: number): number => Math.min(qmax, Math.max(qmin, roundHalfEven(Math.fround(Math.fround(w[e] / sc) + z))));
  if (!perRow && bits !== 4) {
    const sc = scaleAt(0);
    const z = q.zeroPoint[0];
    const codes = bits === 8 ? new Int8Array(rows * dim) : new Int16Array(rows * dim);
    for (let e = 0; e < codes.length; e++) codes[e] = codeOf(e, sc, z);
    return new PtqTable(backend, rows, dim, bits === 8 ? 'int8' : 'int16', codes, { scale: sc, zeroPoint: z }, name);
  }
  // Here the scale is per row or the width 4 bits: 16 bits is a per-row scale.
  if (bits === 16) throw new Error('qat: a per-row scale with 16 bits has no serving format (row-wise formats are 8, 4 or 2 bits)');
  const codes = new Uint8Array(rows * dim);
  const scales = new Float32Array(rows);
  const biases = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const at = perRow ? r : 0;
    const sc = scaleAt(at);
    const z = q.zeroPoint[at];
    scales[r] = sc;
    biases[r] = (qmin - z) * sc;
    for (let c = 0; c < dim; c++) codes[r * dim + c] = codeOf(r * dim + c, sc, z) - qmin;
  }
  return new PtqTable(backend, rows, dim, bits === 8 ? 'rowwise-int8' : 'rowwise-int4', packRowwise(rows, dim, bits, codes, scales, biases), null, name);
}
