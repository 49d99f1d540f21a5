import { createWasmBackend, Rng } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { LightGcn } from '../src/cf/lightgcn.js';
import { Adam } from '../src/optim/adam.js';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const be = await createWasmBackend({ threads: 1 });
const model = LightGcn.create(be, dataset, {});
const opt = new Adam(be, model.parameters(), { lr: 1e-3 });
const rng = new Rng(1);
for (let e = 0; e < 3; e++) for (const b of model.batches(e, rng)) { model.trainStep(b, rng); opt.step(); opt.zeroGrad(); }
