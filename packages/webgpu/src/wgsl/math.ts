/**
 * Activation math in f32 with the stable formulas of the reference. WGSL's own tanh is defined
 * through sinh/cosh (it may overflow) and log1p does not exist, so both are written out: an odd
 * series below |x| = 0.5, exponentials above (no cancellation there).
 */
export const ACTIVATION_MATH = /* wgsl */ `
fn sigm(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn log1p_pos(e: f32) -> f32 {
  if (e < 1e-4) { return e * (1.0 - 0.5 * e); }
  return log(1.0 + e);
}
fn softplus_(x: f32) -> f32 { return max(x, 0.0) + log1p_pos(exp(-abs(x))); }
fn tanh_(x: f32) -> f32 {
  let a = abs(x);
  var t: f32;
  if (a < 0.5) {
    let z = a * a;
    t = a * (1.0 + z * (-0.33333334 + z * (0.13333334 + z * (-0.053968254 + z * (0.021869488 + z * (-0.008863236 + z * (0.0035921280 + z * -0.0014558344)))))));
  } else {
    let e = exp(-2.0 * a);
    t = (1.0 - e) / (1.0 + e);
  }
  return select(t, -t, x < 0.0);
}
`;
