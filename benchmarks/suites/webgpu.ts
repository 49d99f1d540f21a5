/**
 * WebGPU vs WASM (2 threads), in one process, on the shapes of the WebGPU issue: full-catalogue
 * scoring + top-20 (30k users x 40k items x 64, timed per batch of users and scaled to all
 * users), LightGCN-like propagation (3 SpMMs over a 70k-node bipartite graph, 1.6M non-zeros, 64
 * columns) and DeepFM-shaped dense GEMMs (forward + backward of a 624-400-400-1 MLP, batch 2048).
 * Each side's results are checked against the other before timing. A WebGPU time includes
 * waiting for the queue (sync). On a software adapter (Mesa llvmpipe, SwiftShader) the ratio
 * only shows that the path works; the targets are for a real GPU.
 */
import { createWasmBackend, Rng, type Backend, type Buf, type HostCsr } from '@lers/kernels';
import { createNodeWebGpuBackend } from '@lers/webgpu/node';
import type { RatioCheck, Row } from '../lib/report.js';
import { median } from '../lib/stats.js';

const [USERS, ITEMS, DIM, K] = [30_000, 40_000, 64, 20];

function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * rng.nextFloat() - 1));
}

/** Median seconds of `runs` calls after one warm-up (each awaited: WebGPU waits for its queue). */
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

/** The largest |a - b| relative to max |b| (1e-30 floor). */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** A users-then-items bipartite graph with `edges` interactions, symmetric-normalised (LightGCN's A). */
function bipartiteGraph(users: number, items: number, edges: number, seed: number): HostCsr {
  const rng = new Rng(seed);
  const nodes = users + items;
  const pairs = new Set<number>();
  while (pairs.size < edges) pairs.add(rng.nextInt(users) * items + rng.nextInt(items));
  const degree = new Float64Array(nodes);
  const adj: number[][] = Array.from({ length: nodes }, () => []);
  for (const p of pairs) {
    const u = Math.floor(p / items);
    const i = users + (p % items);
    adj[u].push(i);
    adj[i].push(u);
    degree[u]++;
    degree[i]++;
  }
  const indptr = new Int32Array(nodes + 1);
  for (let r = 0; r < nodes; r++) indptr[r + 1] = indptr[r] + adj[r].length;
  const indices = new Int32Array(indptr[nodes]);
  const values = new Float32Array(indptr[nodes]);
  for (let r = 0; r < nodes; r++) {
    adj[r].sort((a, b) => a - b).forEach((c, j) => {
      indices[indptr[r] + j] = c;
      values[indptr[r] + j] = 1 / Math.sqrt(degree[r] * degree[c]);
    });
  }
  return { rows: nodes, cols: nodes, indptr, indices, values };
}

interface Workload {
  readonly name: string;
  /** What the time is of, for the table. */
  readonly unit: string;
  /** Multiplier from one timed call to the unit (e.g. user batches per full catalogue). */
  readonly scale: number;
  /** The WASM / WebGPU ratio a real GPU should reach. */
  readonly target: number;
  /** Sets the workload up on a backend: a call to time, and a buffer to compare across backends. */
  readonly setup: (be: Backend) => { run: () => void; check: Buf };
}

function scoring(batch: number): Workload {
  const items = randomFloats(ITEMS * DIM, 1, 0.1);
  const users = randomFloats(batch * DIM, 2, 0.1);
  return {
    name: `scores + top-${K}, ${batch} of ${USERS} users x ${ITEMS} items x ${DIM}`,
    unit: `s per ${USERS} users (${USERS / batch} batches)`,
    scale: USERS / batch,
    target: 20,
    setup: (be) => {
      const it = be.upload('f32', items), u = be.upload('f32', users);
      const scores = be.alloc('f32', batch * ITEMS), idx = be.alloc('i32', batch * K), val = be.alloc('f32', batch * K);
      return {
        run: () => {
          be.scores(batch, ITEMS, DIM, u, it, scores);
          be.topk(batch, ITEMS, scores, K, idx, val);
        },
        check: val,
      };
    },
  };
}

function propagation(): Workload {
  const graph = bipartiteGraph(USERS, ITEMS, 800_000, 3);
  const nodes = graph.rows;
  const x = randomFloats(nodes * DIM, 4, 0.1);
  return {
    name: `LightGCN propagation: 3 SpMMs, ${nodes} nodes, ${graph.indptr[nodes]} non-zeros x ${DIM}`,
    unit: 's per 3 layers',
    scale: 1,
    target: 1,
    setup: (be) => {
      const a = be.uploadCsr(graph), e0 = be.upload('f32', x);
      const y = [be.alloc('f32', nodes * DIM), be.alloc('f32', nodes * DIM)];
      return {
        run: () => {
          // y_{l+1} = A y_l, summed into the layer mean as LightGCN does (the addend form).
          be.spmm(a, e0, DIM, 1, 0, y[0]);
          be.spmm(a, y[0], DIM, 1, 0, y[1]);
          be.spmm(a, y[1], DIM, 0.25, 0.25, y[0], e0);
        },
        check: y[0],
      };
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
    setup: (be) => {
      const x = [be.upload('f32', input), ...layers.slice(1).map((n) => be.alloc('f32', batch * n))];
      const w = weights.map((v) => be.upload('f32', v));
      const dw = w.map((v) => be.alloc('f32', v.length));
      const dx = layers.map((n) => be.alloc('f32', batch * n));
      return {
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
        },
        check: dw[0],
      };
    },
  };
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
    for (const w of [scoring(opts.quick ? 128 : 256), propagation(), deepFm(2048)]) {
      const onWasm = w.setup(wasm);
      const onGpu = w.setup(gpu);
      onWasm.run();
      onGpu.run();
      const diff = relativeDiff(await gpu.read(onGpu.check), await wasm.read(onWasm.check));
      if (!(diff < 1e-3)) throw new Error(`${w.name}: WebGPU and WASM disagree (max relative difference ${diff}): the timing would be meaningless`);
      const tw = await time(runs, () => {
        onWasm.run();
        return Promise.resolve();
      });
      const tg = await time(runs, async () => {
        onGpu.run();
        await gpu.sync();
      });
      rows.push({ workload: w.name, unit: w.unit, 'wasm 2t': tw * w.scale, webgpu: tg * w.scale, 'wasm / webgpu': tw / tg, 'max rel diff': diff, adapter: software ? `${adapter} (software)` : adapter });
      // The targets are for a real GPU; on a CPU rasteriser there is nothing to check.
      if (!software) checks.push({ name: `${w.name}: WASM 2t time / WebGPU time (${adapter})`, ratio: tw / tg, atLeast: w.target });
    }
  } finally {
    gpu.dispose();
    wasm.dispose();
  }
  return { rows, checks };
}
