import { createWasmBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import { LightGcn } from '../src/cf/lightgcn.js';
import { train } from '../src/train/train.js';
import { mostPopularMetrics } from '../src/cf/most-popular.js';

const [users, items, epochs, lr, bs] = process.argv.slice(2).map(Number);
const t0 = performance.now();
const { dataset } = generateSyntheticCf({ users, items, seed: 7 });
console.log('gen', (performance.now() - t0).toFixed(0), 'ms', dataset.train.indptr[users]);
console.log('mostpop', mostPopularMetrics(dataset, 'test', [20]));
const be = await createWasmBackend({ threads: 1 });
const model = LightGcn.create(be, dataset, { batchSize: bs, dim: 32 });
const t1 = performance.now();
const r = await train(model, { epochs, seed: 1, optimizer: { kind: 'adam', lr }, validEvery: 1 }, {
  onEvent: (e) => { if (e.type === 'validation') console.log(e.epoch, e.value.toFixed(4)); },
});
console.log('train', (performance.now() - t1).toFixed(0), 'ms', r.bestEpoch, r.test);
