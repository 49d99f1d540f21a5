import type { Rng } from '@lers/kernels';
import { logAddExp, logGaussMass, normLogPdf, truncNormPpf } from './normal.js';
import { transform, untransform, type Domain, type NumericDomain } from './space.js';
import { pickWeighted, uniform53 } from './uniform.js';

/** How a Parzen estimator places its kernels (Optuna's TPE defaults: 1, true, false, false). */
export interface ParzenOptions {
  /** Weight of the prior kernel (a wide kernel over the whole range) against one observation's. */
  readonly priorWeight: number;
  /** Floor on the bandwidths: range / min(100, 1 + kernels). */
  readonly considerMagicClip: boolean;
  /** Let the outermost observations' bandwidths reach to the range's ends. */
  readonly considerEndpoints: boolean;
  /** One bandwidth per dimension from Scott's rule-like 0.2 n^(-1/(D+4)) range, instead of neighbour gaps. */
  readonly multivariate: boolean;
}

/** One numeric dimension's kernels: truncated normals on [lowT, highT] in the transformed coordinate. */
interface NumericKernels {
  readonly kind: 'numeric';
  readonly domain: NumericDomain;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** log of each kernel's mass on [lowT, highT] (its truncation normaliser). */
  readonly logMass: Float64Array;
}

/** One categorical dimension's kernels: a probability vector over the choices per kernel. */
interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly probs: readonly Float64Array[];
}

type Kernels = NumericKernels | CategoricalKernels;

/**
 * A Parzen estimator as TPE builds one from a group of trials (the good or the bad): a mixture
 * of n + 1 product kernels, one centred on each observation and one prior, with mixture weights
 * `obsWeights` (then the prior weight) normalised. With no observation it is the prior alone.
 * Numeric kernels are normals truncated to the range (a grid parameter's density at a point is
 * the mass of its cell); categorical kernels put 1 on the observed choice plus the prior weight
 * spread evenly, normalised.
 */
export class ParzenEstimator {
  /** Mixture weights of the kernels (observations, then the prior), summing to 1. */
  readonly weights: Float64Array;
  private readonly kernels: Kernels[];

  /**
   * `observations[j]` holds dimension j's internal values (numbers; a categorical's choice index)
   * of the n trials, `obsWeights` their n mixture weights before normalisation.
   */
  constructor(domains: readonly Domain[], observations: readonly Float64Array[], obsWeights: Float64Array, options: ParzenOptions) {
    const n = obsWeights.length;
    if (observations.length !== domains.length || observations.some((o) => o.length !== n)) {
      throw new RangeError(`ParzenEstimator: need ${domains.length} observation arrays of ${n} values`);
    }
    if (!(options.priorWeight >= 0)) throw new RangeError(`ParzenEstimator: priorWeight must be >= 0, got ${options.priorWeight}`);
    const weights = n === 0 ? Float64Array.of(1) : Float64Array.from([...obsWeights, options.priorWeight]);
    const total = weights.reduce((s, w) => s + w, 0);
    if (!(total > 0)) throw new RangeError('ParzenEstimator: the mixture weights sum to 0');
    this.weights = weights.map((w) => w / total);
    this.kernels = domains.map((d, j) =>
      d.kind === 'categorical' ? categoricalKernels(d.choices.length, observations[j], options.priorWeight) : numericKernels(d, observations[j], domains.length, options),
    );
  }

  /** `count` draws from the mixture, as internal values per dimension. */
  sample(rng: Rng, count: number): Float64Array[] {
    const active = Int32Array.from({ length: count }, () => pickWeighted(this.weights, uniform53(rng)));
    return this.kernels.map((kern) => {
      const out = new Float64Array(count);
      for (let s = 0; s < count; s++) {
        const k = active[s];
        if (kern.kind === 'categorical') {
          out[s] = pickWeighted(kern.probs[k], uniform53(rng));
        } else {
          const { domain: d, mus, sigmas } = kern;
          const z = truncNormPpf(uniform53(rng), (d.lowT - mus[k]) / sigmas[k], (d.highT - mus[k]) / sigmas[k]);
          out[s] = untransform(d, mus[k] + sigmas[k] * z);
        }
      }
      return out;
    });
  }

