/**
 * Every piece of LightGCN's hand-written backward against float64 finite differences on a tiny
 * graph (5 users, 7 items): the propagation, BPR, the ego L2, InfoNCE, and the whole train step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, createReferenceBackend, Rng, type Buf, type HostBackend } from '@lers/kernels';
import { buildNormalizedAdjacency } from '@lers/data';
import { BprLoss, createBprLoss, createOptimizer, EgoL2, InfoNceLoss, LightGcn, MultiNegativeBprLoss, Propagation } from '../src/index.js';
import { bpr, centralDiff, denseAdjacency, egoL2, infoNce, lightGcnLoss, propagate } from './cf-reference.js';
import { fiveBySeven } from './cf-helpers.js';

const H = 1e-4;

function randomRows(rows: number, dim: number, seed: number, scale = 1): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Float64Array.from({ length: dim }, () => (rng.nextFloat() * 2 - 1) * scale));
}

function flat(rows: readonly ArrayLike<number>[]): Float64Array {
  const d = rows[0].length;
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    out.set(Array.from(r), i * d);
  });
  return out;
}

/** Rows (views) over a flat array, so that a finite difference on the flat array moves them. */
function rowsOf(x: Float64Array, d: number): Float64Array[] {
  return Array.from({ length: x.length / d }, (_, i) => x.subarray(i * d, (i + 1) * d));
}

/** The mean loss a BPR op computes for b pairs (its summed terms read back, divided by b). */
async function bprLossOf(be: HostBackend, op: { run(b: number, rows: Buf<'f32'>, dRows: Buf<'f32'>, sum: Buf<'f32'>): void }, b: number, rows: Buf<'f32'>, dRows: Buf<'f32'>): Promise<number> {
  const sum = be.alloc('f32', 1);
  op.run(b, rows, dRows, sum);
  return (await be.read(sum))[0] / b;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): void {
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    const tol = atol + rtol * Math.abs(want[k]);
    if (!(Math.abs(got[k] - want[k]) <= tol)) throw new Error(`element ${k}: got ${got[k]}, want ${want[k]} (tol ${tol})`);
  }
}

