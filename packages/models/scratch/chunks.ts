import { createWasmBackend, type Csr } from '@lers/kernels';
import { readLightGcn } from '@lers/data/node';
import { buildNormalizedAdjacency } from '@lers/data';
const dir = '/work/shared/datasets/lastfm-lightgcn';
const { dataset } = await readLightGcn({ train: `${dir}/train.txt`, valid: `${dir}/valid.txt`, test: `${dir}/test.txt` });
const host = buildNormalizedAdjacency(dataset.train, dataset.users, dataset.items);
const T = Number(process.argv[2] ?? 2);
const be = await createWasmBackend({ threads: T });
const adj = be.uploadCsr(host);
const n = host.rows, d = 64;
const x = be.alloc('f32', n * d), y = be.alloc('f32', n * d);
be.fillUniform(x, -1, 1, 1);
const ip = host.indptr;
const cost = (r0: number, r1: number) => ip[r1] - ip[r0] + 4 * (r1 - r0);
const maxPart = (a: number, b: number) => { let mx = 0; for (let w = 0; w < T; w++) mx = Math.max(mx, cost(a + Math.floor((b - a) * w / T), a + Math.floor((b - a) * (w + 1) / T))); return mx; };
function greedy(eps: number): number[] { const bounds = [0]; let a = 0; while (a < n) { let best = a + 1; for (let b = n; b > a; b--) if (maxPart(a, b) <= (1 + eps) * cost(a, b) / T) { best = b; break; } bounds.push(best); a = best; } return bounds; }
function equalNnz(C: number): number[] { const bounds = [0]; for (let c = 1; c < C; c++) { const target = ip[n] * c / C; let r = bounds[bounds.length - 1]; while (r < n && ip[r] < target) r++; bounds.push(r); } bounds.push(n); return [...new Set(bounds)]; }
function subs(bounds: number[]): [Csr, number, number][] { return bounds.slice(0, -1).map((r0, c) => { const r1 = bounds[c + 1]; return [{ rows: r1 - r0, cols: n, indptr: be.slice(adj.indptr, r0, r1 - r0 + 1), indices: adj.indices, values: adj.values }, r0, r1]; }); }
function run(parts: [Csr, number, number][]) { for (const [a, r0, r1] of parts) be.spmm(a, x, d, 1, 0, be.slice(y, r0 * d, (r1 - r0) * d)); }
const variants: [string, [Csr, number, number][]][] = [['single', subs([0, n])], ['equal8', subs(equalNnz(8))], ['equal16', subs(equalNnz(16))], ['greedy.02', subs(greedy(0.02))], ['greedy.05', subs(greedy(0.05))]];
for (let rep = 0; rep < 3; rep++) for (const [name, parts] of variants) {
  run(parts);
  const times: number[] = [];
  for (let i = 0; i < 40; i++) { const t = performance.now(); run(parts); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(name.padEnd(10), parts.length, 'chunks: min', times[0].toFixed(3), 'median', times[20].toFixed(3));
}
be.dispose();
