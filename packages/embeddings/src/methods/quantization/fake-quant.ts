import { hash2, u32ToUnit } from '@lers/kernels';
import { roundHalfEven } from '../common/host-access.js';

const fround = Math.fround;

/**
 * The asymmetric fake quantizer of QAT with an LSQ-style learnable scale (Esser et al. 2020), over
 * host arrays. For a value w, scale s and integer zero point z: v = w / s + z (each step in f32);
 * q = clamp(round(v), qmin, qmax); w' = (q - z) * s (f32). Training rounds stochastically (up with
 * probability frac(v)), evaluation to nearest (half to even, as the quantization kernels, so an
 * exported per-tensor int table reproduces the eval forward bit for bit). Backward, with the
 * straight-through estimator for the rounding:
 *   dw = dw' if qmin <= v <= qmax, else 0;
 *   ds = g * dw' * (q - v inside the range, qmin - z below it, qmax - z above it),
 * g = 1 / sqrt(numel * qmax), numel = the elements sharing the scale (the table, or a row).
 */
export interface FakeQuantSpec {
  readonly qmin: number;
  readonly qmax: number;
  /** Table width. */
  readonly dim: number;
  /** True when every row has its own scale and zero point (index = row), false for one (index 0). */
  readonly perRow: boolean;
  /** The zero point(s), fixed integers. */
  readonly zeroPoint: Int32Array;
  /**
   * Seed of this step's stochastic rounding (see stepRoundingSeed), or null for nearest rounding.
   * Element e = row * dim + column rounds up when u32ToUnit(hash2(seed, e)) < frac(v_e).
   */
  readonly roundingSeed: number | null;
}

/** The smallest scale used: a learnt scale that drifts to or below zero is clamped here. */
export const MIN_QAT_SCALE = 1e-12;

/** Seed of the stochastic rounding of step `step`: counter-based on (seed, step), elements drawn by hash2(stepSeed, element). */
export function stepRoundingSeed(seed: number, step: number): number {
  return hash2(seed, step);
}

/** The quantized integer q of element e from its v = w / s + z: clamped, rounded by the spec. */
function code(v: number, e: number, spec: FakeQuantSpec): number {
  if (!(v >= spec.qmin)) return spec.qmin;
  if (v > spec.qmax) return spec.qmax;
  if (spec.roundingSeed === null) return roundHalfEven(v);
  const fl = Math.floor(v);
  return u32ToUnit(hash2(spec.roundingSeed, e)) < v - fl ? fl + 1 : fl;
}

/** The effective scale (clamped to MIN_QAT_SCALE). */
function scaleOf(scale: Float32Array, at: number): number {
  const s = scale[at];
  return s > MIN_QAT_SCALE ? s : MIN_QAT_SCALE;
}

/**
 * out[i, :] = fake-quant of master row rows(i), for i in [0, count): rows(i) = ids[i], or i when
 * ids is null (the whole table). Ids must already be checked.
 */
export function fakeQuantForward(spec: FakeQuantSpec, w: Float32Array, scale: Float32Array, ids: Int32Array | null, count: number, out: Float32Array): void {
  const dim = spec.dim;
  for (let i = 0; i < count; i++) {
    const r = ids === null ? i : ids[i];
    const at = spec.perRow ? r : 0;
    const s = scaleOf(scale, at);
    const z = spec.zeroPoint[at];
    const base = r * dim;
    const o = i * dim;
    // (q - z) * s is exact in f64 (small integer times an f32), so the store rounds it once, as f32 would.
    for (let c = 0; c < dim; c++) out[o + c] = (code(fround(fround(w[base + c] / s) + z), base + c, spec) - z) * s;
  }
}

/**
 * Accumulates the STE gradient into gradW (rows x dim) and the LSQ gradient into gradScale, for
 * output gradient dOut of the rows of a forward with the same spec (same rounding).
 */
export function fakeQuantBackward(
  spec: FakeQuantSpec,
  w: Float32Array,
  scale: Float32Array,
  ids: Int32Array | null,
  count: number,
  dOut: Float32Array,
  gradW: Float32Array,
  gradScale: Float32Array,
  gradFactor: number,
): void {
  const { dim, qmin, qmax } = spec;
  let tableSum = 0;
  for (let i = 0; i < count; i++) {
    const r = ids === null ? i : ids[i];
    const at = spec.perRow ? r : 0;
    const s = scaleOf(scale, at);
    const z = spec.zeroPoint[at];
    const base = r * dim;
    const o = i * dim;
    let rowSum = 0;
    for (let c = 0; c < dim; c++) {
      const e = base + c;
      const g = dOut[o + c];
      const v = fround(fround(w[e] / s) + z);
      if (!(v >= qmin)) rowSum += g * (qmin - z);
      else if (v > qmax) rowSum += g * (qmax - z);
      else {
        gradW[e] += g;
        rowSum += g * (code(v, e, spec) - v);
      }
    }
    if (spec.perRow) gradScale[r] += gradFactor * rowSum;
    else tableSum += rowSum;
  }
  if (!spec.perRow) gradScale[0] += gradFactor * tableSum;
}
