import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency, generateSyntheticCf } from '@lers/data';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const sets: [string, Int32Array, number][] = [];
{ const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
  const a = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items); sets.push(['lastfm', a.indptr, a.rows]); }
{ const { dataset } = generateSyntheticCf({});
  const a = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items); sets.push(['synthetic', a.indptr, a.rows]); }
for (const [name, ip, n] of sets) for (const T of [2, 4]) for (const eps of [0.02, 0.05]) {
  const rowCost = 4; // per-row overhead in nnz units (indptr loads, stores of d floats / 16)
  const cost = (r0: number, r1: number) => ip[r1] - ip[r0] + rowCost * (r1 - r0);
  const maxPart = (a: number, b: number) => { let mx = 0; for (let w = 0; w < T; w++) mx = Math.max(mx, cost(a + Math.floor((b - a) * w / T), a + Math.floor((b - a) * (w + 1) / T))); return mx; };
  const bounds = [0];
  let a = 0;
  while (a < n) {
    let best = a + 1;
    for (let b = n; b > a; b--) { if (maxPart(a, b) <= (1 + eps) * cost(a, b) / T) { best = b; break; } }
    bounds.push(best); a = best;
  }
  let total = 0; for (let c = 0; c + 1 < bounds.length; c++) total += maxPart(bounds[c], bounds[c + 1]);
  console.log(`${name} T=${T} eps=${eps}: ${bounds.length - 1} chunks, efficiency ${(cost(0, n) / T / total).toFixed(3)}`);
}
