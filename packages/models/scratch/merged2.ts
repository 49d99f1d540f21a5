import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const adj = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
const n = adj.rows, U = dataset.users;
const work = (v: number) => adj.indptr[v + 1] - adj.indptr[v] + 1;
let W = 0; for (let v = 0; v < n; v++) W += work(v);
let maxU = 0, maxI = 0; for (let v = 0; v < U; v++) maxU = Math.max(maxU, work(v)); for (let v = U; v < n; v++) maxI = Math.max(maxI, work(v));
console.log('W', W, 'users work', adj.indptr[U] + U, 'max user', maxU, 'max item', maxI);
let u = 0, i = U, cum = 0;
for (let p = 0; p < n; p++) {
  const target = (W * (p + 1)) / n;
  let pick: number;
  if (u >= U) pick = i++; else if (i >= n) pick = u++;
  else pick = Math.abs(cum + work(u) - target) <= Math.abs(cum + work(i) - target) ? u++ : i++;
  cum += work(pick);
  if ((p + 1) % 2000 === 0) console.log(p + 1, 'cum', cum, 'target', target.toFixed(0), 'users used', u);
}
