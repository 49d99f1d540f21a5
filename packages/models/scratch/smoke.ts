import { createWasmBackend } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { LightGcn } from '../src/cf/lightgcn.js';
import { train } from '../src/train/train.js';
import { mostPopularMetrics } from '../src/cf/most-popular.js';

const threads = Number(process.argv[2] ?? 1);
const epochs = Number(process.argv[3] ?? 2);
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
console.log(dataset.users, dataset.items, dataset.train.indptr[dataset.users]);
console.log('mostpop', mostPopularMetrics(dataset, 'test', [20]));
const be = await createWasmBackend({ threads });
const model = LightGcn.create(be, dataset, {});
const r = await train(model, { epochs, seed: 2023, optimizer: { kind: 'adam', lr: 1e-3 }, validEvery: 0 }, {
  onEvent: (e) => { if (e.type === 'epoch-end') console.log(e.record.epoch, e.record.loss.toFixed(4), e.record.seconds.toFixed(2), 's'); },
});
console.log(r.test);
model.dispose(); be.dispose();
