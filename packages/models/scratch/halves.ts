import { createWasmBackend, type Csr } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const host = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
const be = await createWasmBackend({ threads: 1 });
const adj = be.uploadCsr(host);
const n = host.rows, d = 64, h = Math.floor(n / 2);
const x = be.alloc('f32', n * d), y = be.alloc('f32', n * d);
be.fillUniform(x, -1, 1, 1);
const sub = (r0: number, r1: number): Csr => ({ rows: r1 - r0, cols: n, indptr: be.slice(adj.indptr, r0, r1 - r0 + 1), indices: adj.indices, values: adj.values });
for (const [name, r0, r1] of [['first half', 0, h], ['second half', h, n], ['all', 0, n]] as const) {
  const a = sub(r0, r1); const out = be.slice(y, r0 * d, (r1 - r0) * d);
  const times: number[] = [];
  for (let i = 0; i < 60; i++) { const t = performance.now(); be.spmm(a, x, d, 1, 0, out); times.push(performance.now() - t); }
  times.sort((p, q) => p - q);
  console.log(name, 'nnz', host.indptr[r1] - host.indptr[r0], 'min ms', times[0].toFixed(3));
}
