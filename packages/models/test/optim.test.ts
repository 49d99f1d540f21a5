import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { FullTable, OptEmbedTable, type Parameter, type ParameterUpdate } from '@lers/embeddings';
import { Adam, createOptimizer, Sgd } from '../src/index.js';

let be: HostBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 2 });
});
afterAll(() => {
  be.dispose();
});

function param(name: string, values: number[], weightDecay?: number, update?: ParameterUpdate): Parameter {
  return {
    name,
    value: be.upload('f32', values),
    grad: be.alloc('f32', values.length),
    shape: [values.length],
    ...(weightDecay !== undefined ? { weightDecay } : {}),
    ...(update !== undefined ? { update } : {}),
  };
}

function randoms(n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
}

/** torch.optim.Adam's update in float64 (coupled weight decay). */
class AdamF64 {
  m: Float64Array;
  v: Float64Array;
  t = 0;
  constructor(
    readonly p: Float64Array,
    readonly lr: number,
    readonly wd: number,
    readonly b1 = 0.9,
    readonly b2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(p.length);
    this.v = new Float64Array(p.length);
  }
  step(grad: ArrayLike<number>): void {
    this.t++;
    for (let i = 0; i < this.p.length; i++) {
      const g = grad[i] + this.wd * this.p[i];
      this.m[i] = this.b1 * this.m[i] + (1 - this.b1) * g;
      this.v[i] = this.b2 * this.v[i] + (1 - this.b2) * g * g;
      const denom = Math.sqrt(this.v[i]) / Math.sqrt(1 - this.b2 ** this.t) + this.eps;
      this.p[i] -= (this.lr / (1 - this.b1 ** this.t)) * (this.m[i] / denom);
    }
  }
}

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(tol);
}

describe('Adam', () => {
  it('follows torch.optim.Adam with coupled weight decay, per-parameter decay overriding the default', () => {
    const rng = new Rng(1);
    const a0 = randoms(37, rng);
    const b0 = randoms(5, rng);
    const a = param('a', a0);
    const b = param('b', b0, 0.1);
    const opt = new Adam(be, [a, b], { lr: 0.01, weightDecay: 1e-6 });
    const refA = new AdamF64(Float64Array.from(a0), 0.01, 1e-6);
    const refB = new AdamF64(Float64Array.from(b0), 0.01, 0.1);
    for (let s = 0; s < 6; s++) {
      const ga = randoms(37, rng);
      const gb = randoms(5, rng);
      be.write(a.grad, ga);
      be.write(b.grad, gb);
      opt.step();
      opt.zeroGrad();
      refA.step(ga);
      refB.step(gb);
    }
    expect(opt.stepCount).toBe(6);
    expectNear(be.view(a.value), refA.p, 2e-6);
    expectNear(be.view(b.value), refB.p, 2e-6);
    expect(Array.from(be.view(a.grad))).toEqual(new Array(37).fill(0));
    expect(Object.keys(opt.stateBuffers())).toEqual(['a.m', 'a.v', 'b.m', 'b.v']);
    opt.dispose();
  });

  it('lazy: updates only the rows an embedding gradient touched, and zeroes them', () => {
    const dim = 4;
    const lazyTable = new FullTable({ rows: 6, dim, backend: be, seed: 3, name: 't' });
    const denseTable = new FullTable({ rows: 6, dim, backend: be, seed: 3, name: 't' });
    const lazy = new Adam(be, lazyTable.parameters(), { lr: 0.05, lazy: true });
    const dense = new Adam(be, denseTable.parameters(), { lr: 0.05 });
    const before = be.view(lazyTable.weight.value).slice();
    const rng = new Rng(9);
    for (let s = 0; s < 3; s++) {
      // Rows 1 and 4 every step (row 4 twice), row 2 only in the first step.
      const ids = s === 0 ? [1, 4, 2, 4] : [4, 1, 4];
      const g = randoms(ids.length * dim, rng);
      for (const t of [lazyTable, denseTable]) t.backward(be.upload('i32', ids), be.upload('f32', g));
      lazy.step();
      lazy.zeroGrad();
      dense.step();
      dense.zeroGrad();
    }
    const lv = be.view(lazyTable.weight.value);
    const dv = be.view(denseTable.weight.value);
    const row = (v: Float32Array, r: number) => Array.from(v.subarray(r * dim, (r + 1) * dim));
    // Rows touched at every step: the same as dense Adam.
    for (const r of [1, 4]) expectNear(row(lv, r), row(dv, r), 1e-6);
    // Never-touched rows keep their values (dense Adam leaves them too: zero moments).
    for (const r of [0, 3, 5]) expect(row(lv, r)).toEqual(row(before, r));
    // Row 2: dense Adam keeps moving it on momentum, lazy Adam froze it after step 1.
    expect(row(lv, 2)).not.toEqual(row(dv, 2));
    expect(Array.from(be.view(lazyTable.weight.grad))).toEqual(new Array(6 * dim).fill(0));
    expect(lazyTable.weight.rowSparse!.rows().length).toBe(0);
    lazy.dispose();
    dense.dispose();
    lazyTable.dispose();
    denseTable.dispose();
  });

  it('a parameter\'s own update: its lr under the Adam rule, or a plain SGD step (its decay, no moments)', () => {
    const rng = new Rng(5);
    const [a0, b0, c0] = [randoms(7, rng), randoms(4, rng), randoms(3, rng)];
    const a = param('a', a0);
    const b = param('b', b0, 0.01, { lr: 0.05, rule: 'optimizer' });
    const c = param('c', c0, 0.2, { lr: 0.3, rule: 'sgd' });
    const opt = new Adam(be, [a, b, c], { lr: 0.001 });
    const refA = new AdamF64(Float64Array.from(a0), 0.001, 0);
    const refB = new AdamF64(Float64Array.from(b0), 0.05, 0.01);
    const refC = Float64Array.from(c0);
    for (let s = 0; s < 3; s++) {
      const [ga, gb, gc] = [randoms(7, rng), randoms(4, rng), randoms(3, rng)];
      be.write(a.grad, ga);
      be.write(b.grad, gb);
      be.write(c.grad, gc);
      opt.step();
      opt.zeroGrad();
      refA.step(ga);
      refB.step(gb);
      for (let i = 0; i < 3; i++) refC[i] -= 0.3 * (gc[i] + 0.2 * refC[i]);
    }
    expectNear(be.view(a.value), refA.p, 2e-6);
    expectNear(be.view(b.value), refB.p, 2e-6);
    expectNear(be.view(c.value), refC, 2e-6);
    expect(Array.from(be.view(opt.stateBuffers()['c.m']))).toEqual([0, 0, 0]);
    expect(Array.from(be.view(c.grad))).toEqual([0, 0, 0]);
    opt.dispose();
  });

  it('OptEmbed\'s threshold t takes its own step: SGD at 1e-4 by default, Adam at thresholdLr when asked', () => {
    const gradT = [0.5, -2];
    const stepOf = (options: Record<string, unknown>): { t: number[]; w: number[]; w0: number[]; gw: number[] } => {
      const table = new OptEmbedTable({ rows: 6, dim: 3, backend: be, seed: 2, fieldOffsets: [0, 4], ...options });
      const w0 = Array.from(be.view(table.weight.value));
      const gw = randoms(18, new Rng(3));
      be.write(table.weight.grad, gw);
      be.write(table.threshold.grad, gradT);
      const opt = new Adam(be, table.parameters(), { lr: 0.01 });
      opt.step();
      const out = { t: Array.from(be.view(table.threshold.value)), w: Array.from(be.view(table.weight.value)), w0, gw };
      opt.dispose();
      table.dispose();
      return out;
    };
    // One Adam step from zero moments moves x by lr * g / (|g| + eps) (bias-corrected).
    const adamFirst = (lr: number, g: number): number => -lr * (g / (Math.abs(g) + 1e-8));
    const plain = stepOf({ thresholdInit: 0.2 });
    expectNear(plain.t, gradT.map((g) => 0.2 - 1e-4 * g), 1e-7);
    expectNear(plain.w, plain.w0.map((w, i) => w + adamFirst(0.01, plain.gw[i])), 1e-6);
    const own = stepOf({ thresholdInit: 0.2, thresholdLr: 0.05, thresholdOptimizer: 'optimizer' });
    expectNear(own.t, gradT.map((g) => 0.2 + adamFirst(0.05, g)), 1e-6);
    expect(own.w).toEqual(plain.w);
  });

  it('rejects duplicate parameter names and bad hyperparameters', () => {
    const a = param('same', [1]);
    const b = param('same', [2]);
    expect(() => new Adam(be, [a, b], { lr: 0.1 })).toThrow(/named "same"/);
    expect(() => new Adam(be, [a], { lr: 0 })).toThrow(/lr must be > 0/);
    expect(() => new Adam(be, [a], { lr: 0.1, beta1: 1 })).toThrow(/beta1/);
  });
});

