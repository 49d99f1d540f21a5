/** How k_min is searched: binary search assuming a unimodal metric, or every value. */
export type KMinStrategy = 'binary' | 'exhaustive';

/** One evaluated k_min. */
export interface KMinTrial {
  readonly kMin: number;
  readonly metric: number;
}

/** The chosen k_min (the best metric found; ties go to the smaller k_min) and every trial in evaluation order. */
export interface KMinSearchResult {
  readonly kMin: number;
  readonly metric: number;
  readonly trials: readonly KMinTrial[];
}

/**
 * Finds the k_min in [0, maxKMin] maximising `evaluate` (a validation metric, higher is better).
 * 'binary' assumes the metric is unimodal in k_min and bisects on the sign of
 * metric(k + 1) - metric(k) (about 2 log2(maxKMin) evaluations; a step that does not rise counts
 * as past the peak, so plateaus resolve to their left end); 'exhaustive' evaluates every value.
 * Each k_min is evaluated at most once. A NaN metric is an error.
 */
export async function searchKMin(
  evaluate: (kMin: number) => number | Promise<number>,
  maxKMin: number,
  strategy: KMinStrategy = 'binary',
): Promise<KMinSearchResult> {
  if (!Number.isInteger(maxKMin) || maxKMin < 0) throw new RangeError(`searchKMin: maxKMin must be a non-negative integer, got ${maxKMin}`);
  const trials: KMinTrial[] = [];
  const seen = new Map<number, number>();
  const metricAt = async (k: number): Promise<number> => {
    const known = seen.get(k);
    if (known !== undefined) return known;
    const metric = await evaluate(k);
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw new TypeError(`searchKMin: the validation metric at kMin = ${k} is not a number (${String(metric)})`);
    seen.set(k, metric);
    trials.push({ kMin: k, metric });
    return metric;
  };
  if (strategy === 'exhaustive') {
    for (let k = 0; k <= maxKMin; k++) await metricAt(k);
  } else if (strategy === 'binary') {
    let lo = 0;
    let hi = maxKMin;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await metricAt(mid)) < (await metricAt(mid + 1))) lo = mid + 1;
      else hi = mid;
    }
    await metricAt(lo);
  } else {
    throw new RangeError(`searchKMin: strategy must be "binary" or "exhaustive", got ${String(strategy)}`);
  }
  let best = trials[0];
  for (const t of trials) if (t.metric > best.metric || (t.metric === best.metric && t.kMin < best.kMin)) best = t;
  return { kMin: best.kMin, metric: best.metric, trials };
}
