import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
import { NodeOrder } from '../src/cf/node-order.js';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const adj = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
const eff = (m: typeof adj, T: number) => { const w = (a: number, b: number) => m.indptr[b] - m.indptr[a] + (b - a); let mx = 0; for (let t = 0; t < T; t++) mx = Math.max(mx, w(Math.floor(m.rows * t / T), Math.floor(m.rows * (t + 1) / T))); return w(0, m.rows) / T / mx; };
for (const T of [2, 3, 4]) { const o = NodeOrder.balanced(adj, dataset.users, T); console.log(T, 'natural', eff(adj, T).toFixed(3), 'balanced', eff(o.permute(adj, 'renumber'), T).toFixed(3)); }