describe('SGD', () => {
  it('follows torch.optim.SGD with momentum and weight decay', () => {
    const rng = new Rng(2);
    const p0 = randoms(9, rng);
    const p = param('p', p0);
    const opt = createOptimizer(be, [p], { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    expect(opt).toBeInstanceOf(Sgd);
    const ref = Float64Array.from(p0);
    const vel = new Float64Array(9);
    for (let s = 0; s < 4; s++) {
      const g = randoms(9, rng);
      be.write(p.grad, g);
      opt.step();
      opt.zeroGrad();
      for (let i = 0; i < 9; i++) {
        const gi = g[i] + 0.01 * ref[i];
        vel[i] = s === 0 ? gi : 0.9 * vel[i] + gi;
        ref[i] -= 0.1 * vel[i];
      }
    }
    expectNear(be.view(p.value), ref, 1e-6);
    expect(Object.keys(opt.stateBuffers())).toEqual(['p.velocity']);
    opt.dispose();
  });

  it('a parameter\'s own update: its lr with the momentum, or plain SGD without it', () => {
    const rng = new Rng(4);
    const [p0, q0] = [randoms(5, rng), randoms(5, rng)];
    const p = param('p', p0, undefined, { lr: 0.02, rule: 'optimizer' });
    const q = param('q', q0, undefined, { lr: 0.02, rule: 'sgd' });
    const opt = new Sgd(be, [p, q], { lr: 0.5, momentum: 0.9 });
    const [refP, refQ] = [Float64Array.from(p0), Float64Array.from(q0)];
    const vel = new Float64Array(5);
    for (let s = 0; s < 3; s++) {
      const [gp, gq] = [randoms(5, rng), randoms(5, rng)];
      be.write(p.grad, gp);
      be.write(q.grad, gq);
      opt.step();
      opt.zeroGrad();
      for (let i = 0; i < 5; i++) {
        vel[i] = s === 0 ? gp[i] : 0.9 * vel[i] + gp[i];
        refP[i] -= 0.02 * vel[i];
        refQ[i] -= 0.02 * gq[i];
      }
    }
    expectNear(be.view(p.value), refP, 1e-6);
    expectNear(be.view(q.value), refQ, 1e-6);
    opt.dispose();
  });
});