  /** The log density (grid cells: log probability) of each point, given as internal values per dimension. */
  logPdf(points: readonly Float64Array[]): Float64Array {
    const count = points[0].length;
    const nk = this.weights.length;
    const out = new Float64Array(count);
    const terms = new Float64Array(nk);
    for (let s = 0; s < count; s++) {
      for (let k = 0; k < nk; k++) terms[k] = Math.log(this.weights[k]);
      this.kernels.forEach((kern, j) => {
        const x = points[j][s];
        for (let k = 0; k < nk; k++) terms[k] += kernelLogPdf(kern, k, x);
      });
      let acc = -Infinity;
      for (let k = 0; k < nk; k++) acc = logAddExp(acc, terms[k]);
      out[s] = acc;
    }
    return out;
  }
}

function kernelLogPdf(kern: Kernels, k: number, x: number): number {
  if (kern.kind === 'categorical') return Math.log(kern.probs[k][x]);
  const { domain: d, mus, sigmas, logMass } = kern;
  const mu = mus[k];
  const sigma = sigmas[k];
  if (d.step === 0) {
    const t = transform(d, x);
    if (t < d.lowT || t > d.highT) return -Infinity;
    return normLogPdf((t - mu) / sigma) - Math.log(sigma) - logMass[k];
  }
  // A grid point's probability: its cell's mass, relative to the whole range's.
  const left = transform(d, x - d.step / 2);
  const right = transform(d, x + d.step / 2);
  return logGaussMass((left - mu) / sigma, (right - mu) / sigma) - logMass[k];
}

function categoricalKernels(choices: number, observed: Float64Array, priorWeight: number): CategoricalKernels {
  if (observed.length === 0) return { kind: 'categorical', probs: [new Float64Array(choices).fill(1 / choices)] };
  const kernels = observed.length + 1;
  const probs = Array.from({ length: kernels }, (_, k) => {
    const row = new Float64Array(choices).fill(priorWeight / kernels);
    if (k < observed.length) row[observed[k]] += 1;
    const sum = row.reduce((s, v) => s + v, 0);
    return sum > 0 ? row.map((v) => v / sum) : row;
  });
  return { kind: 'categorical', probs };
}

function numericKernels(d: NumericDomain, observed: Float64Array, dims: number, options: ParzenOptions): NumericKernels {
  const n = observed.length;
  const range = d.highT - d.lowT;
  const centres = observed.map((x) => transform(d, x));
  const sigmas = options.multivariate ? new Float64Array(n).fill(0.2 * Math.pow(Math.max(n, 1), -1 / (dims + 4)) * range) : gapBandwidths(centres, d.lowT, d.highT, options.considerEndpoints);
  const minSigma = options.considerMagicClip ? range / Math.min(100, 1 + (n + 1)) : 1e-12;
  for (let i = 0; i < n; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
  // The prior: centred on the range, as wide as it.
  const mus = Float64Array.from([...centres, 0.5 * (d.lowT + d.highT)]);
  const allSigmas = Float64Array.from([...sigmas, range]);
  const logMass = mus.map((mu, k) => logGaussMass((d.lowT - mu) / allSigmas[k], (d.highT - mu) / allSigmas[k]));
  return { kind: 'numeric', domain: d, mus, sigmas: allSigmas, logMass };
}

/**
 * Univariate TPE's bandwidths: each centre's larger gap to its sorted neighbours, the range's ends
 * acting as neighbours; without `considerEndpoints` the outermost centres (when there are two or
 * more) take their gap to the inner neighbour only.
 */
export function gapBandwidths(centres: Float64Array, low: number, high: number, considerEndpoints: boolean): Float64Array {
  const n = centres.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => centres[a] - centres[b]);
  const ext = [low, ...order.map((i) => centres[i]), high];
  const sorted = order.map((_, r) => Math.max(ext[r + 1] - ext[r], ext[r + 2] - ext[r + 1]));
  if (!considerEndpoints && n >= 2) {
    sorted[0] = ext[2] - ext[1];
    sorted[n - 1] = ext[n] - ext[n - 1];
  }
  const out = new Float64Array(n);
  order.forEach((i, r) => {
    out[i] = sorted[r];
  });
  return out;
}
