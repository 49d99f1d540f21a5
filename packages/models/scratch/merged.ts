import { createWasmBackend } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency, type WeightedCsrMatrix } from '@lers/data';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const adj = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
const n = adj.rows, U = dataset.users;
// merged order: users and items each keep their order; cumulative work tracks a straight line.
const work = (v: number) => adj.indptr[v + 1] - adj.indptr[v] + 1;
let W = 0; for (let v = 0; v < n; v++) W += work(v);
const order = new Int32Array(n); let u = 0, i = U, cum = 0;
for (let p = 0; p < n; p++) {
  const target = (W * (p + 1)) / n;
  let pick: number;
  if (u >= U) pick = i++; else if (i >= n) pick = u++;
  else pick = Math.abs(cum + work(u) - target) <= Math.abs(cum + work(i) - target) ? u++ : i++;
  order[p] = pick; cum += work(pick);
}
const pos = new Int32Array(n); order.forEach((v, p) => (pos[v] = p));
function permute(m: WeightedCsrMatrix): WeightedCsrMatrix {
  const indptr = new Int32Array(n + 1); for (let p = 0; p < n; p++) indptr[p + 1] = indptr[p] + m.indptr[order[p] + 1] - m.indptr[order[p]];
  const indices = new Int32Array(indptr[n]), values = new Float32Array(indptr[n]);
  for (let p = 0; p < n; p++) { let o = indptr[p]; for (let k = m.indptr[order[p]]; k < m.indptr[order[p] + 1]; k++) { indices[o] = pos[m.indices[k]]; values[o++] = m.values[k]; } }
  return { rows: n, cols: n, indptr, indices, values };
}
const padj = permute(adj);
let half = 0; for (let p = 0; p < n / 2; p++) half += padj.indptr[p + 1] - padj.indptr[p] + 1;
console.log('work in first half (merged):', (half / W).toFixed(4));
for (const T of [1, 2, 1, 2]) {
  const be = await createWasmBackend({ threads: T });
  const x = be.alloc('f32', n * 64), y = be.alloc('f32', n * 64); be.fillUniform(x, -1, 1, 1);
  for (const [name, m] of [['natural', adj], ['merged', padj]] as const) {
    const a = be.uploadCsr(m);
    const ts: number[] = []; for (let k = 0; k < 100; k++) { const t = performance.now(); be.spmm(a, x, 64, 1, 0, y); ts.push(performance.now() - t); }
    ts.sort((p, q) => p - q); console.log(`threads ${T} ${name}: spmm min ${ts[0].toFixed(3)} p25 ${ts[25].toFixed(3)}`);
  }
  be.dispose();
}
