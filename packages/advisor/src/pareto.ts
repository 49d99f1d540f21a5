/** Pareto fronts: the items no other item beats on every criterion. */

/** One criterion of a front: a value and which way is better. */
export interface Criterion<T> {
  readonly value: (item: T) => number;
  readonly better: 'higher' | 'lower';
}

/** True when `a` is at least as good as `b` on every criterion and strictly better on one. */
export function dominates<T>(a: T, b: T, criteria: readonly Criterion<T>[]): boolean {
  let strictly = false;
  for (const c of criteria) {
    const d = c.better === 'higher' ? c.value(a) - c.value(b) : c.value(b) - c.value(a);
    if (d < 0) return false;
    if (d > 0) strictly = true;
  }
  return strictly;
}

/** The items no other item dominates, in their given order (equal items are all kept). */
export function paretoFrontBy<T>(items: readonly T[], criteria: readonly Criterion<T>[]): T[] {
  return items.filter((p) => !items.some((q) => q !== p && dominates(q, p, criteria)));
}

/** A point of the accuracy-vs-bytes plane. */
export interface ParetoPoint {
  readonly method: string;
  readonly target: number | null;
  readonly bytes: number;
  readonly metric: number;
}

/** The accuracy-vs-bytes front (fewer bytes and a higher metric are better), sorted by bytes. */
export function paretoFront<T extends Pick<ParetoPoint, 'bytes' | 'metric'>>(points: readonly T[]): T[] {
  const front = paretoFrontBy(points, [
    { value: (p) => p.bytes, better: 'lower' },
    { value: (p) => p.metric, better: 'higher' },
  ]);
  return front.sort((a, b) => a.bytes - b.bytes || b.metric - a.metric);
}
