/**
 * The GEMMs of a CTR model's DNN, lers against the PyTorch peer (benchmarks/peers/gemm.py, torch
 * with OpenBLAS), at 1 and 2 threads: a DeepFM step on criteo-sample spends about 90% of its time
 * in these products (CPU profile of `lers train`, issue 19), so their GFLOP/s bound how far the
 * epoch time can move against PyTorch's. Shapes: batch 2048, the 39 x 16 = 624 inputs of Criteo's
 * fields and the 400-wide hidden layers; per layer the forward product (x W^T), the weight
 * gradient (dy^T x) and the input gradient (dy W), stored as lers stores them.
 */
import { createWasmBackend, Rng } from '@lers/kernels';
import { measure, type Case } from '../lib/measure.js';
import { runJson } from '../lib/child.js';
import { PEER_PROCESS, type RatioCheck, type Row } from '../lib/report.js';
import { blasName, peerEnv, PYTHON, torchAvailable } from '../peers/torch.js';
import { fileURLToPath } from 'node:url';

type Op = 'nt' | 'tn' | 'nn';
interface Shape {
  readonly label: string;
  readonly op: Op;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** The DNN's products at batch B (a layer of `inputs` -> `outputs`). */
function layerShapes(batch: number, inputs: number, outputs: number): Shape[] {
  const layer = `${inputs}->${outputs}`;
  return [
    { label: `${layer} forward x W^T`, op: 'nt', m: batch, n: outputs, k: inputs },
    { label: `${layer} weight grad dy^T x`, op: 'tn', m: outputs, n: inputs, k: batch },
    { label: `${layer} input grad dy W`, op: 'nn', m: batch, n: inputs, k: outputs },
  ];
}

const SHAPES: readonly Shape[] = [...layerShapes(2048, 624, 400), ...layerShapes(2048, 400, 400)];

/** What the 0.6 x epoch-time target asks of the GEMMs, which take ~90% of a step: 1 / 0.6, to two places. */
const TARGET_SPEEDUP = Math.round(100 / 0.6) / 100;

/** Our GFLOP/s per shape at `threads`, the shapes interleaved in one group. */
async function ours(threads: number, budget: number): Promise<Map<string, number>> {
  const be = await createWasmBackend({ threads });
  try {
    const rng = new Rng(7);
    const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
    const cases: Case[] = SHAPES.map((s) => {
      const a = be.upload('f32', random(s.m * s.k));
      const b = be.upload('f32', random(s.k * s.n));
      const c = be.alloc('f32', s.m * s.n);
      const [transA, transB] = [s.op === 'tn', s.op === 'nt'];
      return { name: s.label, fn: () => { be.gemm(transA, transB, s.m, s.n, s.k, 1, a, b, 0, c); }, work: { flops: 2 * s.m * s.n * s.k } };
    });
    const measured = await measure(cases, budget);
    return new Map(measured.map((m) => [m.name, m.gflops ?? 0]));
  } finally {
    be.dispose();
  }
}

/** The peer's GFLOP/s per shape at `threads`, and what it ran on. */
async function peer(threads: number): Promise<{ impl: string; gflops: Map<string, number> }> {
  const script = fileURLToPath(new URL('../peers/gemm.py', import.meta.url));
  const r = await runJson(PYTHON, [script, '--threads', String(threads), '--shapes', ...SHAPES.map((s) => `${s.op},${s.m},${s.n},${s.k}`)], peerEnv(threads));
  const times = r.shapes as { shape: string; seconds: number }[];
  const gflops = new Map(SHAPES.map((s, i) => [s.label, (2 * s.m * s.n * s.k) / times[i].seconds / 1e9]));
  return { impl: `PyTorch ${String(r.torch)} (${blasName(String(r.blas))})`, gflops };
}

/** Runs the suite: ours and the peer's (when torch imports) at 1 and 2 threads, per shape. */
export async function runCtrGemmBench(opts: { quick: boolean }): Promise<{ rows: Row[]; checks: RatioCheck[] }> {
  const withPeer = torchAvailable();
  if (!withPeer) console.log(`ctr-gemm: skipping the PyTorch peer (${PYTHON} -c 'import torch' failed)`);
  const rows: Row[] = [];
  const checks: RatioCheck[] = [];
  for (const threads of [1, 2]) {
    const mine = await ours(threads, opts.quick ? 150 : 1000);
    const theirs = withPeer ? await peer(threads) : null;
    for (const s of SHAPES) {
      const g = mine.get(s.label)!;
      const p = theirs?.gflops.get(s.label);
      rows.push({ threads, product: s.label, 'm x n x k': `${s.m} x ${s.n} x ${s.k}`, 'lers GFLOP/s': g, 'peer GFLOP/s': p ?? null, peer: theirs?.impl ?? null, 'lers / peer': p !== undefined ? g / p : null });
      if (p !== undefined) checks.push({ name: `GEMM ${s.label}, ${threads}t: lers GFLOP/s / PyTorch's (the 0.6 x epoch target needs ${TARGET_SPEEDUP.toFixed(2)})`, ratio: g / p, atLeast: TARGET_SPEEDUP, reportOnly: PEER_PROCESS });
    }
  }
  return { rows, checks };
}
