import { createWasmBackend, Rng } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { LightGcn } from '../src/cf/lightgcn.js';
import { Adam } from '../src/optim/adam.js';
const threads = Number(process.argv[2] ?? 1);
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const be = await createWasmBackend({ threads });
const acc = new Map<string, number>();
const rec = be as unknown as Record<string, unknown>;
for (const k of ['spmm','copy','fill','axpy','adam','gather','scatterAdd','sub','mul','rowSum','softplus','softplusBackward','scale','sumSquares','slice','view']) {
  const f = rec[k] as (...a: unknown[]) => unknown;
  rec[k] = (...a: unknown[]) => { const t = performance.now(); const r = f.apply(be, a); acc.set(k, (acc.get(k) ?? 0) + performance.now() - t); return r; };
}
const model = LightGcn.create(be, dataset, {});
const opt = new Adam(be, model.parameters(), { lr: 1e-3 });
const rng = new Rng(1);
let tStep = 0, tOpt = 0, tBatch = 0;
for (let e = 0; e < 3; e++) {
  if (e === 1) { acc.clear(); tStep = tOpt = tBatch = 0; }
  let t = performance.now();
  for (const b of model.batches(e, rng)) {
    tBatch += performance.now() - t;
    t = performance.now(); model.trainStep(b, rng); tStep += performance.now() - t;
    t = performance.now(); opt.step(); opt.zeroGrad(); tOpt += performance.now() - t;
    t = performance.now();
  }
}
console.log('per epoch (avg of 2): step', (tStep / 2).toFixed(1), 'opt', (tOpt / 2).toFixed(1), 'batch', (tBatch / 2).toFixed(1));
for (const [k, v] of [...acc].sort((a, b) => b[1] - a[1])) console.log(k.padEnd(18), (v / 2).toFixed(1));
