// Counter-based hashing shared by the random and training (dropout) kernels: the AssemblyScript
// twins of splitmix32 / hash2 in src/random/xoshiro.ts, bit-identical to them. Only 32-bit integer
// operations (add, xor, shift, wrapping multiply) are used, so WGSL can reproduce them exactly.
// This file is imported by the family files, not re-exported by assembly/index.ts.

/** One step of splitmix32 (wrapping u32 arithmetic, as Math.imul in TypeScript). */
// @ts-ignore: decorator
@inline export function splitmix32(x: u32): u32 {
  let z = x + 0x9e3779b9;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

/** hash2(seed, index) = splitmix32(splitmix32(seed) ^ index); callers hoist splitmix32(seed). */
// @ts-ignore: decorator
@inline export function hashMixed(mixedSeed: u32, index: u32): u32 {
  return splitmix32(mixedSeed ^ index);
}

/** splitmix32 on four u32 lanes at once (i32x4 add/xor/shift/mul wrap exactly like scalar u32). */
// @ts-ignore: decorator
@inline export function splitmix32x4(x: v128): v128 {
  let z = i32x4.add(x, i32x4.splat(<i32>0x9e3779b9));
  z = i32x4.mul(v128.xor(z, i32x4.shr_u(z, 16)), i32x4.splat(<i32>0x85ebca6b));
  z = i32x4.mul(v128.xor(z, i32x4.shr_u(z, 13)), i32x4.splat(<i32>0xc2b2ae35));
  return v128.xor(z, i32x4.shr_u(z, 16));
}

/** hash2(seed, i .. i + 3) for four consecutive counters, given splitmix32(seed). */
// @ts-ignore: decorator
@inline export function hashMixedX4(mixedSeed: u32, i: i32): v128 {
  const counters = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
  return splitmix32x4(v128.xor(i32x4.splat(<i32>mixedSeed), counters));
}
