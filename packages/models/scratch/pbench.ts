import { createWasmBackend } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
import { Propagation } from '../src/cf/propagation.js';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const adj = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
for (const T of [1, 2, 1, 2]) {
  const be = await createWasmBackend({ threads: T });
  const prop = new Propagation(be, adj, 3, 64, dataset.users);
  const x = be.alloc('f32', adj.rows * 64), y = be.alloc('f32', adj.rows * 64);
  be.fillUniform(x, -1, 1, 1);
  const ts: number[] = [];
  for (let i = 0; i < 100; i++) { const t = performance.now(); prop.apply(x, y); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  console.log(`threads ${T}, identity ${prop.order.identity}: apply min ${ts[0].toFixed(3)} ms, p25 ${ts[25].toFixed(3)}, median ${ts[50].toFixed(3)}`);
  prop.dispose(); be.dispose();
}
