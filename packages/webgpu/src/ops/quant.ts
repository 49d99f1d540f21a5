import { rowwiseScaleOffset, rowwiseStride, type Buf, type QuantOps, type RowwiseBits } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { checkIds, dispatchGuarded } from '../ids.js';
import type { KernelDef } from '../wgsl/codegen.js';
import { ELEMENT, elementSpans, kernel, perGroupOf, rowsOf } from './shared.js';

/** Per-workgroup min/max keys and a NaN flag, merged atomically into acc = [min key, max key, NaN]. */
const MINMAX_PART: KernelDef = {
  name: 'minMaxPart',
  operands: { x: 'read', acc: 'atomic' },
  params: { len: 'u32' },
  workgroupSize: 256,
  mode: 'groups',
  spans: { x: (g0, g1) => [g0 * 1024, g1 * 1024] },
  helpers: `
var<workgroup> lo: array<u32, 256>;
var<workgroup> hi: array<u32, 256>;
var<workgroup> nan: array<u32, 256>;`,
  body: `
  var a = 0xffffffffu; var b = 0u; var n = 0u;
  for (var e = 0u; e < 4u; e++) {
    let i = wgi * 1024u + e * 256u + li;
    if (i < P.len) { let v = x_ld(i); if (is_nan(v)) { n = 1u; } else { let k = order_key(v); a = min(a, k); b = max(b, k); } }
  }
  lo[li] = a; hi[li] = b; nan[li] = n;
  workgroupBarrier();
  for (var st = 128u; st > 0u; st = st >> 1u) {
    if (li < st) { lo[li] = min(lo[li], lo[li + st]); hi[li] = max(hi[li], hi[li + st]); nan[li] = nan[li] | nan[li + st]; }
    workgroupBarrier();
  }
  if (li == 0u) { acc_amin(0u, lo[0]); acc_amax(1u, hi[0]); acc_aor(2u, nan[0]); }`,
};
const MINMAX_FINAL = kernel('minMaxFinal', { acc: 'read', out: 'write' }, { len: 'u32' }, `
  if (P.len == 0u) { out_st(0u, 0.0); out_st(1u, 0.0); return; }
  if (acc_ld(2u) != 0u) { out_st(0u, nan_f32()); out_st(1u, nan_f32()); return; }
  out_st(0u, from_order_key(acc_ld(0u)));
  out_st(1u, from_order_key(acc_ld(1u)));`);

/** Code of an f32 value t (already x / scale + zeroPoint): NaN to 0, clamped, ties to even. */
const AFFINE_CODE = `
fn affine_code(t: f32) -> i32 {
  if (is_nan(t)) { return 0; }
  if (!is_finite(t)) { return select(P.qmax, P.qmin, t < 0.0); }
  return i32(clamp(round(t), f32(P.qmin), f32(P.qmax)));
}`;
const QUANTIZE_AFFINE = kernel('quantizeAffine', { x: 'read', out: 'write' }, { scale: 'f32', zp: 'f32', qmin: 'i32', qmax: 'i32' }, 'out_st(gi, affine_code(div_rn(x_ld(gi), P.scale) + P.zp));', AFFINE_CODE, elementSpans('x', 'out'));
const DEQUANTIZE_AFFINE = kernel('dequantizeAffine', { q: 'read', out: 'write' }, { scale: 'f32', zp: 'i32' }, 'out_st(gi, f32(q_ld(gi) - P.zp) * P.scale);', undefined, elementSpans('q', 'out'));
const GATHER_AFFINE = kernel('gatherDequantAffine', { q: 'read', ids: 'read', out: 'write' }, { dim: 'u32', scale: 'f32', zp: 'i32' }, `
  let i = gi / P.dim;
  out_st(gi, f32(q_ld(u32(ids_ld(i)) * P.dim + gi - i * P.dim) - P.zp) * P.scale);`, undefined, { out: ELEMENT, ids: perGroupOf('dim') });

/** One invocation per row: min/max, the scale, then every word of the row (padding included). */
const QUANTIZE_ROWWISE = kernel('quantizeRowwise', { x: 'read', q: 'write' }, { dim: 'u32', bits: 'u32', levels: 'f32', stride: 'u32', scaleAt: 'u32' }, `
  let x0 = gi * P.dim;
  var a = 0xffffffffu; var b = 0u; var nan = false;
  for (var c = 0u; c < P.dim; c++) { let v = x_ld(x0 + c); if (is_nan(v)) { nan = true; } else { let k = order_key(v); a = min(a, k); b = max(b, k); } }
  var mn = from_order_key(a);
  var scale = div_rn(from_order_key(b) - mn, P.levels);
  if (nan) { mn = nan_f32(); scale = nan_f32(); }
  if (P.dim == 0u) { mn = 0.0; scale = 0.0; }
  let base = gi * P.stride;
  let perWord = 32u / P.bits;
  let mask = (1u << P.bits) - 1u;
  for (var w = 0u; w < P.scaleAt / 4u; w++) {
    var word = 0u;
    if (!nan && bitcast<u32>(scale) != 0u) {
      for (var j = 0u; j < perWord; j++) {
        let c = w * perWord + j;
        if (c >= P.dim) { break; }
        var q = round(div_rn(x_ld(x0 + c) - mn, scale));
        if (!(q > 0.0) || is_nan(q)) { q = 0.0; }
        if (q > P.levels) { q = P.levels; }
        word = word | ((u32(q) & mask) << (j * P.bits));
      }
    }
    q_stword(base + 4u * w, word);
  }
  q_stword(base + P.scaleAt, bitcast<u32>(scale));
  q_stword(base + P.scaleAt + 4u, bitcast<u32>(mn));
  for (var at = P.scaleAt + 8u; at < P.stride; at += 4u) { q_stword(base + at, 0u); }`, undefined, { x: rowsOf('dim'), q: rowsOf('stride') });

