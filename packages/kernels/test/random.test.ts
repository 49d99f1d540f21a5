import { beforeAll, describe, expect, it } from 'vitest';
import { hash2, Rng, type Buf, type HostBackend } from '../src/index.js';
import { AWKWARD_LENGTHS, expectClose, getBackends, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

const SEEDS = [0, 1, 12345, 0x7fffffff, 0xffffffff] as const;

/** Fills a fresh buffer of n elements with `fill` and returns a copy of it. */
function filled(be: HostBackend, n: number, fill: (x: Buf<'f32'>) => void): Float32Array {
  const x = be.alloc('f32', n);
  fill(x);
  const out = be.view(x).slice();
  be.free(x);
  return out;
}

describe('fillUniform', () => {
  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n} is bit-identical to the reference`, () => {
        for (const seed of n > 10_000 ? [7] : SEEDS) {
          for (const [lo, hi] of [[0, 1], [-0.05, 0.05], [3, -2]]) {
            const want = filled(B.reference, n, (x) => { B.reference.fillUniform(x, lo, hi, seed); });
            const got = filled(B[name], n, (x) => { B[name].fillUniform(x, lo, hi, seed); });
            expectBitExact(got, want, `${name} seed=${seed} [${lo}, ${hi})`);
          }
        }
      });
    }
  }

  it('exposes the top 24 bits of hash2 exactly (lo = 0, hi = 2^24)', () => {
    for (const name of UNDER_TEST) {
      for (const seed of SEEDS) {
        const got = filled(B[name], 257, (x) => { B[name].fillUniform(x, 0, 16777216, seed); });
        for (let i = 0; i < got.length; i++) {
          if (got[i] !== hash2(seed, i) >>> 8) expect.fail(`${name} seed=${seed} [${i}]: ${got[i]} vs ${hash2(seed, i) >>> 8}`);
        }
      }
    }
  });

  it('stays inside [lo, hi) and is roughly uniform', () => {
    const x = filled(B.wasm, 100_000, (b) => { B.wasm.fillUniform(b, -2, 6, 99); });
    const buckets = new Array<number>(8).fill(0);
    let outside = 0;
    for (const v of x) {
      if (v >= -2 && v < 6) buckets[Math.floor(v + 2)]++;
      else outside++;
    }
    expect(outside).toBe(0);
    // Each bucket expects 12500 with a standard deviation of ~105.
    for (const count of buckets) expect(Math.abs(count - 12_500)).toBeLessThan(600);
  });

  it('treats a negative seed like the same u32 (seed modulo 2^32)', () => {
    const a = filled(B.wasm, 37, (x) => { B.wasm.fillUniform(x, 0, 1, -1); });
    const b = filled(B.wasm, 37, (x) => { B.wasm.fillUniform(x, 0, 1, 0xffffffff); });
    expectBitExact(a, b, 'seed -1');
    const c = filled(B.wasm, 37, (x) => { B.wasm.fillUniform(x, 0, 1, 0xfffffffe); });
    expect(c).not.toEqual(a);
  });

  it('writes only inside a slice; counters start at the slice start', () => {
    for (const name of UNDER_TEST) {
      const be = B[name];
      const whole = be.upload('f32', new Array<number>(31).fill(-7));
      const part = be.slice(whole, 3, 25);
      be.fillUniform(part, 0, 1, 5);
      const v = be.view(whole);
      for (const i of [0, 1, 2, 28, 29, 30]) expect(v[i], `${name} sentinel ${i}`).toBe(-7);
      const want = filled(B.reference, 25, (x) => { B.reference.fillUniform(x, 0, 1, 5); });
      expectBitExact(v.slice(3, 28), want, name);
      be.free(whole);
    }
  });

  it('gives identical values with 1 and 2 threads on a large buffer', () => {
    const one = filled(B.wasm, 300_001, (x) => { B.wasm.fillUniform(x, -1, 1, 3); });
    const two = filled(B.threaded, 300_001, (x) => { B.threaded.fillUniform(x, -1, 1, 3); });
    expectBitExact(two, one, 'threads');
  });
});

describe('fillNormal', () => {
  for (const name of UNDER_TEST) {
    for (const n of AWKWARD_LENGTHS) {
      it(`${name} n=${n} matches the reference`, () => {
        for (const seed of n > 10_000 ? [11] : SEEDS) {
          const want = filled(B.reference, n, (x) => { B.reference.fillNormal(x, 0.5, 2, seed); });
          const got = filled(B[name], n, (x) => { B[name].fillNormal(x, 0.5, 2, seed); });
          // log/cos may differ in the last f64 ulp between V8 and AssemblyScript's libm.
          expectClose(got, want, 1e-6, 1e-6, `${name} seed=${seed}`);
        }
      });
    }
  }

  it('has the requested mean and standard deviation over 1e5 samples', () => {
    const n = 100_000;
    const x = filled(B.wasm, n, (b) => { B.wasm.fillNormal(b, 2, 3, 2024); });
    let sum = 0;
    for (const v of x) sum += v;
    const mean = sum / n;
    let sq = 0;
    let beyond3 = 0;
    for (const v of x) {
      sq += (v - mean) ** 2;
      if (Math.abs(v - 2) > 9) beyond3++;
    }
    const std = Math.sqrt(sq / (n - 1));
    expect(Math.abs(mean - 2)).toBeLessThan(5 * 3 / Math.sqrt(n)); // 5 standard errors
    expect(Math.abs(std - 3)).toBeLessThan(0.03);
    expect(beyond3 / n).toBeGreaterThan(0.0015); // P(|z| > 3) = 0.0027
    expect(beyond3 / n).toBeLessThan(0.004);
  });

  it('mean + std * z with std = 0 gives the mean exactly, and is finite everywhere', () => {
    expect([...filled(B.wasm, 9, (x) => { B.wasm.fillNormal(x, 1.25, 0, 1); })]).toEqual(new Array<number>(9).fill(1.25));
    const x = filled(B.scalar, 50_000, (b) => { B.scalar.fillNormal(b, 0, 1, 0); });
    expect(x.every((v) => Number.isFinite(v) && Math.abs(v) < 6)).toBe(true);
  });

  it('gives identical values with 1 and 2 threads on a large buffer', () => {
    const one = filled(B.wasm, 100_003, (x) => { B.wasm.fillNormal(x, 0, 1, 8); });
    const two = filled(B.threaded, 100_003, (x) => { B.threaded.fillNormal(x, 0, 1, 8); });
    expectBitExact(two, one, 'threads');
  });
});

describe('rngFillU32', () => {
  const cases: [number, number][] = [[0, 0], [1, 0], [42, 0], [42, 1], [42, 7], [0xffffffff, 3], [123456789, 0xfffffffe], [-5, 2]];
  for (const name of ['reference', ...UNDER_TEST] as const) {
    it(`${name} is the xoshiro128** stream of new Rng(seed, stream), bit for bit`, () => {
      const be = B[name];
      for (const [seed, stream] of cases) {
        for (const n of [0, 1, 5, 1000]) {
          const out = be.alloc('u32', n);
          be.rngFillU32(seed, stream, out);
          const rng = new Rng(seed, stream);
          const want = Uint32Array.from({ length: n }, () => rng.nextU32());
          expect(be.view(out), `${name} seed=${seed} stream=${stream} n=${n}`).toEqual(want);
          be.free(out);
        }
      }
    });
  }

  it('different streams of one seed differ', () => {
    const a = B.wasm.alloc('u32', 8);
    const b = B.wasm.alloc('u32', 8);
    B.wasm.rngFillU32(9, 0, a);
    B.wasm.rngFillU32(9, 1, b);
    expect(B.wasm.view(a)).not.toEqual(B.wasm.view(b));
  });
});

describe('argument errors', () => {
  it('rejects wrong dtypes, non-integer seeds and non-finite ranges', () => {
    for (const name of ['reference', 'wasm'] as const) {
      const be = B[name];
      const f = be.alloc('f32', 4);
      const u = be.alloc('u32', 4);
      expect(() => { be.fillUniform(u as never, 0, 1, 0); }).toThrow(/fillUniform: x must be f32/);
      expect(() => { be.fillUniform(f, 0, 1, 0.5); }).toThrow(/fillUniform: seed must be an integer/);
      expect(() => { be.fillUniform(f, 0, Infinity, 0); }).toThrow(/fillUniform: lo and hi must be finite/);
      expect(() => { be.fillNormal(f, NaN, 1, 0); }).toThrow(/fillNormal: mean and std must be finite/);
      expect(() => { be.rngFillU32(1, 0.5, u); }).toThrow(/rngFillU32: stream must be an integer/);
      expect(() => { be.rngFillU32(1, 0, f as never); }).toThrow(/rngFillU32: out must be u32/);
    }
  });
});
