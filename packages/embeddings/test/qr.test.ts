import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, type HostBackend, type QrOp } from '@lers/kernels';
import { QrTable, xavierUniformBound } from '../src/index.js';
import { bits, checkGradients, expectRoundTrip, fitWithAdam, lookupAllHost, lookupHost, asTable } from './compressed-checks.js';
import { createTable } from './definitions.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];
const OPS: QrOp[] = ['mult', 'add', 'concat'];

describe.each(backends)('QrTable on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  /** 37 rows with m = 5: Q has 8 rows, so ids 37..39 exist in R x Q but not in the table. */
  const qr = (op: QrOp, seed = 3): QrTable => new QrTable({ rows: 37, dim: 6, backend: be, seed, divider: 5, op, name: 'item' });

  it.each(OPS)('%s: every row equals op(R[x mod m], Q[x div m]) of the stored tables', (op) => {
    const t = qr(op);
    expect([t.divider, t.quotientRows, t.partDim]).toEqual([5, 8, op === 'concat' ? 3 : 6]);
    const R = be.view(t.remainder.value).slice();
    const Q = be.view(t.quotient.value).slice();
    const w = t.partDim;
    const dense = new Float32Array(37 * 6);
    for (let x = 0; x < 37; x++) {
      const r = x % 5;
      const q = Math.floor(x / 5);
      for (let c = 0; c < w; c++) {
        const a = R[r * w + c];
        const b = Q[q * w + c];
        if (op === 'mult') dense[x * 6 + c] = Math.fround(a * b);
        else if (op === 'add') dense[x * 6 + c] = Math.fround(a + b);
        else {
          dense[x * 6 + c] = a;
          dense[x * 6 + w + c] = b;
        }
      }
    }
    expect(bits(lookupAllHost(be, t))).toEqual(bits(dense));
    const ids = [36, 0, 5, 5, 12, 36, 4];
    const got = lookupHost(be, t, ids, true);
    ids.forEach((id, i) => {
      expect(bits(got.subarray(i * 6, (i + 1) * 6))).toEqual(bits(dense.subarray(id * 6, (id + 1) * 6)));
    });
    t.dispose();
  });

  it('initialises mult as U(sqrt(1/N), 1) and add/concat as Xavier of each table, seeded', () => {
    const mult = new QrTable({ rows: 400, dim: 16, backend: be, seed: 1, divider: 20 });
    for (const p of mult.parameters()) {
      const v = be.view(p.value);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(Math.sqrt(1 / 400));
      expect(Math.max(...v)).toBeLessThan(1);
      expect(Math.max(...v)).toBeGreaterThan(0.9);
    }
    expect(bits(be.view(mult.remainder.value))).not.toEqual(bits(be.view(mult.quotient.value)));
    const again = new QrTable({ rows: 400, dim: 16, backend: be, seed: 1, divider: 20 });
    expect(bits(lookupAllHost(be, again))).toEqual(bits(lookupAllHost(be, mult)));
    const add = new QrTable({ rows: 400, dim: 16, backend: be, seed: 1, divider: 20, op: 'add' });
    const bound = xavierUniformBound(20, 16);
    const rv = be.view(add.remainder.value);
    expect(Math.max(...rv.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...rv.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(Math.max(...be.view(add.quotient.value).map(Math.abs))).toBeLessThanOrEqual(xavierUniformBound(20, 16));
    for (const t of [mult, again, add]) t.dispose();
  });

  it.each(OPS)('%s: backward matches finite differences (lookup and lookupAll)', (op) => {
    const t = qr(op, 9);
    expect(checkGradients(be, t, { ids: [3, 36, 3, 20, 0, 8], training: true, samples: 48 })).toBeGreaterThan(10);
    expect(checkGradients(be, t, { ids: 'all', training: true, samples: 24 })).toBeGreaterThan(10);
    t.dispose();
  });

  it('records the touched rows of R and Q for lazy Adam', () => {
    const t = qr('mult');
    const ids = be.upload('i32', [36, 7, 12, 7]);
    t.backward(ids, be.alloc('f32', 4 * 6));
    expect(Array.from(be.view(t.remainder.rowSparse!.rows()))).toEqual([1, 2]);
    expect(Array.from(be.view(t.quotient.rowSparse!.rows()))).toEqual([7, 1, 2]);
    t.backwardAll(be.alloc('f32', 37 * 6));
    expect(t.quotient.rowSparse!.rows().length).toBe(8);
    t.dispose();
  });

  it('rejects ids outside [0, N) even where R x Q could address them, writing nothing', () => {
    const t = qr('add');
    const out = be.alloc('f32', 2 * 6);
    for (const bad of [37, 39, 40, -1]) {
      const ids = be.upload('i32', [1, bad]);
      expect(() => { t.lookup(ids, out, { training: true }); }).toThrow(new RegExp(`id ${bad} at position 1 is out of range \\[0, 37\\)`));
      expect(() => { t.backward(ids, be.alloc('f32', 12)); }).toThrow(RangeError);
    }
    for (const p of t.parameters()) expect(be.view(p.grad).every((g) => g === 0)).toBe(true);
    expect(t.remainder.rowSparse!.rows().length).toBe(0);
    t.dispose();
  });

  it.each(OPS)('%s: serialises and restores bit-exactly through the registry', async (op) => {
    const t = createTable('qr', { rows: 37, dim: 6, backend: be, seed: 4, divider: 5, op, name: 'user', weightDecay: 1e-4 });
    const back = await expectRoundTrip(be, t, [0, 36, 17, 17]);
    expect(back).toBeInstanceOf(QrTable);
    expect(asTable(QrTable, back).op).toBe(op);
    expect(back.parameters()[1].weightDecay).toBe(1e-4);
    t.dispose();
    back.dispose();
  });

  it('counts (m + ceil(N/m)) x part width parameters, non-zeros and bytes', async () => {
    const mult = qr('mult');
    expect((await mult.size())).toEqual({ params: 13 * 6, nonZeros: 78, memoryBytes: 312, diskBytes: 312 });
    const concat = qr('concat');
    expect((await concat.size()).params).toBe(13 * 3);
    be.view(concat.quotient.value).fill(0, 0, 4);
    expect((await concat.size()).nonZeros).toBe(39 - 4);
    for (const t of [mult, concat]) t.dispose();
  });

  it('checks its options', () => {
    expect(() => new QrTable({ rows: 10, dim: 5, backend: be, seed: 1, op: 'concat' })).toThrow(/even dim/);
    expect(() => createTable('qr', { rows: 10, dim: 4, backend: be, seed: 1, op: 'mul' })).toThrow(/op must be one of mult, add, concat/);
    expect(() => createTable('qr', { rows: 10, dim: 4, backend: be, seed: 1, divider: 0 })).toThrow(/divider must be a positive integer/);
    const t = new QrTable({ rows: 10, dim: 4, backend: be, seed: 1 });
    expect(t.divider).toBe(3); // floor(sqrt(10)), the reference code's default
    t.dispose();
  });
});

describe('QrTable sizing and training', () => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => {
    be.dispose();
  });

  it('takes its divider from the budget solver for a target sparsity', async () => {
    for (const [s, m] of [[0.5, 2], [0.8, 5]] as const) {
      const t = asTable(QrTable, createTable('qr', { rows: 20000, dim: 64, backend: be, seed: 1, sparsity: s }));
      expect(t.divider).toBe(m);
      expect(Math.abs((await t.size()).params / (20000 * 64 * (1 - s)) - 1)).toBeLessThanOrEqual(0.01);
      t.dispose();
    }
  });

  it.each(OPS)('%s: Adam on lookupAll + backwardAll fits a QR teacher', (op) => {
    const teacher = new QrTable({ rows: 120, dim: 8, backend: be, seed: 100, divider: 11, op });
    const target = lookupAllHost(be, teacher);
    const t = new QrTable({ rows: 120, dim: 8, backend: be, seed: 7, divider: 11, op });
    const [before, after] = fitWithAdam(be, t, target, 150, 0.05);
    expect(after).toBeLessThan(0.05 * before);
    teacher.dispose();
    t.dispose();
  });
});
