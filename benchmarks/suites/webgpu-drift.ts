/**
 * Why WebGPU and WASM training trajectories separate (`pnpm bench --only webgpu-drift`): DeepFM
 * and DCN-Mix trained in lockstep for 2 epochs from the same WASM-initialised parameters on the
 * same seeded batches, on WASM and on another run: the reference backend (f64 sums), WASM with one
 * parameter nudged by an ulp, WebGPU, and WebGPU against itself (the same state, another order of
 * its atomic adds). Per pair: the largest relative step-loss gap in each epoch, the first step
 * over 1e-5, and the DNN ReLUs whose sign differs between the two runs (a pre-activation within
 * rounding of 0 taking the other side: its gradient is then 0 on one run and not on the other).
 */
import { createReferenceBackend, createWasmBackend, Rng, type Backend } from '@lers/kernels';
import { generateSyntheticCtr, type CtrDataset } from '@lers/data';
import { createOptimizer, DcnMix, DeepFm, ReLU, type CtrModel, type Optimizer } from '@lers/models';
import { createNodeWebGpuBackend } from '@lers/webgpu/node';
import type { Row } from '../lib/report.js';

const EPOCHS = 2;

type Variant = 'deepfm' | 'dcnmix' | 'deepfm without BatchNorm' | 'dcnmix without BatchNorm';

function build(variant: Variant, ds: CtrDataset, be: Backend): CtrModel {
  const backbone = variant.startsWith('deepfm') ? 'deepfm' : 'dcnmix';
  const common = { dataset: ds, backend: be, hidden: [32, 32], dropout: 0.2, batchSize: 256, seed: 1, batchNorm: !variant.endsWith('without BatchNorm') };
  return backbone === 'deepfm' ? new DeepFm(common) : new DcnMix({ ...common, crossLayers: 2, experts: 2, rank: 8 });
}

/** A model with its optimizer and its own seeded batch stream. */
interface Run {
  readonly model: CtrModel;
  readonly optimizer: Optimizer;
  readonly rng: Rng;
}

async function start(backbone: Variant, ds: CtrDataset, be: Backend, init: readonly Float32Array[], nudge: boolean): Promise<Run> {
  const model = build(backbone, ds, be);
  model.parameters().forEach((p, i) => {
    be.write(p.value, init[i]);
  });
  if (nudge) {
    // One ulp up on every element of the first DNN weight.
    const p = model.parameters().find((q) => q.name.startsWith('dnn.'))!;
    const v = await be.read(p.value);
    const bits = new Uint32Array(v.buffer);
    for (let k = 0; k < bits.length; k++) if (bits[k] !== 0) bits[k] += 1;
    be.write(p.value, v);
  }
  const optimizer = createOptimizer(be, model.parameters(), { kind: 'adam', lr: 3e-3, weightDecay: 1e-6 });
  optimizer.zeroGrad();
  return { model, optimizer, rng: new Rng(5, 1) };
}

/** ReLU outputs (saved for backward) of a model's DNN whose sign differs from the other run's. */
async function reluFlips(a: CtrModel, b: CtrModel): Promise<number> {
  const la = dnnReLUs(a);
  const lb = dnnReLUs(b);
  let flips = 0;
  for (const [i, relu] of la.entries()) {
    const ya = await a.backend.read(relu.savedOutput!);
    const yb = await b.backend.read(lb[i].savedOutput!);
    for (let k = 0; k < ya.length; k++) if (ya[k] > 0 !== yb[k] > 0) flips++;
  }
  return flips;
}

function dnnReLUs(m: CtrModel): ReLU[] {
  return (m as CtrModel & { dnn: { layers: readonly unknown[] } }).dnn.layers.filter((l): l is ReLU => l instanceof ReLU);
}

/** Trains two runs in lockstep; the gaps of their step losses and their ReLU sign flips. */
async function lockstep(a: Run, b: Run): Promise<{ gaps: number[][]; flips: number }> {
  const gaps: number[][] = [];
  let flips = 0;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const ia = a.model.batches(epoch, a.rng)[Symbol.iterator]();
    const ib = b.model.batches(epoch, b.rng)[Symbol.iterator]();
    const epochGaps: number[] = [];
    for (let x = ia.next(), y = ib.next(); x.done !== true && y.done !== true; x = ia.next(), y = ib.next()) {
      const la = await a.model.trainStep(x.value, a.rng);
      const lb = await b.model.trainStep(y.value, b.rng);
      flips += await reluFlips(a.model, b.model);
      for (const r of [a, b]) {
        r.optimizer.step();
        r.optimizer.zeroGrad();
      }
      epochGaps.push(Math.abs(la - lb) / Math.abs(la));
    }
    gaps.push(epochGaps);
  }
  return { gaps, flips };
}

function dispose(...runs: Run[]): void {
  for (const r of runs) {
    r.optimizer.dispose();
    r.model.dispose();
  }
}

export async function runWebGpuDriftBench(opts: { quick: boolean }): Promise<{ rows: Row[] }> {
  const ds = generateSyntheticCtr({ rows: opts.quick ? 3000 : 6000, cardinalities: [60, 40, 30, 20, 12, 8, 5, 3], seed: 7 }).dataset;
  const wasm = await createWasmBackend();
  const gpu = await createNodeWebGpuBackend(); // throws, saying why, without a WebGPU adapter
  const reference = createReferenceBackend();
  const rows: Row[] = [];
  try {
    for (const backbone of ['deepfm', 'dcnmix', 'deepfm without BatchNorm', 'dcnmix without BatchNorm'] as const) {
      const seedModel = build(backbone, ds, wasm);
      const init = await Promise.all(seedModel.parameters().map((p) => wasm.read(p.value)));
      seedModel.dispose();
      const pairs: [string, [Backend, boolean], [Backend, boolean]][] = ([
        ['WASM vs reference (f64 sums)', [wasm, false], [reference, false]],
        ['WASM vs WASM, one ulp nudged', [wasm, false], [wasm, true]],
        ['WASM vs WebGPU', [wasm, false], [gpu, false]],
        ['WebGPU vs WebGPU (atomic-add order)', [gpu, false], [gpu, false]],
      ] as [string, [Backend, boolean], [Backend, boolean]][]).filter(([pair]) => !backbone.endsWith('without BatchNorm') || pair === 'WASM vs WebGPU');
      for (const [pair, [beA, nudgeA], [beB, nudgeB]] of pairs) {
        const a = await start(backbone, ds, beA, init, nudgeA);
        const b = await start(backbone, ds, beB, init, nudgeB);
        try {
          const { gaps, flips } = await lockstep(a, b);
          const all = gaps.flat();
          rows.push({
            model: backbone,
            pair,
            steps: all.length,
            'max gap epoch 1': Math.max(...gaps[0]),
            'max gap epoch 2': Math.max(...gaps[1]),
            'first step > 1e-5': all.findIndex((g) => g > 1e-5) + 1 || '-',
            'ReLU sign flips': flips,
          });
        } finally {
          dispose(a, b);
        }
      }
    }
  } finally {
    gpu.dispose();
    wasm.dispose();
    reference.dispose();
  }
  return { rows };
}
