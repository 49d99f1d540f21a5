/**
 * Jump-ahead for xoshiro128** (the Rng of @lers/kernels): its state update is linear over GF(2),
 * so L steps are one 128 x 128 bit matrix, found by repeated squaring. rngFillU32 starts each
 * chunk of L outputs from the state the sequential stream reaches there, so every invocation
 * computes its own stretch of the same stream.
 */
import { Rng } from '@lers/kernels';

/** A 128 x 128 bit matrix as its 128 columns, each four u32 words (the state s0..s3). */
type BitMatrix = Uint32Array[];

/** One state update of xoshiro128** (no output). */
function step(s: Uint32Array): Uint32Array {
  const [s0, s1, s2, s3] = s;
  const t = (s1 << 9) >>> 0;
  let n2 = s2 ^ s0;
  let n3 = s3 ^ s1;
  const n1 = s1 ^ n2;
  const n0 = s0 ^ n3;
  n2 ^= t;
  n3 = ((n3 << 11) | (n3 >>> 21)) >>> 0;
  return Uint32Array.of(n0 >>> 0, n1 >>> 0, n2 >>> 0, n3);
}

function apply(m: BitMatrix, v: Uint32Array): Uint32Array {
  const out = new Uint32Array(4);
  for (let bit = 0; bit < 128; bit++) {
    if ((v[bit >>> 5] >>> (bit & 31)) & 1) {
      const col = m[bit];
      out[0] ^= col[0];
      out[1] ^= col[1];
      out[2] ^= col[2];
      out[3] ^= col[3];
    }
  }
  return out;
}

function multiply(a: BitMatrix, b: BitMatrix): BitMatrix {
  return b.map((col) => apply(a, col));
}

/** The matrix of `steps` updates. */
function power(steps: number): BitMatrix {
  let base: BitMatrix = Array.from({ length: 128 }, (_, bit) => {
    const e = new Uint32Array(4);
    e[bit >>> 5] = 1 << (bit & 31);
    return step(e);
  });
  let result: BitMatrix | null = null;
  for (let n = steps; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = result ? multiply(base, result) : base;
    if (n > 1) base = multiply(base, base);
  }
  if (!result) throw new RangeError('power: steps must be >= 1');
  return result;
}

/** The states of Rng(seed, stream) at outputs 0, L, 2L, ... (chunks of them), as u32 words. */
export function chunkStates(seed: number, stream: number, chunk: number, chunks: number): Uint32Array {
  const jump = power(chunk);
  const out = new Uint32Array(4 * chunks);
  let s: Uint32Array = Uint32Array.from(new Rng(seed, stream).getState());
  for (let c = 0; c < chunks; c++) {
    out.set(s, 4 * c);
    if (c + 1 < chunks) s = apply(jump, s);
  }
  return out;
}
