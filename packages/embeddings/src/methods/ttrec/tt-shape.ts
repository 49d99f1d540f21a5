import type { TtShape } from '@lers/kernels';

/** Fewest cores K of a TT-Rec table the kernels support. */
export const TT_MIN_CORES = 2;
/** Most cores K of a TT-Rec table the kernels support. */
export const TT_MAX_CORES = 4;

/**
 * Factors the row count N into K factors p (ascending) with prod(p) >= N: among tuples whose
 * factors all lie within a factor 1.25 of N^(1/K), the one with the least padding
 * (prod(p) - N), then the most balanced. Rows N..prod(p)-1 exist in the TT but are never used.
 */
export function factorRows(rows: number, cores: number): number[] {
  checkCores(cores);
  const c = Math.pow(rows, 1 / cores);
  const lo = Math.max(1, Math.floor(c / 1.25));
  const hi = Math.max(lo, Math.ceil(c * 1.25), 1);
  let best: number[] | null = null;
  let bestProduct = Infinity;
  const prefix: number[] = [];
  // Non-decreasing tuples; the last factor is the smallest that reaches N (at least the previous).
  const visit = (product: number): void => {
    if (prefix.length === cores - 1) {
      const last = Math.max(prefix.length === 0 ? 1 : prefix[prefix.length - 1], Math.ceil(rows / product));
      if (last > hi) return;
      const total = product * last;
      const tuple = [...prefix, last];
      if (total < bestProduct || (total === bestProduct && spread(tuple) < spread(best!))) {
        best = tuple;
        bestProduct = total;
      }
      return;
    }
    const start = prefix.length === 0 ? lo : prefix[prefix.length - 1];
    for (let f = start; f <= hi; f++) {
      prefix.push(f);
      visit(product * f);
      prefix.pop();
    }
  };
  visit(1);
  return best!;
}

/**
 * Factors the dimension d exactly into K factors q (ascending), the most balanced such tuple
 * (smallest max - min): d = 64 gives [4, 4, 4], 16 gives [2, 2, 4], 32 gives [2, 4, 4].
 */
export function factorDim(dim: number, cores: number): number[] {
  checkCores(cores);
  let best: number[] | null = null;
  const prefix: number[] = [];
  const visit = (rest: number): void => {
    if (prefix.length === cores - 1) {
      const previous = prefix.length === 0 ? 1 : prefix[prefix.length - 1];
      if (rest < previous) return;
      const tuple = [...prefix, rest];
      if (best === null || spread(tuple) < spread(best)) best = tuple;
      return;
    }
    const start = prefix.length === 0 ? 1 : prefix[prefix.length - 1];
    for (let f = start; f <= rest; f++) {
      if (rest % f !== 0) continue;
      prefix.push(f);
      visit(rest / f);
      prefix.pop();
    }
  };
  visit(dim);
  return best!;
}

/** The kernels' TT shape for inner ranks r_1..r_{K-1} (r_0 = r_K = 1 are added). */
export function ttShape(p: readonly number[], q: readonly number[], innerRanks: readonly number[]): TtShape {
  if (p.length !== q.length || innerRanks.length !== p.length - 1) {
    throw new RangeError(`ttrec: ${p.length} row factors need ${p.length} dim factors and ${p.length - 1} inner ranks, got ${q.length} and ${innerRanks.length}`);
  }
  checkCores(p.length);
  return { p: [...p], q: [...q], ranks: [1, ...innerRanks, 1] };
}

/** Elements of core k: r_k p_k q_k r_{k+1}. */
export function ttCoreSize(shape: TtShape, k: number): number {
  return shape.ranks[k] * shape.p[k] * shape.q[k] * shape.ranks[k + 1];
}

/** TT-Rec's parameter count: sum_k p_k q_k r_k r_{k+1} (cores only). */
export function ttParamCount(shape: TtShape): number {
  let n = 0;
  for (let k = 0; k < shape.p.length; k++) n += ttCoreSize(shape, k);
  return n;
}

/** Rows the TT can address: prod(p). */
export function ttCapacity(shape: TtShape): number {
  return shape.p.reduce((a, b) => a * b, 1);
}

/** Rows of the LFU cache for a fraction of N: floor(fraction x N), as TT-Rec's int(0.1 N). */
export function ttCacheRows(rows: number, fraction: number): number {
  return Math.floor(fraction * rows);
}

function spread(tuple: readonly number[]): number {
  return Math.max(...tuple) - Math.min(...tuple);
}

function checkCores(cores: number): void {
  if (!Number.isInteger(cores) || cores < TT_MIN_CORES || cores > TT_MAX_CORES) {
    throw new RangeError(`ttrec: the number of cores must be an integer in [${TT_MIN_CORES}, ${TT_MAX_CORES}], got ${cores}`);
  }
}