describe.each([
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm, 2 threads', () => createWasmBackend({ threads: 2 })],
] as const)('LightGCN gradients on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  const ds = fiveBySeven();
  const U = ds.users;
  const n = ds.users + ds.items;

  it('propagation equals mean_l A^l X and is its own adjoint (finite differences)', () => {
    const d = 3;
    const layers = 3;
    const prop = new Propagation(be, buildNormalizedAdjacency(ds.train, ds.users, ds.items), layers, d);
    const dense = denseAdjacency(ds.train, ds.users, ds.items);
    const x = flat(randomRows(n, d, 1));
    const w = flat(randomRows(n, d, 2));
    const xb = be.upload('f32', x);
    const out = be.alloc('f32', n * d);
    prop.apply(xb, out);
    expectClose(be.view(out), flat(propagate(dense, rowsOf(x, d), layers)), 1e-6, 1e-5);
    // f(X) = <W, P(X)>: its gradient is P^T W, which the model computes as P W.
    const f = (): number => {
      const p = flat(propagate(dense, rowsOf(x, d), layers));
      return p.reduce((s, v, k) => s + v * w[k], 0);
    };
    const fd = Float64Array.from(x, (_v, k) => centralDiff(f, x, k, H));
    prop.apply(be.upload('f32', w), out);
    expectClose(be.view(out), fd, 1e-6, 1e-4);
    prop.dispose();
  });

  it('BPR loss and gradient', async () => {
    const b = 6;
    const d = 5;
    const rows = flat(randomRows(3 * b, d, 3));
    const loss = (): number => {
      const r = rowsOf(rows, d);
      return bpr(r.slice(0, b), r.slice(b, 2 * b), r.slice(2 * b));
    };
    const fd = Float64Array.from(rows, (_v, k) => centralDiff(loss, rows, k, H));
    const op = new BprLoss(be, 8, d);
    const dRows = be.alloc('f32', 3 * b * d);
    const got = await bprLossOf(be, op, b, be.upload('f32', rows), dRows);
    expect(got).toBeCloseTo(loss(), 5);
    expectClose(be.view(dRows), fd, 1e-6, 1e-4);
    op.dispose();
  });

  it('BPR with 3 negatives per pair: (1/b) sum of every pair\'s terms, and its gradient', async () => {
    const b = 5;
    const d = 4;
    const neg = 3;
    const rows = flat(randomRows((2 + neg) * b, d, 13));
    const loss = (): number => {
      const r = rowsOf(rows, d);
      return bpr(r.slice(0, b), r.slice(b, 2 * b), r.slice(2 * b));
    };
    const fd = Float64Array.from(rows, (_v, k) => centralDiff(loss, rows, k, H));
    const op = createBprLoss(be, 7, d, neg);
    expect(op).toBeInstanceOf(MultiNegativeBprLoss);
    const dRows = be.alloc('f32', (2 + neg) * b * d);
    const got = await bprLossOf(be, op, b, be.upload('f32', rows), dRows);
    expect(got).toBeCloseTo(loss(), 5);
    expectClose(be.view(dRows), fd, 1e-6, 1e-4);
    op.dispose();
  });

  it('the multi-negative BPR with one negative is the single-negative BPR bit for bit', async () => {
    const b = 6;
    const d = 5;
    const rows = be.upload('f32', flat(randomRows(3 * b, d, 14)));
    const single = createBprLoss(be, 8, d, 1);
    expect(single).toBeInstanceOf(BprLoss);
    const multi = new MultiNegativeBprLoss(be, 8, d, 1);
    const dSingle = be.alloc('f32', 3 * b * d);
    const dMulti = be.alloc('f32', 3 * b * d);
    expect(await bprLossOf(be, multi, b, rows, dMulti)).toBe(await bprLossOf(be, single, b, rows, dSingle));
    expect(new Uint32Array(be.view(dMulti).slice().buffer)).toEqual(new Uint32Array(be.view(dSingle).slice().buffer));
    single.dispose();
    multi.dispose();
  });

  it('ego L2 value and gradient (repeated rows count each time)', async () => {
    const d = 4;
    const e0 = flat(randomRows(n, d, 4));
    const ids = [0, 2, 2, U + 1, U + 3, U + 1, U + 6, U + 0, U + 1];
    const b = 3;
    const reg = (): number => egoL2(ids.map((id) => e0.subarray(id * d, (id + 1) * d)), b);
    const fd = Float64Array.from(e0, (_v, k) => centralDiff(reg, e0, k, H));
    const op = new EgoL2(be);
    const idBuf = be.upload('i32', ids);
    const ego = be.alloc('f32', ids.length * d);
    be.gather(be.upload('f32', e0), n, d, idBuf, ego);
    const sum = be.alloc('f32', 1);
    op.sumSquares(ego, sum);
    expect((await be.read(sum))[0] / (2 * b)).toBeCloseTo(reg(), 6);
    const grad = be.alloc('f32', n * d);
    op.backward(b, 1, ego, idBuf, grad, n, d);
    expectClose(be.view(grad), fd, 1e-6, 1e-4);
  });

  it('InfoNCE loss and gradient', async () => {
    const m = 7;
    const d = 4;
    const tau = 0.2;
    const x = flat(randomRows(m, d, 5));
    const loss = (): number => infoNce(rowsOf(x, d), tau);
    const fd = Float64Array.from(x, (_v, k) => centralDiff(loss, x, k, 1e-5));
    const op = new InfoNceLoss(be, 9, d, tau);
    const dx = be.alloc('f32', m * d);
    const terms = be.alloc('f32', 2 * m);
    op.run(m, be.upload('f32', x), dx, terms);
    expect(InfoNceLoss.lossOf(await be.read(terms), m)).toBeCloseTo(loss(), 4);
    expectClose(be.view(dx), fd, 1e-4, 2e-3);
    op.dispose();
  });

  it.each(['joint', 'per-side'] as const)('a whole train step (BPR + L2 + InfoNCE %s through 3 layers) matches the float64 loss gradient', async (clSoftmax) => {
    const d = 4;
    const layers = 3;
    const l2 = 0.3;
    const clWeight = 0.5;
    const tau = 0.2;
    const model = LightGcn.create(be, ds, { dim: d, layers, batchSize: 6, l2, clWeight, clTemperature: tau, clSoftmax, seed: 9, ks: [3], table: { init: { kind: 'normal', std: 0.5 } } });
    const [first] = model.batches(1, new Rng(42));
    const ids = model.batchIds(first);
    expect(ids.users.length).toBe(6);
    const [userW, itemW] = model.parameters();
    const e0 = new Float64Array(n * d);
    e0.set(be.view(userW.value), 0);
    e0.set(be.view(itemW.value), U * d);
    const dense = denseAdjacency(ds.train, ds.users, ds.items);
    const loss = (): number => lightGcnLoss(dense, rowsOf(e0, d), layers, U, ids, l2, clWeight, tau, clSoftmax);
    const got = await model.trainStep(first, new Rng(0));
    expect(got).toBeCloseTo(loss(), 5);
    const parts = model.lossParts();
    expect(parts.cl).toBeGreaterThan(0);
    expect(parts.l2).toBeGreaterThan(0);
    const fd = Float64Array.from(e0, (_v, k) => centralDiff(loss, e0, k, H));
    const grad = new Float64Array(n * d);
    grad.set(be.view(userW.grad), 0);
    grad.set(be.view(itemW.grad), U * d);
    expectClose(grad, fd, 2e-5, 2e-3);
    model.dispose();
  });

  it('trains with the benchmark\'s one-softmax InfoNCE by default: 8 Adam steps\' losses match the float64 reference formula', async () => {
    const d = 4;
    const layers = 2;
    const l2 = 0.1;
    const clWeight = 0.5;
    const tau = 0.2;
    const model = LightGcn.create(be, ds, { dim: d, layers, batchSize: 4, l2, clWeight, clTemperature: tau, seed: 4, ks: [3], table: { init: { kind: 'normal', std: 0.5 } } });
    expect(model.config.clSoftmax).toBe('joint');
    const optimizer = createOptimizer(be, model.parameters(), { kind: 'adam', lr: 0.05 });
    const [userW, itemW] = model.parameters();
    const dense = denseAdjacency(ds.train, ds.users, ds.items);
    const rng = new Rng(17);
    let steps = 0;
    let apart = 0;
    for (let epoch = 1; epoch <= 2; epoch++) {
      for (const batch of model.batches(epoch, rng)) {
        const ids = model.batchIds(batch);
        const flatE0 = new Float64Array(n * d);
        flatE0.set(be.view(userW.value), 0);
        flatE0.set(be.view(itemW.value), U * d);
        const e0 = rowsOf(flatE0, d);
        const want = lightGcnLoss(dense, e0, layers, U, ids, l2, clWeight, tau, 'joint');
        const got = await model.trainStep(batch, rng);
        expect(got).toBeCloseTo(want, 5);
        apart = Math.max(apart, Math.abs(want - lightGcnLoss(dense, e0, layers, U, ids, l2, clWeight, tau, 'per-side')));
        optimizer.step();
        optimizer.zeroGrad();
        steps++;
      }
    }
    expect(steps).toBe(8);
    // The two forms differ by far more than the tolerance: the check tells them apart.
    expect(apart).toBeGreaterThan(0.05);
    optimizer.dispose();
    model.dispose();
  });

  it('a train step with 3 negatives per pair (summed BPR, every negative in the ego L2) matches the float64 loss gradient', async () => {
    const d = 4;
    const layers = 2;
    const l2 = 0.3;
    const model = LightGcn.create(be, ds, { dim: d, layers, batchSize: 5, negatives: 3, l2, seed: 3, ks: [3], table: { init: { kind: 'normal', std: 0.5 } } });
    const [first] = model.batches(1, new Rng(8));
    const ids = model.batchIds(first);
    expect(ids.negatives.length).toBe(3 * ids.users.length);
    const [userW, itemW] = model.parameters();
    const e0 = new Float64Array(n * d);
    e0.set(be.view(userW.value), 0);
    e0.set(be.view(itemW.value), U * d);
    const dense = denseAdjacency(ds.train, ds.users, ds.items);
    const loss = (): number => lightGcnLoss(dense, rowsOf(e0, d), layers, U, ids, l2, 0, 0.2);
    expect(await model.trainStep(first, new Rng(0))).toBeCloseTo(loss(), 5);
    const fd = Float64Array.from(e0, (_v, k) => centralDiff(loss, e0, k, H));
    const grad = new Float64Array(n * d);
    grad.set(be.view(userW.grad), 0);
    grad.set(be.view(itemW.grad), U * d);
    expectClose(grad, fd, 2e-5, 2e-3);
    model.dispose();
  });
});
