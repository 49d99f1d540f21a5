/**
 * WGSL functions shared by every kernel module. Everything whose exact result the contract fixes
 * (half conversion, the quantizers' division, NaN and -0 handling, ordering keys) works on the
 * bits with integer operations: WGSL lets implementations flush subnormals, assume no NaNs or
 * infinities in float arithmetic, and compute `/` to 2.5 ULP.
 */
export const WGSL_LIB = /* wgsl */ `
const NEG_INF_BITS: u32 = 0xff800000u;
const NONE: u32 = 0xffffffffu;
// Private variables, not constants: a constant bitcast to a NaN or an infinity does not compile.
var<private> neg_inf_bits: u32 = 0xff800000u;
var<private> nan_bits: u32 = 0x7fc00000u;
fn nan_f32() -> f32 { return bitcast<f32>(nan_bits); }

fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn is_finite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }
fn neg_inf() -> f32 { return bitcast<f32>(neg_inf_bits); }

/** A u32 whose unsigned order is the float order (-0 below +0); NaN must be handled first. */
fn order_key(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  if ((b & 0x80000000u) != 0u) { return ~b; }
  return b | 0x80000000u;
}
fn from_order_key(k: u32) -> f32 {
  if ((k & 0x80000000u) != 0u) { return bitcast<f32>(k & 0x7fffffffu); }
  return bitcast<f32>(~k);
}

/** Exact IEEE half bits -> f32 (subnormals, infinities and NaN kept). */
fn f16_to_f32(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    if (m == 0u) { return bitcast<f32>(s); }
    var mm = m;
    var ee = 113u;
    loop { if ((mm & 0x400u) != 0u) { break; } mm = mm << 1u; ee = ee - 1u; }
    return bitcast<f32>(s | (ee << 23u) | ((mm & 0x3ffu) << 13u));
  }
  if (e == 31u) { return bitcast<f32>(s | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(s | ((e + 112u) << 23u) | (m << 13u));
}

/** f32 -> IEEE half bits, round to nearest even, overflow to infinity, NaN to 0x7e00 (the reference's rules). */
fn f32_to_f16(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  let s = (b >> 16u) & 0x8000u;
  let a = b & 0x7fffffffu;
  if (a > 0x7f800000u) { return 0x7e00u; }
  if (a >= 0x477ff000u) { return s | 0x7c00u; }
  let e = a >> 23u;
  if (e < 113u) {
    if (e < 102u) { return s; }
    let mant = (a & 0x7fffffu) | 0x800000u;
    let sh = 126u - e;
    let q = mant >> sh;
    let rem = mant & ((1u << sh) - 1u);
    let half = 1u << (sh - 1u);
    var r = q;
    if (rem > half || (rem == half && (q & 1u) == 1u)) { r = q + 1u; }
    return s | r;
  }
  let m = a & 0x7fffffu;
  var h = ((e - 112u) << 10u) | (m >> 13u);
  let rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; }
  return s | h;
}

/** Mantissa in [2^23, 2^24) and unbiased exponent of a finite non-zero f32 (subnormals normalised). */
fn unpack_f32(a: u32) -> vec2i {
  let e = i32(a >> 23u);
  var m = a & 0x7fffffu;
  if (e == 0) {
    var ee = -126;
    loop { if ((m & 0x800000u) != 0u) { break; } m = m << 1u; ee = ee - 1; }
    return vec2i(i32(m), ee);
  }
  return vec2i(i32(m | 0x800000u), e - 127);
}

/** a / b correctly rounded to nearest even, by integer long division (WGSL's / is 2.5 ULP). */
fn div_rn(a: f32, b: f32) -> f32 {
  let ab = bitcast<u32>(a);
  let bb = bitcast<u32>(b);
  let s = (ab ^ bb) & 0x80000000u;
  let aa = ab & 0x7fffffffu;
  let ba = bb & 0x7fffffffu;
  if (aa > 0x7f800000u || ba > 0x7f800000u) { return nan_f32(); }
  if (aa == 0x7f800000u) {
    if (ba == 0x7f800000u) { return nan_f32(); }
    return bitcast<f32>(s | 0x7f800000u);
  }
  if (ba == 0x7f800000u) { return bitcast<f32>(s); }
  if (ba == 0u) {
    if (aa == 0u) { return nan_f32(); }
    return bitcast<f32>(s | 0x7f800000u);
  }
  if (aa == 0u) { return bitcast<f32>(s); }
  let ua = unpack_f32(aa);
  let ub = unpack_f32(ba);
  var rem = u32(ua.x);
  let mb = u32(ub.x);
  var e = ua.y - ub.y;
  if (rem < mb) { rem = rem << 1u; e = e - 1; }
  var q = 0u;
  for (var i = 0u; i < 25u; i++) {
    q = q << 1u;
    if (rem >= mb) { rem = rem - mb; q = q | 1u; }
    rem = rem << 1u;
  }
  var sticky = rem != 0u;
  var biased = e + 127;
  if (biased >= 255) { return bitcast<f32>(s | 0x7f800000u); }
  if (biased <= 0) {
    let d = u32(1 - biased);
    if (d >= 25u) { sticky = sticky || q != 0u; q = 0u; } else { sticky = sticky || (q & ((1u << d) - 1u)) != 0u; q = q >> d; }
    biased = 1;
  }
  var m = q >> 1u;
  if ((q & 1u) == 1u && (sticky || (m & 1u) == 1u)) { m = m + 1u; }
  if (m == 0u) { return bitcast<f32>(s); }
  return bitcast<f32>(s | ((u32(biased - 1) << 23u) + m));
}

/** Round half to even of a finite f32 (WGSL's round() is specified as ties-to-even). */
fn round_even(v: f32) -> f32 { return round(v); }
`;