/** Decodes element c of row `row` of a row-wise table (code * scale + bias). */
const DECODE = `
fn decode(row: u32, c: u32) -> f32 {
  let base = row * P.stride;
  let scale = bitcast<f32>(q_word(base + P.scaleAt));
  let bias = bitcast<f32>(q_word(base + P.scaleAt + 4u));
  let bit = c * P.bits;
  let code = (q_ld(base + bit / 8u) >> (bit % 8u)) & ((1u << P.bits) - 1u);
  return f32(code) * scale + bias;
}`;
const ROWWISE_PARAMS = { dim: 'u32', bits: 'u32', stride: 'u32', scaleAt: 'u32' } as const;
const DEQUANTIZE_ROWWISE = kernel('dequantizeRowwise', { q: 'read', out: 'write' }, ROWWISE_PARAMS, 'let r = gi / P.dim; out_st(gi, decode(r, gi - r * P.dim));', DECODE, { out: ELEMENT, q: (g0, g1, p) => [Math.floor(g0 / p.dim) * p.stride, Math.ceil(g1 / p.dim) * p.stride] });
const GATHER_ROWWISE = kernel('gatherDequantRowwise', { q: 'read', ids: 'read', out: 'write' }, ROWWISE_PARAMS, 'let i = gi / P.dim; out_st(gi, decode(u32(ids_ld(i)), gi - i * P.dim));', DECODE, { out: ELEMENT, ids: perGroupOf('dim') });
const TO_F16 = kernel('f32ToF16', { x: 'read', out: 'write' }, {}, 'out_st(gi, f32_to_f16(x_ld(gi)));', undefined, elementSpans('x', 'out'));
const FROM_F16 = kernel('f16ToF32', { x: 'read', out: 'write' }, {}, 'out_st(gi, x_ld(gi));', undefined, elementSpans('x', 'out'));
const GATHER_F16 = kernel('gatherF16', { table: 'read', ids: 'read', out: 'write' }, { dim: 'u32' }, 'let i = gi / P.dim; out_st(gi, table_ld(u32(ids_ld(i)) * P.dim + gi - i * P.dim));', undefined, { out: ELEMENT, ids: perGroupOf('dim') });

/**
 * Quantization on WebGPU. Codes are bit-identical to the reference: the divisions are correctly
 * rounded in software (div_rn), rounding is ties-to-even, NaN and -0 handled on the bits; f16
 * conversion is integer code. Decoding computes code * scale + bias in f32 (two roundings where
 * the reference rounds once).
 */
export function webgpuQuant(core: WebGpuCore): QuantOps {
  const rowwise = (dim: number, bits: RowwiseBits) => ({ dim, bits, stride: rowwiseStride(dim, bits), scaleAt: rowwiseScaleOffset(dim, bits) });
  const qRange = (codes: Buf) => (codes.dtype === 'i8' ? { qmin: -128, qmax: 127 } : { qmin: -32768, qmax: 32767 });
  return {
    minMax(x, out) {
      const acc = core.upload('u32', [0xffffffff, 0, 0]);
      core.dispatch(MINMAX_PART, { x, acc }, { len: x.length }, Math.ceil(x.length / 1024));
      core.dispatch(MINMAX_FINAL, { acc, out }, { len: x.length }, 1);
      core.free(acc);
    },
    quantizeAffine(x, scale, zeroPoint, out) {
      core.dispatch(QUANTIZE_AFFINE, { x, out }, { scale: Math.fround(scale), zp: zeroPoint, ...qRange(out) }, x.length);
    },
    dequantizeAffine(q, scale, zeroPoint, out) {
      core.dispatch(DEQUANTIZE_AFFINE, { q, out }, { scale: Math.fround(scale), zp: zeroPoint }, q.length);
    },
    gatherDequantAffine(q, rows, dim, scale, zeroPoint, ids, out) {
      const guard = checkIds(core, 'gatherDequantAffine', ids, rows);
      dispatchGuarded(core, guard, GATHER_AFFINE, { q, ids, out }, { dim, scale: Math.fround(scale), zp: zeroPoint }, ids.length * dim);
    },
    quantizeRowwise(x, rows, dim, bits, out) {
      core.dispatch(QUANTIZE_ROWWISE, { x, q: out }, { ...rowwise(dim, bits), levels: 2 ** bits - 1 }, rows);
    },
    dequantizeRowwise(q, rows, dim, bits, out) {
      core.dispatch(DEQUANTIZE_ROWWISE, { q, out }, rowwise(dim, bits), rows * dim);
    },
    gatherDequantRowwise(q, rows, dim, bits, ids, out) {
      const guard = checkIds(core, 'gatherDequantRowwise', ids, rows);
      dispatchGuarded(core, guard, GATHER_ROWWISE, { q, ids, out }, rowwise(dim, bits), ids.length * dim);
    },
    f32ToF16(x, out) {
      core.dispatch(TO_F16, { x, out }, {}, x.length);
    },
    f16ToF32(x, out) {
      core.dispatch(FROM_F16, { x, out }, {}, x.length);
    },
    gatherF16(table, rows, dim, ids, out) {
      const guard = checkIds(core, 'gatherF16', ids, rows);
      dispatchGuarded(core, guard, GATHER_F16, { table, ids, out }, { dim }, ids.length * dim);
    },
  };
}
