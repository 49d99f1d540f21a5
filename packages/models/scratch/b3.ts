import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency, generateSyntheticCf } from '@lers/data';
import { balancedRowChunks } from '../src/cf/propagation.js';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const sets = [['lastfm', buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items).indptr], ['synthetic', (() => { const d = generateSyntheticCf({}).dataset; return buildNormalizedAdjacency(d.train, d.users, d.items).indptr; })()]] as const;
for (const [name, ip] of sets) for (const T of [2, 3, 4]) {
  const t0 = performance.now(); const b = balancedRowChunks(ip, T); const ms = performance.now() - t0;
  const work = (x: number, y: number) => ip[y] - ip[x] + (y - x);
  let busy = 0; for (let c = 0; c + 1 < b.length; c++) { let mx = 0; for (let t = 0; t < T; t++) mx = Math.max(mx, work(b[c] + Math.floor((b[c + 1] - b[c]) * t / T), b[c] + Math.floor((b[c + 1] - b[c]) * (t + 1) / T))); busy += mx; }
  console.log(name, T, 'chunks', b.length - 1, 'eff', (work(0, ip.length - 1) / T / busy).toFixed(3), ms.toFixed(1), 'ms');
}
