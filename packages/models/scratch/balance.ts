import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const a = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
const n = a.rows; const ip = a.indptr; const nnz = ip[n];
const cost = (r0: number, r1: number) => ip[r1] - ip[r0] + 0.05 * 64 * (r1 - r0) / 64; // nnz + small per-row
for (const T of [2, 4]) for (const C of [1, 2, 4, 8, 16, 32]) {
  // chunk boundaries by equal nnz
  const bounds = [0];
  for (let c = 1; c < C; c++) { const target = (nnz * c) / C; let r = bounds[bounds.length - 1]; while (r < n && ip[r] < target) r++; bounds.push(r); }
  bounds.push(n);
  let maxSum = 0;
  for (let c = 0; c < C; c++) {
    const r0 = bounds[c], r1 = bounds[c + 1], total = r1 - r0;
    let mx = 0;
    for (let w = 0; w < T; w++) { const a0 = r0 + Math.floor(total * w / T), a1 = r0 + Math.floor(total * (w + 1) / T); mx = Math.max(mx, cost(a0, a1)); }
    maxSum += mx;
  }
  console.log(`threads ${T} chunks ${C}: efficiency ${(cost(0, n) / T / maxSum).toFixed(3)}`);
}
