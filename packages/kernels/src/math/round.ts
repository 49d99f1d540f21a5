/**
 * Rounds to the nearest integer, ties to even, as the quantization kernels do (WASM's f32.nearest,
 * WGSL's round); non-finite values pass through. The one implementation every host-side
 * quantization uses.
 */
export function roundHalfEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const floor = Math.floor(v);
  const frac = v - floor;
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
