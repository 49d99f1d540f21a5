import type { RandomOps } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { chunkStates } from '../jump.js';
import { HASH } from '../wgsl/hash.js';
import { elementSpans, kernel, rowsOf } from './shared.js';

/**
 * ln and cos for the Box-Muller transform, in f32 but without WGSL's loose builtins (cos is only
 * required to 2^-11 absolute): ln through 2 atanh(s) with |s| <= 1/3 (ln(1 - t) directly near 1),
 * cos by exact quadrant reduction of the 24-bit angle and Taylor series on [0, pi/4].
 */
const BOX_MULLER = `${HASH}
fn atanh2(s: f32) -> f32 {
  let z = s * s;
  return 2.0 * s * (1.0 + z * (0.33333334 + z * (0.2 + z * (0.14285715 + z * (0.11111111 + z * (0.09090909 + z * (0.07692308 + z * 0.06666667)))))));
}
/** ln(m / 2^24) for an integer m in [1, 2^24]. */
fn ln_unit(m: u32) -> f32 {
  if (m >= 8388608u) {
    let t = f32(16777216u - m) / 16777216.0;
    return -atanh2(t / (2.0 - t));
  }
  let e = firstLeadingBit(m);
  let f = f32(m) / f32(1u << e);
  return (f32(e) - 24.0) * 0.6931472 + (f32(e) - 24.0) * -1.9046542e-9 + atanh2((f - 1.0) / (f + 1.0));
}
fn sin_poly(x: f32) -> f32 { let z = x * x; return x * (1.0 + z * (-0.16666667 + z * (0.008333334 + z * (-0.0001984127 + z * 2.7557319e-6)))); }
fn cos_poly(x: f32) -> f32 { let z = x * x; return 1.0 + z * (-0.5 + z * (0.041666668 + z * (-0.0013888889 + z * (2.4801588e-5 + z * -2.7557319e-7)))); }
/** cos(2 pi k / 2^24) for an integer k in [0, 2^24). */
fn cos_turn(k: u32) -> f32 {
  let quadrant = k >> 22u;
  var r = k & 0x3fffffu;
  var useSin = false;
  if (r > 0x200000u) { r = 0x400000u - r; useSin = true; }
  let x = f32(r) * (1.5707964 / 4194304.0);
  var c = select(cos_poly(x), sin_poly(x), useSin);
  // cos(q pi/2 + y) for quadrant q: cos y, -sin y, -cos y, sin y.
  if (quadrant == 1u || quadrant == 3u) { c = select(sin_poly(x), cos_poly(x), useSin); }
  if (quadrant == 1u || quadrant == 2u) { c = -c; }
  return c;
}`;
const FILL_UNIFORM = kernel('fillUniform', { x: 'write' }, { lo: 'f32', span: 'f32', seed: 'u32' }, 'x_st(gi, P.lo + P.span * (f32(hash2(P.seed, gi) >> 8u) / 16777216.0));', HASH, elementSpans('x'));
const FILL_NORMAL = kernel('fillNormal', { x: 'write' }, { mean: 'f32', sd: 'f32', seed: 'u32' }, `
  let a = hash2(P.seed, 2u * gi);
  let b = hash2(P.seed, 2u * gi + 1u);
  let z = sqrt(-2.0 * ln_unit((a >> 8u) + 1u)) * cos_turn(b >> 8u);
  x_st(gi, P.mean + P.sd * z);`, BOX_MULLER, elementSpans('x'));
/** xoshiro128** from a chunk's start state, CHUNK outputs per invocation. */
const RNG_FILL = kernel('rngFillU32', { states: 'read', out: 'write' }, { len: 'u32', chunk: 'u32' }, `
  var s0 = states_ld(4u * gi); var s1 = states_ld(4u * gi + 1u); var s2 = states_ld(4u * gi + 2u); var s3 = states_ld(4u * gi + 3u);
  let end = min(P.len, (gi + 1u) * P.chunk);
  for (var i = gi * P.chunk; i < end; i++) {
    let r = s1 * 5u;
    out_st(i, ((r << 7u) | (r >> 25u)) * 9u);
    let t = s1 << 9u;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
    s3 = (s3 << 11u) | (s3 >> 21u);
  }`, undefined, { states: (g0, g1) => [4 * g0, 4 * g1], out: rowsOf('chunk') });
/** Outputs per rngFillU32 invocation. */
const CHUNK = 256;

/**
 * Random fills on WebGPU. The element hashes are exact (integer WGSL); the uniform and normal
 * transforms run in f32 where the reference uses f64 (tolerances in the README); rngFillU32
 * gives the sequential stream exactly, by jump-ahead.
 */
export function webgpuRandom(core: WebGpuCore): RandomOps {
  return {
    fillUniform(x, lo, hi, seed) {
      core.dispatch(FILL_UNIFORM, { x }, { lo, span: hi - lo, seed: seed >>> 0 }, x.length);
    },
    fillNormal(x, mean, std, seed) {
      core.dispatch(FILL_NORMAL, { x }, { mean, sd: std, seed: seed >>> 0 }, x.length);
    },
    rngFillU32(seed, stream, out) {
      const chunks = Math.ceil(out.length / CHUNK);
      if (chunks === 0) return;
      const states = core.upload('u32', chunkStates(seed, stream, CHUNK, chunks));
      core.dispatch(RNG_FILL, { states, out }, { len: out.length, chunk: CHUNK }, chunks);
      core.free(states);
    },
  };
}
