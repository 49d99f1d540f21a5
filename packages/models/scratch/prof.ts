import { createWasmBackend, Rng } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
import { LightGcn } from '../src/cf/lightgcn.js';
import { Adam } from '../src/optim/adam.js';

const threads = Number(process.argv[2] ?? 1);
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const be = await createWasmBackend({ threads });
const model = LightGcn.create(be, dataset, {});
const opt = new Adam(be, model.parameters(), { lr: 1e-3 });
const n = dataset.users + dataset.items;
const d = 64;
const x = be.alloc('f32', n * d); const y = be.alloc('f32', n * d);
be.fillUniform(x, -1, 1, 1);
const adj = be.uploadCsr(buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items));
function time(name: string, reps: number, f: () => void) {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  console.log(name.padEnd(28), ((performance.now() - t0) / reps).toFixed(3), 'ms');
}
time('spmm', 50, () => be.spmm(adj, x, d, 1, 0, y));
time('spmm beta1', 50, () => be.spmm(adj, x, d, 1, 1, y));
time('copy n*d', 50, () => be.copy(x, y));
time('fill n*d', 50, () => be.fill(y, 0));
time('axpy n*d', 50, () => be.axpy(1, x, y));
time('adam step (2 tables)', 20, () => { opt.step(); });
time('zeroGrad', 20, () => { opt.zeroGrad(); });
const rng = new Rng(1);
const it = model.batches(1, rng)[Symbol.iterator]();
let b = it.next().value!;
time('trainStep', 10, () => { model.trainStep(b, rng); });
time('batch fill', 10, () => { const r = it.next(); if (!r.done) b = r.value; });
time('evaluate test', 2, () => { model.evaluate('test'); });
const B = 2048;
const ids = be.alloc('i32', 3 * B); { const v = be.view(ids); const r = new Rng(3); for (let i = 0; i < v.length; i++) v[i] = r.nextInt(n); }
const rows = be.alloc('f32', 3 * B * d);
time('gather 3B', 50, () => be.gather(x, n, d, ids, rows));
time('scatterAdd 3B', 50, () => be.scatterAdd(rows, ids, 1, y, n, d));
time('sumSquares 3B', 50, () => be.sumSquares(rows, be.slice(y, 0, 1)));
