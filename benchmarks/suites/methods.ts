/**
 * Embedding-method benchmarks: every method of the @lers/embeddings registry on a 100k x 64 table
 * sized for 80% sparsity by the budget solver (the closest reachable target where 80% is out of
 * reach), side by side with `full` in the same run: lookup latency and throughput for batches of
 * 1, 64 and 2048 random ids, one training step (lookup + backward of 2048 ids + Adam), and size().
 */
import { BudgetError, tableValues, type EmbeddingTable, type Parameter } from '@lers/embeddings';
import { createTable, methodNamed, methodRegistrations, solveBudget } from '@lers/models';
import { createWasmBackend, Rng, type Buf, type HostBackend } from '@lers/kernels';
import { measure, type Case } from '../lib/measure.js';

type Row = Record<string, string | number>;

const ROWS = 100_000;
const DIM = 64;
const TARGET = 0.8;
const BATCHES = [1, 64, 2048] as const;
const TRAIN_BATCH = 2048;
/** Fresh id batches per call, rotating (as kernels.ts's gatherGroup), so rows come from memory. */
const ROTATION = 32;

function randomIds(n: number, bound: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextInt(bound);
  return out;
}

function randomFloats(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextFloat() * 2 - 1;
  return out;
}

/** A created table with how it was sized. */
interface Entry {
  readonly method: string;
  readonly table: EmbeddingTable;
  /** The target it was sized for, e.g. "0.8" or "0.75 (80% out of reach)". */
  readonly target: string;
  readonly options: string;
  /** The solver's sparsity (protocol count: quantized methods count bits / 32), when sized by it. */
  readonly solved?: number;
}

/** The method's options for the target: the solver's, or its closest reachable solution. */
function budgetOptions(method: string): { options: Readonly<Record<string, unknown>>; target: string; solved?: number } {
  if (method === 'full') return { options: {}, target: 'dense' };
  if (method === 'cerp') return { options: { sparsity: TARGET }, target: `${TARGET} (search form)` };
  // Search-then-retrain methods are created in their search form (no `masks`): no budget solver.
  if (methodNamed(method).kind === 'search-then-retrain') return { options: {}, target: 'search form (dense), no budget' };
  try {
    const solution = solveBudget({ method, rows: ROWS, dim: DIM, sparsity: TARGET });
    return { options: solution.options, target: String(TARGET), solved: solution.sparsity };
  } catch (e) {
    if (!(e instanceof BudgetError)) throw e;
    return { options: e.closest.options, target: `${e.closest.sparsity.toFixed(3)} (closest to ${TARGET})`, solved: e.closest.sparsity };
  }
}

/** Runs the methods suite; `quick` shortens the time budgets (same shapes). */
export async function runMethodsBench(opts: { quick: boolean }): Promise<{ rows: Row[] }> {
  const lookupBudget = opts.quick ? 100 : 1000;
  const trainBudget = opts.quick ? 150 : 1500;
  const be = await createWasmBackend({ threads: 1 });
  const entries: Entry[] = [];
  const rows: Row[] = [];
  try {
    const full = createTable('full', { rows: ROWS, dim: DIM, backend: be, seed: 1, name: 'full' });
    entries.push({ method: 'full', table: full, target: 'dense', options: '{}' });
    const values = tableValues(full).values;
    for (const { name: method, kind } of methodRegistrations()) {
      if (method === 'full') continue;
      const { options, target, solved } = budgetOptions(method);
      // Post-training methods are created from the values of a `full` table (option `values`).
      const extra = kind === 'post-training' ? { values } : {};
      try {
        const table = createTable(method, { rows: ROWS, dim: DIM, backend: be, seed: 1, name: method, ...options, ...extra });
        entries.push({ method, table, target, options: JSON.stringify(options), ...(solved !== undefined ? { solved } : {}) });
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        console.log(`methods: skipping ${method}: ${reason}`);
        rows.push({ method, case: 'skipped', note: reason });
      }
    }
    for (const e of entries) rows.push(await sizeRow(e));
    rows.push(...(await lookupRows(be, entries, lookupBudget)));
    rows.push(...(await trainRows(be, entries, trainBudget, opts.quick)));
  } finally {
    for (const e of entries) e.table.dispose();
    be.dispose();
  }
  return { rows };
}

async function sizeRow(e: Entry): Promise<Row> {
  const s = await e.table.size();
  return {
    method: e.method,
    case: 'size',
    target: e.target,
    'solver sparsity': e.solved ?? '',
    'size() sparsity': 1 - s.params / (ROWS * DIM),
    params: s.params,
    'memory MB': s.memoryBytes / 1e6,
    note: e.options,
  };
}

