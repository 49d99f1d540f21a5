/**
 * xoshiro128** — a small, fast PRNG that needs only 32-bit integer operations, so the same
 * stream can be produced in TypeScript, in AssemblyScript (assembly/random.ts) and in WGSL.
 * Seeding expands a 32-bit seed (and an optional stream id) with splitmix32.
 */

/** One step of splitmix32: a 32-bit avalanche mixer used for seeding and counter-based hashing. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Counter-based hash of (seed, index) to a uniform u32; the basis of element-wise random kernels
 * (dropout masks, initialisers) so that results do not depend on thread partitioning.
 */
export function hash2(seed: number, index: number): number {
  return splitmix32((splitmix32(seed >>> 0) ^ (index >>> 0)) >>> 0);
}

/** Maps a u32 to a float in [0, 1) with 24 bits of precision (exactly representable in f32). */
export function u32ToUnit(x: number): number {
  return (x >>> 8) * (1 / 16777216);
}

/** Sequential seeded generator; identical streams across platforms for the same seed and stream. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = 0) {
    let x = (seed >>> 0) ^ Math.imul(stream >>> 0, 0x632be5ab);
    x = splitmix32(x);
    this.s0 = x;
    x = splitmix32(x);
    this.s1 = x;
    x = splitmix32(x);
    this.s2 = x;
    x = splitmix32(x);
    this.s3 = x;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The generator's state (four u32), for checkpoints; `Rng.fromState` resumes the stream. */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** A generator continuing from a state returned by `getState`. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.every((x) => x === 0)) throw new RangeError('Rng.fromState: need four u32 words, not all zero');
    const rng = new Rng(0);
    rng.s0 = state[0] | 0;
    rng.s1 = state[1] | 0;
    rng.s2 = state[2] | 0;
    rng.s3 = state[3] | 0;
    return rng;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 24-bit resolution (the same value in f32 and f64). */
  nextFloat(): number {
    return u32ToUnit(this.nextU32());
  }

  /** Uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject), 0 < n <= 2^32. */
  nextInt(n: number): number {
    if (!(n > 0) || n > 0x100000000 || !Number.isInteger(n)) {
      throw new RangeError(`Rng.nextInt: n must be an integer in (0, 2^32], got ${n}`);
    }
    const threshold = (0x100000000 - n) % n;
    const nHi = Math.floor(n / 0x10000);
    const nLo = n % 0x10000;
    for (;;) {
      // 64-bit product x*n split so every intermediate stays below 2^53 (exact in f64).
      const x = this.nextU32();
      const a = x * nLo;
      const b = x * nHi;
      const mid = (b % 0x10000) * 0x10000 + a;
      const lo = mid % 0x100000000;
      if (lo >= threshold) return Math.floor(b / 0x10000) + Math.floor(mid / 0x100000000);
    }
  }

  /** Standard normal sample (Box-Muller on two 24-bit uniforms, first half only). */
  nextNormal(): number {
    const u1 = (this.nextU32() >>> 8) + 1; // in [1, 2^24]
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1 / 16777216)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
