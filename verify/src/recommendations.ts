/** Recommendation lists as the checks compare them: the same items in the same order, the same scores. */
export interface RecommendationList {
  readonly user?: number | string;
  readonly items: readonly (number | string)[];
  readonly scores: readonly number[];
}

/** Why `got` differs from `want` (null: identical, scores bit for bit as numbers). */
export function listsDiffer(want: readonly RecommendationList[], got: readonly RecommendationList[] | undefined): string | null {
  if (got === undefined) return 'no recommendation lists';
  if (got.length !== want.length) return `${got.length} lists, expected ${want.length}`;
  for (let u = 0; u < want.length; u++) {
    const w = want[u];
    const g = got[u];
    if (JSON.stringify(g.items) !== JSON.stringify(w.items)) return `list ${u}: items ${JSON.stringify(g.items)}, expected ${JSON.stringify(w.items)}`;
    const diff = Math.max(...w.scores.map((s, i) => Math.abs(s - g.scores[i])));
    if (g.scores.length !== w.scores.length || !(diff === 0)) return `list ${u}: scores differ by up to ${diff}`;
  }
  return null;
}