/** Id batches of `batch` random ids, uploaded once and used in rotation. */
function idBatches(be: HostBackend, batch: number, seed: number): Buf<'i32'>[] {
  return Array.from({ length: ROTATION }, (_, i) => be.upload('i32', randomIds(batch, ROWS, seed + i)));
}

async function lookupRows(be: HostBackend, entries: readonly Entry[], budget: number): Promise<Row[]> {
  const out: Row[] = [];
  for (const batch of BATCHES) {
    const ids = idBatches(be, batch, 1000 * batch);
    const dst = be.alloc('f32', batch * DIM);
    const cases: Case[] = entries.map((e) => {
      let next = 0;
      return {
        name: e.method,
        fn: () => {
          e.table.lookup(ids[next], dst, { training: false });
          next = (next + 1) % ROTATION;
        },
        work: { bytes: batch * DIM * 4, items: batch },
      };
    });
    const ms = await measure(cases, budget);
    const fullMs = ms[0].ms;
    for (const m of ms) {
      out.push({ method: m.name, case: `lookup b=${batch}`, 'median ms': m.ms, 'rows/s': m.itemsPerSec ?? 0, 'GB/s': m.gbps ?? 0, 'time / full': m.ms / fullMs, samples: m.samples });
    }
    be.free(dst);
    for (const b of ids) be.free(b);
  }
  return out;
}

/** Adam state of a table's parameters: lazy (adamRows) where a parameter is row-sparse, as models' Adam does. */
function adamStep(be: HostBackend, params: readonly Parameter[]): { step: () => void; free: () => void } {
  const m = params.map((p) => be.alloc('f32', p.value.length));
  const v = params.map((p) => be.alloc('f32', p.value.length));
  let t = 0;
  return {
    step: () => {
      t++;
      params.forEach((p, k) => {
        const hp = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: p.weightDecay ?? 0, decoupled: false, step: t };
        const sparse = p.rowSparse;
        if (sparse !== undefined) {
          const touched = sparse.rows();
          if (touched.length > 0) be.adamRows(p.value, p.grad, m[k], v[k], sparse.dim, touched, hp, true);
          sparse.clear();
        } else {
          be.adam(p.value, p.grad, m[k], v[k], hp);
          be.fill(p.grad, 0);
        }
      });
    },
    free: () => {
      for (const b of [...m, ...v]) be.free(b);
    },
  };
}

async function trainRows(be: HostBackend, entries: readonly Entry[], budget: number, quick: boolean): Promise<Row[]> {
  const out: Row[] = [];
  const ids = idBatches(be, TRAIN_BATCH, 7000);
  const dst = be.alloc('f32', TRAIN_BATCH * DIM);
  const dOut = be.upload('f32', randomFloats(TRAIN_BATCH * DIM, 9));
  let fullMs = 0;
  try {
    for (const e of entries) {
      const params = e.table.parameters();
      if (params.length === 0) {
        out.push({ method: e.method, case: `train b=${TRAIN_BATCH}`, note: 'frozen (no trainable parameters)' });
        continue;
      }
      const adam = adamStep(be, params);
      try {
        let next = 0;
        const step = () => {
          e.table.lookup(ids[next], dst, { training: true });
          e.table.backward(ids[next], dOut);
          adam.step();
          next = (next + 1) % ROTATION;
        };
        // A probe step: in quick mode, methods slower than 250 ms a step get one timed sample only.
        const t0 = performance.now();
        step();
        const probe = performance.now() - t0;
        let median: number;
        let samples: number;
        if (quick && probe > 250) {
          const t1 = performance.now();
          step();
          median = performance.now() - t1;
          samples = 1;
        } else {
          const [m] = await measure([{ name: e.method, fn: step }], budget);
          median = m.ms;
          samples = m.samples;
        }
        if (e.method === 'full') fullMs = median;
        const lazy = params.some((p) => p.rowSparse !== undefined);
        out.push({
          method: e.method,
          case: `train b=${TRAIN_BATCH}`,
          'median ms': median,
          'rows/s': TRAIN_BATCH / (median / 1000),
          'time / full': fullMs > 0 ? median / fullMs : 0,
          samples,
          note: `lookup+backward+Adam (${lazy ? 'lazy rows' : 'dense'}) over ${params.length} param(s)`,
        });
      } finally {
        adam.free();
      }
    }
  } finally {
    be.free(dst);
    be.free(dOut);
    for (const b of ids) be.free(b);
  }
  return out;
}
