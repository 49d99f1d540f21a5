/**
 * WebGPU vs WASM (2 threads), in one process, on the shapes of the WebGPU issue: full-catalogue
 * scoring + top-20 (30k users x 40k items x 64, timed per batch of users and scaled to all
 * users), LightGCN-like propagation (3 SpMMs over a 70k-node bipartite graph, 1.6M non-zeros, 64
 * columns), a LightGCN training step (BPR + Adam, batch 2048, on the same graph: Gowalla's size)
 * and DeepFM-shaped dense GEMMs (forward + backward of a 624-400-400-1 MLP, batch 2048). Each side's
 * results are checked against the other before timing (and, for training, every step's loss after
 * it too). A time includes waiting for the backend's queue (sync; WASM runs before returning). On
 * a software adapter (Mesa llvmpipe, SwiftShader) the ratio only shows that the path works; the
 * targets are for a real GPU and checked only there (scoring + top-20 at least 20x WASM, a LightGCN
 * epoch of the full shape's steps within 5 s).
 */
import { createWasmBackend, Rng, type Backend, type Buf, type ScratchScope } from '@lers/kernels';
import { buildNormalizedAdjacency, csrFromPairs, CREATED_BY, type CfDataset } from '@lers/data';
import { createOptimizer, LightGcn, type LightGcnBatch } from '@lers/models';
import { createNodeWebGpuBackend } from '@lers/webgpu/node';
import type { RatioCheck, Row } from '../lib/report.js';
import { median } from '../lib/stats.js';

const [USERS, ITEMS, DIM, K] = [30_000, 40_000, 64, 20];
/** Train pairs of the bipartite graph: with USERS x ITEMS, Gowalla's size (29,858 x 40,981, 810k train pairs). */
const PAIRS = 800_000;

function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * rng.nextFloat() - 1));
}

/** Median seconds of `runs` calls after one warm-up. */
async function time(runs: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    seconds.push((performance.now() - t0) / 1000);
  }
  return median(seconds);
}

