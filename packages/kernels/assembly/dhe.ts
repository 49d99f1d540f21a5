// DHE dense hash encoding: out[i, j] = 2 h / (m - 1) - 1 with h = ((a[j] x + b[j]) mod p[j]) mod m
// for x = ids[i], in exact 64-bit integer arithmetic (a x + b < 2^63 for a, b, x < 2^32).
import { ldi } from './common';

/**
 * Encodes n ids with k hash functions. Returns -1 when done, the position of the first negative id
 * (>= 0), or -2 - j when p[j] is 0; nothing is written in the error cases.
 */
export function dheEncode(pids: usize, n: i32, pa: usize, pb: usize, pp: usize, k: i32, m: u32, pout: usize): i32 {
  for (let i = 0; i < n; i++) if (ldi(pids, i) < 0) return i;
  for (let j = 0; j < k; j++) if (load<u32>(pp + (<usize>j << 2)) == 0) return -2 - j;
  const mm = <u64>m;
  const span = <f64>(m - 1);
  for (let i = 0; i < n; i++) {
    const x = <u64>ldi(pids, i);
    const row = pout + (<usize>i * <usize>k << 2);
    for (let j = 0; j < k; j++) {
      const o = <usize>j << 2;
      const h = ((<u64>load<u32>(pa + o) * x + <u64>load<u32>(pb + o)) % <u64>load<u32>(pp + o)) % mm;
      store<f32>(row + o, <f32>((2.0 * <f64>h) / span - 1.0)); // f64 as in the reference: bit-identical
    }
  }
  return -1;
}
