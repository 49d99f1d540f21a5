/**
 * The root README's "Measured" table: each row's figures read from the results files it names
 * (see ResultsFolder), lers next to its peer.
 */
import { formatTable } from '@lers/eval';
import { fixed, sig, type ResultsFolder } from './sources.js';

const LERS = 'lers (WASM SIMD)';
const TORCH_CF = 'PyTorch (COO sparse.mm)';
const TORCH_CTR = 'PyTorch 1.13.0a0 (OpenBLAS)';
const PAIRED_CF = 'lers epoch time, 1 thread / 2 threads (paired epochs, medians)';

/** The Markdown table. */
export function measuredTable(r: ResultsFolder): string {
  const cfMean = (file: string, impl: string, field: string): number => r.number(file, 'means', { impl, threads: 1 }, field);
  const cfEpoch = (file: string, impl: string, threads: number): number => r.number(file, 'means', { impl, threads }, 'epoch s (median of runs)');
  const ctr = (data: string, model: string, impl: string, threads: number, field: string): number => r.number('training-ctr.json', 'rows', { data, model, impl, threads }, field);
  const ctrEpoch = (model: string, impl: string, threads: number): string => `${sig(ctr('criteo-sample', model, impl, threads, 'epoch s (median)'))} s`;
  const gemm = (c: string): number => r.number('kernels.json', 'rows', { group: 'GEMM 1024x64 @ 64x1024', case: c }, 'median ms');
  const dnnGemm = (field: string): string =>
    ['forward x W^T', 'weight grad dy^T x', 'input grad dy W'].map((p) => sig(r.number('ctr-gemm.json', 'rows', { threads: 1, product: `624->400 ${p}` }, field))).join(' / ');
  const serving = (mode: string, field: string): number => r.number('runtime.json', 'rows', { mode }, field);
  const L3 = 'training-cf-lastfm-3seeds.json';
  const M3 = 'training-cf-ml1m-3seeds.json';
  const rows = [
    {
      what: 'LightGCN on lastfm-lightgcn, 40 epochs, mean of 3 seeds: Recall@20 / NDCG@20',
      lers: `${fixed(cfMean(L3, LERS, 'mean Recall@20'), 3)} / ${fixed(cfMean(L3, LERS, 'mean NDCG@20'), 3)}`,
      peer: `PyTorch 1.13 (COO sparse.mm): ${fixed(cfMean(L3, TORCH_CF, 'mean Recall@20'), 3)} / ${fixed(cfMean(L3, TORCH_CF, 'mean NDCG@20'), 3)}`,
      source: `\`${L3}\``,
    },
    {
      what: 'LightGCN on ml-1m-lightgcn, 20 epochs, mean of 3 seeds: Recall@20 (truncated) / NDCG@20',
      lers: `${fixed(cfMean(M3, LERS, 'mean Recall@20'), 3)} (${fixed(cfMean(M3, LERS, 'mean RecallT@20'), 3)}) / ${fixed(cfMean(M3, LERS, 'mean NDCG@20'), 3)}`,
      peer: '(PyTorch timed over 2 epochs only: no accuracy)',
      source: `\`${M3}\``,
    },
    {
      what: 'LightGCN epoch, 1 thread, lastfm / ml-1m',
      lers: `${sig(cfEpoch('training-cf.json', LERS, 1))} s / ${sig(cfEpoch('training-cf-ml1m-paired.json', LERS, 1))} s`,
      peer: `PyTorch: ${sig(cfEpoch('training-cf.json', TORCH_CF, 1))} s / ${sig(cfEpoch(M3, TORCH_CF, 1))} s`,
      source: '`training-cf.json`, `training-cf-ml1m-paired.json`, `training-cf-ml1m-3seeds.json`',
    },
    {
      what: 'LightGCN epoch, 2 threads, lastfm / ml-1m (1t/2t of paired epochs)',
      lers: `${sig(cfEpoch('training-cf.json', LERS, 2))} s / ${sig(cfEpoch('training-cf-ml1m-paired.json', LERS, 2))} s (${fixed(r.check('training-cf.json', PAIRED_CF), 2)} / ${fixed(r.check('training-cf-ml1m-paired.json', PAIRED_CF), 2)})`,
      peer: `PyTorch (lastfm): ${sig(cfEpoch('training-cf.json', TORCH_CF, 2))} s`,
      source: '`training-cf.json`, `training-cf-ml1m-paired.json`',
    },
    {
      what: 'DeepFM / DCN-Mix epoch on criteo-sample, 1 thread',
      lers: `${ctrEpoch('DeepFM (w ~ N(0, 1))', LERS, 1)} / ${ctrEpoch('DCN-Mix', LERS, 1)}`,
      peer: `PyTorch + OpenBLAS: ${ctrEpoch('DeepFM (w ~ N(0, 1))', TORCH_CTR, 1)} / ${ctrEpoch('DCN-Mix', TORCH_CTR, 1)}`,
      source: '`training-ctr.json`',
    },
    {
      what: 'DeepFM / DCN-Mix epoch on criteo-sample, 2 threads',
      lers: `${ctrEpoch('DeepFM (w ~ N(0, 1))', LERS, 2)} / ${ctrEpoch('DCN-Mix', LERS, 2)}`,
      peer: `PyTorch + OpenBLAS: ${ctrEpoch('DeepFM (w ~ N(0, 1))', TORCH_CTR, 2)} / ${ctrEpoch('DCN-Mix', TORCH_CTR, 2)}`,
      source: '`training-ctr.json`',
    },
    {
      what: 'DeepFM on synthetic CTR (100k rows, w ~ N(0, 0.01)), test AUC',
      lers: fixed(ctr('synthetic-ctr 100k', 'DeepFM (w ~ N(0, 0.01))', LERS, 1, 'test AUC'), 3),
      peer: `PyTorch: ${fixed(ctr('synthetic-ctr 100k', 'DeepFM (w ~ N(0, 0.01))', TORCH_CTR, 1, 'test AUC'), 3)}`,
      source: '`training-ctr.json`',
    },
    {
      what: "GEMMs of DeepFM's DNN (batch 2048, 624->400: forward / weight grad / input grad), 1 thread, GFLOP/s",
      lers: dnnGemm('lers GFLOP/s'),
      peer: `PyTorch + OpenBLAS: ${dnnGemm('peer GFLOP/s')}`,
      source: '`ctr-gemm.json`',
    },
    {
      what: "Serving a Gowalla-shaped full LightGCN (20.8 MB file), 1 thread: load / peak RSS above Node's baseline, in file sizes / top-20 for one user",
      lers: ['propagate', 'cached', 'cached-int8'].map((mode) => `${mode} ${sig(serving(mode, 'load ms'))} ms / ${fixed(serving(mode, '(peak - base) / file'), 2)} x / ${sig(serving(mode, 'recommend ms'))} ms`).join('; '),
      peer: '(no peer)',
      source: '`runtime.json`',
    },
    {
      what: 'GEMM 1024x64 @ 64x1024, 1 / 2 threads',
      lers: `${sig(gemm('wasm simd 1t'))} ms / ${sig(gemm('wasm simd 2t'))} ms`,
      peer: `onnxruntime-web 1.30 wasm, 1 thread: ${sig(gemm('ort-web wasm 1t'))} ms`,
      source: '`kernels.json`',
    },
  ];
  return formatTable(rows, { columns: ['what', 'lers', 'peer', 'source'] });
}