/** The largest |a - b| relative to max |b| (1e-30 floor): for outputs whose small entries carry no weight. */
function relativeToLargest(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** The largest |a_i - b_i| / |b_i| (1e-30 floor): for losses, each compared with its own. */
function relativeEach(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  return worst;
}

/**
 * `pairs` distinct uniform (user, item) interactions as a CF dataset (all in train; valid and test
 * empty: nothing here evaluates). Uniform rather than generateSyntheticCf's planted model, which
 * takes about 90 s at this size on the 2-core machine; the kernels' cost follows the non-zeros.
 */
function uniformCf(users: number, items: number, pairs: number, seed: number): CfDataset {
  const rng = new Rng(seed);
  const seen = new Set<number>();
  while (seen.size < pairs) seen.add(rng.nextInt(users) * items + rng.nextInt(items));
  const keys = [...seen];
  const rows = Int32Array.from(keys, (p) => Math.floor(p / items));
  const cols = Int32Array.from(keys, (p) => p % items);
  const train = csrFromPairs(users, items, rows, cols).matrix;
  const empty = { rows: users, cols: items, indptr: new Int32Array(users + 1), indices: new Int32Array(0) };
  const counts = { users, items, interactions: pairs, train: pairs, valid: 0, test: 0 };
  return {
    kind: 'cf',
    users,
    items,
    train,
    valid: empty,
    test: empty,
    manifest: { name: 'uniform-cf', task: 'cf', format: 'synthetic', sources: [], params: { users, items, pairs, seed }, counts, splitSeed: null, createdBy: CREATED_BY },
  };
}

/** A workload set up on one backend. */
interface Prepared {
  /** One timed call; resolves when its work is enqueued (the caller then syncs). */
  readonly run: () => Promise<void>;
  /** The values compared across backends (read back when asked). */
  readonly check: () => Promise<ArrayLike<number>>;
  /** Frees what setup allocated. */
  readonly dispose: () => void;
}

interface Workload {
  readonly name: string;
  /** What the time is of, for the table. */
  readonly unit: string;
  /** Multiplier from one timed call to the unit (e.g. user batches per full catalogue). */
  readonly scale: number;
  /** The WASM / WebGPU ratio a real GPU should reach. */
  readonly target: number;
  /** A time a real GPU should stay within: `calls` timed calls in at most `seconds` (e.g. an epoch of steps). */
  readonly budget?: { readonly what: string; readonly calls: number; readonly seconds: number };
  /** How the two backends' check values are compared, and the largest difference allowed. */
  readonly agree: { readonly diff: (got: ArrayLike<number>, want: ArrayLike<number>) => number; readonly atMost: number };
  /** Sets the workload up on a backend. */
  readonly setup: (be: Backend) => Promise<Prepared>;
}

/** Outputs of kernels whose summation order differs between backends. */
const OUTPUTS = { diff: relativeToLargest, atMost: 1e-3 };

/** `data` in a new f32 buffer of `scope` (freed with it). */
function uploadInto(be: Backend, scope: ScratchScope, data: Float32Array): Buf<'f32'> {
  const buf = scope.alloc('f32', data.length);
  be.write(buf, data);
  return buf;
}

function scoring(batch: number): Workload {
  const items = randomFloats(ITEMS * DIM, 1, 0.1);
  const users = randomFloats(batch * DIM, 2, 0.1);
  return {
    name: `scores + top-${K}, ${batch} of ${USERS} users x ${ITEMS} items x ${DIM}`,
    unit: `s per ${USERS} users (${USERS / batch} batches)`,
    scale: USERS / batch,
    target: 20,
    agree: OUTPUTS,
    setup: (be) => {
      const scope = be.scope();
      const it = uploadInto(be, scope, items), u = uploadInto(be, scope, users);
      const scores = scope.alloc('f32', batch * ITEMS), idx = scope.alloc('i32', batch * K), val = scope.alloc('f32', batch * K);
      return Promise.resolve({
        run: () => {
          be.scores(batch, ITEMS, DIM, u, it, scores);
          be.topk(batch, ITEMS, scores, K, idx, val);
          return Promise.resolve();
        },
        check: () => be.read(val),
        dispose: () => { scope.release(); },
      });
    },
  };
}

function propagation(cf: CfDataset): Workload {
  const graph = buildNormalizedAdjacency(cf.train, cf.users, cf.items);
  const nodes = graph.rows;
  const x = randomFloats(nodes * DIM, 4, 0.1);
  return {
    name: `LightGCN propagation: 3 SpMMs, ${nodes} nodes, ${graph.indptr[nodes]} non-zeros x ${DIM}`,
    unit: 's per 3 layers',
    scale: 1,
    target: 1,
    agree: OUTPUTS,
    setup: (be) => {
      const a = be.uploadCsr(graph);
      const scope = be.scope();
      const e0 = uploadInto(be, scope, x);
      const y = [scope.alloc('f32', nodes * DIM), scope.alloc('f32', nodes * DIM)];
      return Promise.resolve({
        run: () => {
          // y_{l+1} = A y_l, summed into the layer mean as LightGCN does (the addend form).
          be.spmm(a, e0, DIM, 1, 0, y[0]);
          be.spmm(a, y[0], DIM, 1, 0, y[1]);
          be.spmm(a, y[1], DIM, 0.25, 0.25, y[0], e0);
          return Promise.resolve();
        },
        check: () => be.read(y[0]),
        dispose: () => {
          scope.release();
          be.freeCsr(a);
        },
      });
    },
  };
}

/**
 * One LightGCN training step as `train` takes it: forward (3-layer propagation), BPR + ego L2,
 * backward (propagation again), an Adam step over both full tables. Both backends build the model
 * from the same seed and draw the same seeded batches; the check is every step's loss so far
 * (the parity rule: within 1e-4 relative, each loss against its own).
 */
function lightGcnStep(cf: CfDataset, batch: number): Workload {
  const layers = 3;
  const steps = Math.ceil(cf.train.indices.length / batch);
  return {
    name: `LightGCN training step (BPR + Adam), batch ${batch}, ${cf.users} users x ${cf.items} items x ${DIM}, ${layers} layers, ${cf.train.indices.length} train pairs`,
    unit: `s per step (${steps} steps per epoch)`,
    scale: 1,
    target: 1,
    // The target: a LightGCN epoch on Gowalla-sized data within 5 s (only the full shape is Gowalla's size).
    ...(cf.users === USERS ? { budget: { what: `LightGCN epoch (${steps} steps of batch ${batch}) within 5 s`, calls: steps, seconds: 5 } } : {}),
    agree: { diff: relativeEach, atMost: 1e-4 },
    setup: (be) => {
      const model = LightGcn.create(be, cf, { dim: DIM, layers, batchSize: batch, seed: 2 });
      const optimizer = createOptimizer(be, model.parameters(), { kind: 'adam', lr: 1e-3 });
      optimizer.zeroGrad();
      const rng = new Rng(5);
      let epoch = 1;
      let batches: Iterator<LightGcnBatch> = model.batches(epoch, rng)[Symbol.iterator]();
      const losses: number[] = [];
      return Promise.resolve({
        run: async () => {
          let next = batches.next();
          if (next.done === true) {
            batches = model.batches(++epoch, rng)[Symbol.iterator]();
            next = batches.next();
          }
          losses.push(await model.trainStep(next.value as LightGcnBatch, rng));
          optimizer.step();
          optimizer.zeroGrad();
        },
        check: () => Promise.resolve(Float64Array.from(losses)),
        dispose: () => {
          optimizer.dispose();
          model.dispose();
        },
      });
    },
  };
}

function deepFm(batch: number): Workload {
  const layers = [624, 400, 400, 1];
  const input = randomFloats(batch * layers[0], 5, 0.5);
  const weights = layers.slice(1).map((n, l) => randomFloats(layers[l] * n, 6 + l, 1 / Math.sqrt(layers[l])));
  return {
    name: `DeepFM MLP ${layers.join('-')} forward + backward GEMMs, batch ${batch}`,
    unit: 's per step',
    scale: 1,
    target: 1,
    agree: OUTPUTS,
    setup: (be) => {
      const scope = be.scope();
      const x = [uploadInto(be, scope, input), ...layers.slice(1).map((n) => scope.alloc('f32', batch * n))];
      const w = weights.map((v) => uploadInto(be, scope, v));
      const dw = w.map((v) => scope.alloc('f32', v.length));
      const dx = layers.map((n) => scope.alloc('f32', batch * n));
      return Promise.resolve({
        run: () => {
          for (let l = 0; l < w.length; l++) {
            be.gemm(false, false, batch, layers[l + 1], layers[l], 1, x[l], w[l], 0, x[l + 1]);
            if (l + 1 < w.length) be.relu(x[l + 1], x[l + 1]);
          }
          be.copy(x[w.length], dx[w.length]);
          for (let l = w.length - 1; l >= 0; l--) {
            be.gemm(true, false, layers[l], layers[l + 1], batch, 1, x[l], dx[l + 1], 0, dw[l]); // dW = X^T dY
            be.gemm(false, true, batch, layers[l], layers[l + 1], 1, dx[l + 1], w[l], 0, dx[l]); // dX = dY W^T
            if (l > 0) be.reluBackward(x[l], dx[l], dx[l]);
          }
          return Promise.resolve();
        },
        check: () => be.read(dw[0]),
        dispose: () => { scope.release(); },
      });
    },
  };
}

/** The two sides' check values compared; throws when they disagree (the timing would be meaningless). */
async function agreement(w: Workload, onGpu: Prepared, onWasm: Prepared): Promise<number> {
  const diff = w.agree.diff(await onGpu.check(), await onWasm.check());
  if (!(diff <= w.agree.atMost)) throw new Error(`${w.name}: WebGPU and WASM disagree (relative difference ${diff} > ${w.agree.atMost}): the timing would be meaningless`);
  return diff;
}

/** Runs the suite; `quick` times fewer calls and a smaller user batch. */
export async function runWebGpuBench(opts: { quick: boolean }): Promise<{ rows: Row[]; checks: RatioCheck[] }> {
  const gpu = await createNodeWebGpuBackend(); // throws, saying why, without a WebGPU adapter
  const wasm = await createWasmBackend({ threads: 2 });
  const adapter = gpu.info().adapter;
  const software = /llvmpipe|swiftshader|lavapipe|software/i.test(adapter) || adapter.trim() === '';
  console.log(`WebGPU adapter: ${adapter || 'unnamed'}${software ? ' (a CPU rasteriser: the ratios only show that the WebGPU path works)' : ''}`);
  const runs = opts.quick ? 2 : 5;
  const rows: Row[] = [];
  const checks: RatioCheck[] = [];
  try {
    const graph = uniformCf(USERS, ITEMS, PAIRS, 3);
    // --quick trains on a third of the users, items and pairs (on llvmpipe a full-size step took
    // 6.9 s, a third-size one 0.8 s: the quick run stays about a minute).
    const trainGraph = opts.quick ? uniformCf(USERS / 3, Math.round(ITEMS / 3), Math.round(PAIRS / 3), 3) : graph;
    for (const w of [scoring(opts.quick ? 128 : 256), propagation(graph), lightGcnStep(trainGraph, 2048), deepFm(2048)]) {
      const onWasm = await w.setup(wasm);
      const onGpu = await w.setup(gpu);
      let diff: number;
      let tw: number;
      let tg: number;
      try {
        await onWasm.run();
        await onGpu.run();
        await agreement(w, onGpu, onWasm);
        tw = await time(runs, async () => {
          await onWasm.run();
          await wasm.sync();
        });
        tg = await time(runs, async () => {
          await onGpu.run();
          await gpu.sync();
        });
        // Again after the timed calls: for training, every step's loss.
        diff = await agreement(w, onGpu, onWasm);
      } finally {
        onWasm.dispose();
        onGpu.dispose();
      }
      rows.push({ workload: w.name, unit: w.unit, 'wasm 2t': tw * w.scale, webgpu: tg * w.scale, 'wasm / webgpu': tw / tg, 'max rel diff': diff, adapter: software ? `${adapter} (software)` : adapter });
      // The targets are for a real GPU; on a CPU rasteriser there is nothing to check.
      if (!software) checks.push({ name: `${w.name}: WASM 2t time / WebGPU time (${adapter})`, ratio: tw / tg, atLeast: w.target });
      if (!software && w.budget) checks.push({ name: `${w.budget.what}: ${w.budget.seconds} s / WebGPU time (${adapter})`, ratio: w.budget.seconds / (w.budget.calls * tg), atLeast: 1 });
    }
  } finally {
    gpu.dispose();
    wasm.dispose();
  }
  return { rows, checks };
}
