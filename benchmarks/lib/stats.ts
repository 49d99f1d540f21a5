/** Small statistics shared by the benchmark suites. */

/** The median (the mean of the middle two for an even count); `values` is not modified. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
