/**
 * The standard normal distribution's tails in float64, accurate far out (TPE's kernels are
 * truncated normals whose bounds can sit tens of standard deviations away): Phi, log Phi, the log
 * mass of an interval, the inverse of log Phi, and the truncated normal's quantile and log density.
 * Written from the textbook expansions: the Maclaurin series of erf near 0 and the continued
 * fraction of Mills' ratio in the tails.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** Below this t, Phi(-t) comes from erf's series; above it, from Mills' ratio. */
const SERIES_LIMIT = 3;

/** erf(x) by its Maclaurin series 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)); |x| <= 2.2 keeps it exact to ~1e-15. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * Mills' ratio R(t) = Phi(-t) / phi(t) for t > 0 by its continued fraction
 * 1 / (t + 1 / (t + 2 / (t + 3 / (t + ...)))), evaluated with the modified Lentz method.
 */
function millsRatio(t: number): number {
  const tiny = 1e-300;
  let f = t;
  let c = t;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    d = t + k * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = t + k / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** log phi(x), the standard normal log density. */
export function normLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** Phi(-t) for t >= 0 (the upper tail), with full relative precision however small. */
function upperTail(t: number): number {
  if (t < SERIES_LIMIT) return 0.5 * (1 - erfSeries(t / Math.SQRT2));
  return Math.exp(normLogPdf(t)) * millsRatio(t);
}

/** log Phi(-t) for t >= 0, finite for any finite t. */
function logUpperTail(t: number): number {
  if (t < SERIES_LIMIT) return Math.log(upperTail(t));
  return normLogPdf(t) + Math.log(millsRatio(t));
}

/** Phi(x), the standard normal CDF. */
export function ndtr(x: number): number {
  return x < 0 ? upperTail(-x) : 1 - upperTail(x);
}

/** log Phi(x), accurate in both tails (about -x^2/2 for x -> -inf, about -Phi(-x) for x -> +inf). */
export function logNdtr(x: number): number {
  if (x === -Infinity) return -Infinity;
  if (x === Infinity) return 0;
  return x < 0 ? logUpperTail(-x) : Math.log1p(-upperTail(x));
}

/** log(e^p + e^q) without overflow. */
export function logAddExp(p: number, q: number): number {
  if (p === -Infinity) return q;
  if (q === -Infinity) return p;
  const m = Math.max(p, q);
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/** log(Phi(b) - Phi(a)) for a <= b: the log mass of [a, b] under N(0, 1), accurate in both tails. */
export function logGaussMass(a: number, b: number): number {
  if (!(a <= b)) throw new RangeError(`logGaussMass: need a <= b, got [${a}, ${b}]`);
  if (a === b) return -Infinity;
  // Work in the left tail, where log Phi keeps its precision; mirror an interval on the right.
  if (a >= 0) return logGaussMass(-b, -a);
  if (b <= 0) {
    const lb = logNdtr(b);
    return lb + Math.log1p(-Math.exp(logNdtr(a) - lb));
  }
  // Straddling 0: 1 minus the two tails, without cancellation in either.
  return Math.log1p(-upperTail(-a) - upperTail(b));
}

/**
 * The x with log Phi(x) = y (y < 0): Newton's method on log Phi, which is increasing and concave,
 * so that after the first step the iterates approach the root from the left without overshooting.
 * For y near 0 (x > 0) the mirrored problem log Phi(-x) = log(1 - e^y) is solved instead.
 */
export function ndtriExp(y: number): number {
  if (!(y <= 0)) throw new RangeError(`ndtriExp: need y <= 0, got ${y}`);
  if (y === 0) return Infinity;
  if (y === -Infinity) return -Infinity;
  if (y > -Math.LN2) return -ndtriExp(Math.log(-Math.expm1(y)));
  // Start at 0 (log Phi(0) = -ln 2 >= y) or, deep in the tail, near the root of -x^2/2 = y.
  let x = y < -2 ? -Math.sqrt(-2 * y) : 0;
  for (let iter = 0; iter < 200; iter++) {
    const lx = logNdtr(x);
    // d/dx log Phi(x) = phi(x) / Phi(x).
    const step = (lx - y) / Math.exp(normLogPdf(x) - lx);
    x -= step;
    if (!(Math.abs(step) > 1e-15 * Math.max(1, Math.abs(x)))) break;
  }
  return x;
}

/**
 * The q-quantile of N(0, 1) truncated to [a, b] (a < b, q in [0, 1]): the x in [a, b] with
 * Phi(x) = Phi(a) + q (Phi(b) - Phi(a)), computed in log space on the side of the smaller tail.
 */
export function truncNormPpf(q: number, a: number, b: number): number {
  if (!(a < b)) throw new RangeError(`truncNormPpf: need a < b, got [${a}, ${b}]`);
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  let x: number;
  if (a < 0) x = ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass));
  else x = -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  return Math.min(b, Math.max(a, x));
}

/** log density of N(0, 1) truncated to [a, b] at x (-Infinity outside [a, b]). */
export function truncNormLogPdf(x: number, a: number, b: number): number {
  if (x < a || x > b) return -Infinity;
  return normLogPdf(x) - logGaussMass(a, b);
}
