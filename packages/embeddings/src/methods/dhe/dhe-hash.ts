import { Rng } from '@lers/kernels';

/** DHE's default number of hash functions k. */
export const DHE_DEFAULT_K = 1024;
/** DHE's default hash range m: hashes land in [0, 10^6). */
export const DHE_DEFAULT_RANGE = 1_000_000;

/** Primes p_j lie below 2^31, so that a, b < p fit the kernel's exact u32 arithmetic. */
const PRIME_HIGH = 2 ** 31;

/** The k universal hashes h_j(x) = ((a_j x + b_j) mod p_j) mod m. */
export interface DheHashes {
  readonly a: Uint32Array;
  readonly b: Uint32Array;
  readonly p: Uint32Array;
}

/** (x * y) mod n for x, y < n < 2^31 without leaving exact f64 integers (y split in 16-bit halves). */
function mulMod(x: number, y: number, n: number): number {
  const hi = Math.floor(y / 65536);
  const lo = y % 65536;
  return ((((x * hi) % n) * 65536) % n + x * lo) % n;
}

function powMod(base: number, exp: number, n: number): number {
  let result = 1;
  let b = base % n;
  let e = exp;
  while (e > 0) {
    if (e % 2 === 1) result = mulMod(result, b, n);
    b = mulMod(b, b, n);
    e = Math.floor(e / 2);
  }
  return result;
}

/** Deterministic Miller-Rabin for n < 2^32 (witnesses 2, 7, 61 suffice below 4,759,123,141). */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (const small of [2, 3, 5, 7, 11, 13, 61]) if (n % small === 0) return n === small;
  let d = n - 1;
  let s = 0;
  while (d % 2 === 0) {
    d /= 2;
    s++;
  }
  for (const a of [2, 7, 61]) {
    let x = powMod(a, d, n);
    if (x === 1 || x === n - 1) continue;
    let composite = true;
    for (let r = 1; r < s; r++) {
      x = mulMod(x, x, n);
      if (x === n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/**
 * Draws k hashes from `seed`: distinct primes p_j > max(10^6, m) (the first prime at or above a
 * uniform point of (max(10^6, m), 2^31 - 10^4), redrawn on a repeat), a_j uniform in [1, p_j),
 * b_j uniform in [0, p_j).
 */
export function drawDheHashes(k: number, seed: number, hashRange = DHE_DEFAULT_RANGE): DheHashes {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`dhe: k must be a positive integer, got ${k}`);
  const low = Math.max(DHE_DEFAULT_RANGE, hashRange);
  if (PRIME_HIGH - low < 100_000) throw new RangeError(`dhe: hash range ${hashRange} leaves too few primes below 2^31`);
  const rng = new Rng(seed, 0xd4e);
  const a = new Uint32Array(k);
  const b = new Uint32Array(k);
  const p = new Uint32Array(k);
  const used = new Set<number>();
  for (let j = 0; j < k; j++) {
    let prime: number;
    do {
      // The largest prime gap below 2^31 is under 300, so the search never passes 2^31.
      prime = low + 1 + rng.nextInt(PRIME_HIGH - low - 10_000);
      while (!isPrime(prime)) prime++;
    } while (used.has(prime));
    used.add(prime);
    p[j] = prime;
    a[j] = 1 + rng.nextInt(prime - 1);
    b[j] = rng.nextInt(prime);
  }
  return { a, b, p };
}
