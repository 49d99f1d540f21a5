import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { PtqTable, QatTable, type QatOptions } from '../src/index.js';
import { createTable, definition, loadTable, solveBudget } from './definitions.js';

const train = { training: true };
const evalCtx = { training: false };
const fround = Math.fround;

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-1', () => createWasmBackend({ threads: 1 })],
];

/** Narrows a table to a method's class, failing the test when it is another. */
function as<T>(x: unknown, cls: abstract new (...args: never[]) => T): T {
  if (!(x instanceof cls)) throw new TypeError(`expected a ${cls.name}`);
  return x;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

const RANGE = { 4: [-8, 7], 8: [-128, 127], 16: [-32768, 32767] } as const;

describe.each(backends)('qat on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  function qat(options: Partial<QatOptions> & { rows: number; dim: number }): QatTable {
    return new QatTable({ backend: be, seed: 5, ...options });
  }

  function all(t: QatTable | PtqTable, ctx = evalCtx): Float32Array {
    const out = be.alloc('f32', t.rows * t.dim);
    t.lookupAll(out, ctx);
    const v = be.view(out).slice();
    be.free(out);
    return v;
  }

  /** Sets the master values and the scale(s) by hand. */
  function setValues(t: QatTable, w: ArrayLike<number>, s: ArrayLike<number>): void {
    be.write(t.weight.value, w);
    be.write(t.scale.value, s);
  }

  it('initialises the scale at (max - min) / (qmax - qmin) and the zero point at qmin - min / scale, per table or per row', () => {
    for (const b of [8, 16, 4] as const) {
      const [qmin, qmax] = RANGE[b];
      /** Checks scale and zero point of values x (the range widened to include 0). */
      const check = (x: Float32Array, scale: number, zeroPoint: number) => {
        const lo = Math.min(0, ...x);
        const hi = Math.max(0, ...x);
        expect(Math.abs(scale - (hi - lo) / (qmax - qmin))).toBeLessThan(1e-6 * scale);
        expect(zeroPoint).toBe(Math.round(qmin - lo / scale) + 0);
      };
      const t = qat({ rows: 30, dim: 8, bits: b });
      check(be.view(t.weight.value), be.view(t.scale.value)[0], t.zeroPoint[0]);
      expect(t.scale.shape).toEqual([1]);
      expect(t.scale.weightDecay).toBe(0);
      t.dispose();
      const r = qat({ rows: 30, dim: 8, bits: b, scaleGranularity: 'row', init: { kind: 'uniform', low: -0.1, high: 0.3 } });
      const wr = be.view(r.weight.value);
      const sr = be.view(r.scale.value);
      expect(r.scale.shape).toEqual([30, 1]);
      for (let row = 0; row < 30; row++) check(wr.subarray(row * 8, (row + 1) * 8), sr[row], r.zeroPoint[row]);
      expect(r.zeroPoint.some((z) => z !== r.zeroPoint[0])).toBe(true);
      r.dispose();
    }
  });

  it('eval lookups are the nearest-rounded fake-quant of the master rows', () => {
    for (const [b, granularity] of [
      [8, 'table'],
      [4, 'row'],
      [16, 'table'],
    ] as const) {
      const [qmin, qmax] = RANGE[b];
      const t = qat({ rows: 20, dim: 16, bits: b, scaleGranularity: granularity });
      // Shrink the scale so that some values clip.
      const s = be.view(t.scale.value);
      for (let i = 0; i < s.length; i++) s[i] *= 0.7;
      const w = be.view(t.weight.value).slice();
      const sc = be.view(t.scale.value).slice();
      const got = all(t);
      let clipped = 0;
      for (let k = 0; k < w.length; k++) {
        const at = granularity === 'row' ? Math.floor(k / 16) : 0;
        const [sk, z] = [sc[at], t.zeroPoint[at]];
        const v = fround(fround(w[k] / sk) + z);
        if (v > qmax || v < qmin) clipped++;
        expect(got[k]).toBe(fround((Math.min(qmax, Math.max(qmin, Math.round(v))) - z) * sk) + 0); // + 0: no -0
      }
      expect(clipped).toBeGreaterThan(0);
      const ids = [19, 0, 0, 7];
      const idBuf = be.upload('i32', ids);
      const out = be.alloc('f32', 4 * 16);
      t.lookup(idBuf, out, evalCtx);
      const rows = be.view(out);
      ids.forEach((id, i) => {
        expect(bits(rows.subarray(i * 16, (i + 1) * 16))).toEqual(bits(got.subarray(id * 16, (id + 1) * 16)));
      });
      be.free(idBuf);
      be.free(out);
      t.dispose();
    }
  });

  it('stochastic rounding: floor or ceil, seeded per (seed, step), one draw per step, unbiased over steps', () => {
    const t = qat({ rows: 4, dim: 16, bits: 8, roundingSeed: 77 });
    const s = be.view(t.scale.value)[0];
    const z = t.zeroPoint[0];
    const w = be.view(t.weight.value).slice();
    const first = all(t, train);
    expect(bits(all(t, train))).toEqual(bits(first)); // no backward in between: the same step
    expect(t.step).toBe(0);
    const zero = be.alloc('f32', 64);
    const sum = new Float64Array(64);
    const steps = 4000;
    let changed = false;
    let notFloorOrCeil = 0;
    for (let i = 0; i < steps; i++) {
      const o = all(t, train);
      if (i === 1) changed = bits(o).some((x, k) => x !== bits(first)[k]);
      for (let k = 0; k < 64; k++) {
        const v = fround(fround(w[k] / s) + z);
        if (o[k] !== fround((Math.floor(v) - z) * s) && o[k] !== fround((Math.ceil(v) - z) * s)) notFloorOrCeil++;
        sum[k] += o[k];
      }
      t.backwardAll(zero);
    }
    expect(notFloorOrCeil).toBe(0);
    expect(changed).toBe(true);
    expect(t.step).toBe(steps - 1);
    // SR is unbiased: the mean over steps approaches w (std of the mean <= s / (2 sqrt(steps)) ~ 0.008 s),
    // except where v is clipped (the zero point's rounding can put the max up to half a code past qmax).
    let inside = 0;
    for (let k = 0; k < 64; k++) {
      const v = fround(fround(w[k] / s) + z);
      if (v < -128 || v > 127) continue;
      inside++;
      expect(Math.abs(sum[k] / steps - w[k])).toBeLessThan(0.04 * s);
    }
    expect(inside).toBeGreaterThan(60);
    // Eval lookups round to nearest and do not advance the step.
    expect(bits(all(t))).toEqual(bits(all(t)));
    // The same seed replays the same draws; another seed does not.
    const again = qat({ rows: 4, dim: 16, bits: 8, roundingSeed: 77 });
    const other = qat({ rows: 4, dim: 16, bits: 8, roundingSeed: 78 });
    expect(bits(all(again, train))).toEqual(bits(first));
    expect(bits(all(other, train))).not.toEqual(bits(first));
    be.free(zero);
    for (const x of [t, again, other]) x.dispose();
  });

  it('LSQ scale gradient and STE weight gradient equal their formulas (per row, stochastic, duplicate ids)', () => {
    const b = 4;
    const [qmin, qmax] = RANGE[b];
    const rows = 10;
    const dim = 6;
    const t = qat({ rows, dim, bits: b, scaleGranularity: 'row', roundingSeed: 3 });
    const sc = be.view(t.scale.value);
    for (let r = 0; r < rows; r++) sc[r] *= 0.6; // some values clip
    const w = be.view(t.weight.value).slice();
    const s = be.view(t.scale.value).slice();
    const ids = [4, 1, 4, 9, 4, 0];
    const idBuf = be.upload('i32', ids);
    const out = be.alloc('f32', ids.length * dim);
    t.lookup(idBuf, out, train);
    const o = be.view(out).slice();
    const rng = new Rng(8);
    const dOut = Float64Array.from({ length: ids.length * dim }, () => rng.nextFloat() * 2 - 1);
    t.backward(idBuf, be.upload('f32', dOut));
    const expW = new Float64Array(rows * dim);
    const expS = new Float64Array(rows);
    let clipped = 0;
    ids.forEach((r, i) => {
      const z = t.zeroPoint[r];
      for (let c = 0; c < dim; c++) {
        const e = r * dim + c;
        const g = fround(dOut[i * dim + c]);
        const v = fround(fround(w[e] / s[r]) + z);
        const q = Math.round(o[i * dim + c] / s[r]) + z; // the code the forward used
        if (v < qmin) expS[r] += g * (qmin - z);
        else if (v > qmax) expS[r] += g * (qmax - z);
        else {
          expW[e] += g;
          expS[r] += g * (q - v);
        }
        if (v < qmin || v > qmax) clipped++;
      }
    });
    expect(clipped).toBeGreaterThan(0);
    const gradFactor = 1 / Math.sqrt(dim * qmax);
    const gw = be.view(t.weight.grad);
    const gs = be.view(t.scale.grad);
    for (let e = 0; e < rows * dim; e++) expect(gw[e]).toBeCloseTo(expW[e], 5);
    for (let r = 0; r < rows; r++) expect(gs[r]).toBeCloseTo(gradFactor * expS[r], 5);
    expect(Array.from(be.view(t.weight.rowSparse!.rows()))).toEqual([4, 1, 9, 0]);
    expect(Array.from(be.view(t.scale.rowSparse!.rows()))).toEqual([4, 1, 9, 0]);
    be.free(idBuf);
    be.free(out);
    t.dispose();
  });

  it('gradients match finite differences of the STE surrogate, away from rounding and clipping boundaries', () => {
    // Surrogate: out = w + s * r0 inside the range (r0 = q - v frozen at the base point, v = w/s + z),
    // (qmin - z) s or (qmax - z) s when clipped; its exact derivatives are what STE + LSQ compute.
    const b = 4;
    const [qmin, qmax] = RANGE[b];
    const rows = 5;
    const dim = 4;
    const s0 = 0.05;
    const z = 2;
    const rng = new Rng(19);
    // Choose v = w / s + z: clipped (|v| in [10, 13]) or inside, with frac(v) away from 0 and 1/2.
    const w0 = Float64Array.from({ length: rows * dim }, (_, e) => {
      const v =
        e % 7 === 3
          ? (rng.nextFloat() < 0.5 ? -1 : 1) * (10 + 3 * rng.nextFloat())
          : Math.floor(rng.nextFloat() * 12) - 6 + (rng.nextFloat() < 0.5 ? 0.15 + 0.2 * rng.nextFloat() : 0.65 + 0.2 * rng.nextFloat());
      return (v - z) * s0;
    });
    const t = qat({ rows, dim, bits: b, rounding: 'nearest' });
    setValues(t, w0, [s0]);
    t.zeroPoint[0] = z;
    const wf = be.view(t.weight.value).slice();
    const sf = be.view(t.scale.value)[0];
    const ids = [2, 0, 2, 4, 3, 2];
    const c = Float64Array.from({ length: ids.length * dim }, () => 0.5 + rng.nextFloat());
    const r0 = Float64Array.from(wf, (w) => Math.round(w / sf + z) - (w / sf + z));
    const surrogate = (w: ArrayLike<number>, s: number): Float64Array => {
      const out = new Float64Array(ids.length * dim);
      ids.forEach((r, i) => {
        for (let j = 0; j < dim; j++) {
          const e = r * dim + j;
          const v = wf[e] / sf + z; // the clip decision is the base point's (away from its edges)
          out[i * dim + j] = v < qmin ? (qmin - z) * s : v > qmax ? (qmax - z) * s : w[e] + s * r0[e];
        }
      });
      return out;
    };
    const loss = (w: ArrayLike<number>, s: number) => surrogate(w, s).reduce((acc, x, k) => acc + (c[k] * x * x) / 2, 0);

    const idBuf = be.upload('i32', ids);
    const out = be.alloc('f32', ids.length * dim);
    t.lookup(idBuf, out, train);
    const o = be.view(out).slice();
    const base = surrogate(wf, sf);
    o.forEach((x, k) => {
      expect(x).toBeCloseTo(base[k], 6); // the surrogate is the forward at the base point
    });
    t.backward(idBuf, be.upload('f32', Array.from(o, (x, k) => c[k] * x)));
    const gw = be.view(t.weight.grad).slice();
    const gs = be.view(t.scale.grad)[0] * Math.sqrt(rows * dim * qmax); // undo the LSQ gradient scale
    const h = 1e-4;
    const wd = Float64Array.from(wf);
    for (let e = 0; e < rows * dim; e++) {
      const x = wd[e];
      wd[e] = x + h;
      const up = loss(wd, sf);
      wd[e] = x - h;
      const down = loss(wd, sf);
      wd[e] = x;
      expect(gw[e]).toBeCloseTo((up - down) / (2 * h), 4);
    }
    const fdS = (loss(wd, sf + h) - loss(wd, sf - h)) / (2 * h);
    expect(Math.abs(gs - fdS)).toBeLessThan(1e-4 * (1 + Math.abs(fdS)));
    be.free(idBuf);
    be.free(out);
    t.dispose();
  });

  it('scale gradient equals the true finite difference where every value clips (no rounding involved)', () => {
    const b = 8;
    const t = qat({ rows: 3, dim: 4, bits: b, rounding: 'nearest' });
    const w = [3, -2, 5, 4, -6, 7, 2.5, -3, 9, 8, -4, 3];
    setValues(t, w, [0.01]); // |w / s| >= 200: all clipped
    const loss = (s: number): number => {
      be.view(t.scale.value)[0] = s;
      return all(t, evalCtx).reduce((acc, x, k) => acc + (x * x * (k + 1)) / 2, 0);
    };
    const base = all(t, train);
    t.backwardAll(be.upload('f32', Array.from(base, (x, k) => x * (k + 1))));
    const gs = be.view(t.scale.grad)[0] * Math.sqrt(12 * 127);
    const h = 1e-5;
    const fd = (loss(0.01 + h) - loss(0.01 - h)) / (2 * h);
    expect(Math.abs(gs - fd)).toBeLessThan(1e-3 * Math.abs(fd));
    expect(Array.from(be.view(t.weight.grad))).toEqual(new Array(12).fill(0)); // clipped: no weight gradient
    t.dispose();
  });

  it('exports a real int table: per-table int8 / int16 reproduce the eval forward bit for bit', async () => {
    for (const b of [8, 16] as const) {
      const t = qat({ rows: 25, dim: 8, bits: b });
      be.view(t.scale.value)[0] *= 0.8;
      const p = t.toPtq();
      expect(p.format).toBe(b === 8 ? 'int8' : 'int16');
      expect(p.affine!.zeroPoint).toBe(t.zeroPoint[0]);
      expect(bits(all(p))).toEqual(bits(all(t)));
      expect((await p.size()).memoryBytes).toBe((await t.size()).servedBytes);
      expect((await t.size()).bitWidth).toBe(b);
      p.dispose();
      t.dispose();
    }
  });

  it('exports int4 and per-row scales to row-wise formats (equal up to one f32 rounding); per-row int16 has none', async () => {
    for (const [b, granularity, format] of [
      [4, 'table', 'rowwise-int4'],
      [4, 'row', 'rowwise-int4'],
      [8, 'row', 'rowwise-int8'],
    ] as const) {
      const t = qat({ rows: 25, dim: 8, bits: b, scaleGranularity: granularity });
      const p = t.toPtq();
      expect(p.format).toBe(format);
      const a = all(t);
      const q = all(p);
      const s = be.view(t.scale.value);
      a.forEach((x, k) => {
        expect(Math.abs(q[k] - x)).toBeLessThanOrEqual(2 ** -21 * 2 ** b * s[granularity === 'row' ? Math.floor(k / 8) : 0]);
      });
      expect((await p.size()).memoryBytes).toBe((await t.size()).servedBytes);
      p.dispose();
      t.dispose();
    }
    const t16 = qat({ rows: 3, dim: 4, bits: 16, scaleGranularity: 'row' });
    expect(() => t16.toPtq()).toThrow(/no serving format/);
    t16.dispose();
  });

  it('serialises and restores bit-exactly, rounding step included, through the registry', async () => {
    const t = as(createTable('qat', { rows: 12, dim: 8, backend: be, seed: 9, bits: 8, scaleGranularity: 'row', roundingSeed: 41, name: 'item', weightDecay: 1e-4 }), QatTable);
    const g = be.alloc('f32', 96);
    be.view(g).fill(0.1);
    for (let i = 0; i < 3; i++) {
      all(t, train);
      t.backwardAll(g);
    }
    const s = await t.serialize();
    const back = as(loadTable(s, be), QatTable);
    expect(back.step).toBe(t.step);
    expect(back.parameters().map((p) => p.name)).toEqual(['item.weight', 'item.scale']);
    expect(back.weight.weightDecay).toBe(1e-4);
    const s2 = await back.serialize();
    expect(s2.header).toEqual(s.header);
    expect(bits(s2.sections.weight as Float32Array)).toEqual(bits(s.sections.weight as Float32Array));
    expect(bits(s2.sections.scale as Float32Array)).toEqual(bits(s.sections.scale as Float32Array));
    expect(Array.from(s2.sections.zeroPoint)).toEqual(Array.from(t.zeroPoint));
    expect(bits(all(back, train))).toEqual(bits(all(t, train))); // the next step draws the same rounding
    expect(bits(all(back))).toEqual(bits(all(t)));
    be.free(g);
    t.dispose();
    back.dispose();
  });

  it('rejects out-of-range ids before writing anything', () => {
    const t = qat({ rows: 5, dim: 3 });
    const out = be.alloc('f32', 6);
    for (const bad of [5, -1]) {
      const ids = be.upload('i32', [0, bad]);
      expect(() => {
        t.lookup(ids, out, train);
      }).toThrow(new RegExp(`qat lookup: id ${bad} at position 1 is out of range \\[0, 5\\)`));
      expect(() => {
        t.backward(ids, be.upload('f32', new Array(6).fill(1)));
      }).toThrow(RangeError);
      be.free(ids);
    }
    expect(Array.from(be.view(t.weight.grad))).toEqual(new Array(15).fill(0));
    expect(Array.from(be.view(t.scale.grad))).toEqual([0]);
    t.dispose();
  });

  it('allocates no backend buffers per step', () => {
    const t = qat({ rows: 50, dim: 8, scaleGranularity: 'row' });
    const ids = be.upload('i32', [1, 7, 7, 49]);
    const out = be.alloc('f32', 32);
    const allOut = be.alloc('f32', 400);
    const alloc = vi.spyOn(be, 'alloc');
    const upload = vi.spyOn(be, 'upload');
    for (let i = 0; i < 3; i++) {
      t.lookup(ids, out, train);
      t.backward(ids, out);
      t.lookupAll(allOut, train);
      t.backwardAll(allOut);
    }
    expect(alloc).not.toHaveBeenCalled();
    expect(upload).not.toHaveBeenCalled();
    alloc.mockRestore();
    upload.mockRestore();
    for (const x of [ids, out, allOut]) be.free(x);
    t.dispose();
  });

  it('trains: SGD on master values and scale fits a target through the fake quantizer', () => {
    const rows = 16;
    const dim = 8;
    const rng = new Rng(12);
    const target = Float32Array.from({ length: rows * dim }, () => rng.nextFloat() - 0.5);
    const t = qat({ rows, dim, bits: 4, init: { kind: 'normal', std: 0.05 } });
    const g = be.alloc('f32', rows * dim);
    const err = () => all(t).reduce((acc, x, k) => acc + (x - target[k]) ** 2, 0);
    const before = err();
    for (let step = 0; step < 300; step++) {
      const o = all(t, train);
      be.write(g, Array.from(o, (x, k) => x - target[k]));
      t.backwardAll(g);
      const w = be.view(t.weight.value);
      const gw = be.view(t.weight.grad);
      for (let k = 0; k < w.length; k++) w[k] -= 0.1 * gw[k];
      gw.fill(0);
      be.view(t.scale.value)[0] -= 0.002 * be.view(t.scale.grad)[0];
      be.view(t.scale.grad)[0] = 0;
    }
    // The init's scale is far too small for the target; LSQ grows it and the quantized table fits.
    expect(err()).toBeLessThan(0.1 * before);
    be.free(g);
    t.dispose();
  });

  it('budget: bit width 16 / 8 / 4 for 50 / 75 / 87.5%', () => {
    expect(solveBudget({ method: 'qat', rows: 100, dim: 16, sparsity: 0.5 }).options).toEqual({ bits: 16 });
    expect(solveBudget({ method: 'qat', rows: 100, dim: 16, sparsity: 0.75 }).options).toEqual({ bits: 8 });
    expect(solveBudget({ method: 'qat', rows: 100, dim: 16, sparsity: 0.875 }).options).toEqual({ bits: 4 });
    expect(() => solveBudget({ method: 'qat', rows: 100, dim: 16, sparsity: 0.95 })).toThrow(/closest achievable sparsity is 0\.875000/);
  });

  it('a saved table whose zero point is no code of its width, or whose scale is not finite, is refused at load, served or trained', async () => {
    const t = createTable('qat', { rows: 6, dim: 4, backend: be, seed: 1, bits: 8 });
    const s = await t.serialize();
    t.dispose();
    const bad = (sections: Record<string, Int32Array | Float32Array>) => ({ ...s, sections: { ...s.sections, ...sections } });
    for (const purpose of ['serve', 'train'] as const) {
      expect(() => definition('qat').load(bad({ zeroPoint: Int32Array.of(1031818000) }), be, purpose)).toThrow(/zero point 1031818000 at 0 is outside \[-128, 127\]/);
      expect(() => definition('qat').load(bad({ scale: Float32Array.of(Number.NaN) }), be, purpose)).toThrow(/scale NaN at 0 is not finite/);
    }
  });
});
