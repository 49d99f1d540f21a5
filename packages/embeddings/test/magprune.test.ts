import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import {
  FullTable,
  magPrune,
  magPruneInt8,
  magPruneSearch,
  MagPruner,
  maxKMin,
  PrunedCsrTable,
  PrunedInt8Table,
  randPrune,
  searchKMin,
  type DenseValues,
  type EmbeddingTable,
} from '../src/index.js';
import { createTable, loadTable, solveBudget } from './definitions.js';

const evalCtx = { training: false };

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

/** A rows x dim table of uniform values; `levels` > 0 snaps them to a grid so that many |w| tie. */
function randomDense(rows: number, dim: number, seed: number, levels = 0): DenseValues {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: rows * dim }, () => {
    const x = rng.nextFloat() * 2 - 1;
    return levels > 0 ? Math.round(x * levels) / levels : x;
  });
  return { rows, dim, values };
}

/**
 * Independent oracle of MagPrune by sorting: per row protect the kMin largest |w| (ties: lower
 * column), then zero the min(round(p n), candidates) smallest |w| of the rest (ties: lower flat index).
 */
function oracleKeep(d: DenseValues, p: number, kMin: number): Uint8Array {
  const { rows, dim, values } = d;
  const n = rows * dim;
  const keep = new Uint8Array(n).fill(1);
  const prot = new Uint8Array(n);
  for (let r = 0; r < rows; r++) {
    const cols = Array.from({ length: dim }, (_, c) => c);
    cols.sort((a, b) => Math.abs(values[r * dim + b]) - Math.abs(values[r * dim + a]) || a - b);
    for (let k = 0; k < kMin; k++) prot[r * dim + cols[k]] = 1;
  }
  const cands = Array.from({ length: n }, (_, k) => k).filter((k) => prot[k] === 0);
  cands.sort((a, b) => Math.abs(values[a]) - Math.abs(values[b]) || a - b);
  const z = Math.min(Math.round(p * n), cands.length);
  for (let i = 0; i < z; i++) keep[cands[i]] = 0;
  return keep;
}

describe.each(backends)('magprune / randprune / magprune-int8 on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  function dense(t: EmbeddingTable): Float32Array {
    const out = be.alloc('f32', t.rows * t.dim);
    t.lookupAll(out, evalCtx);
    const v = be.view(out).slice();
    be.free(out);
    return v;
  }

  function lookupRows(t: EmbeddingTable, ids: number[]): Float32Array {
    const idBuf = be.upload('i32', ids);
    const out = be.alloc('f32', ids.length * t.dim);
    t.lookup(idBuf, out, evalCtx);
    const v = be.view(out).slice();
    be.free(idBuf);
    be.free(out);
    return v;
  }

  /** Kept positions of a dense table: non-zero entries. */
  function zerosOf(values: Float32Array): number[] {
    const z: number[] = [];
    values.forEach((v, k) => {
      if (v === 0) z.push(k);
    });
    return z;
  }

  // |w| row by row: 0.5 .1 .3 .2 | .05 .04 .03 .02 | .9 .2 .2 .1 (ties: 0.1 at 1, 11; 0.2 at 3, 9, 10)
  const hand: DenseValues = { rows: 3, dim: 4, values: Float32Array.from([0.5, -0.1, 0.3, -0.2, 0.05, 0.04, -0.03, 0.02, -0.9, 0.2, 0.2, 0.1]) };

  it('zeroes exactly the expected entries of a hand-made table, ties in row-major order', async () => {
    const cases: [number, number, number[]][] = [
      [6 / 12, 0, [1, 4, 5, 6, 7, 11]], // the cut falls between the two 0.1s and the 0.2s
      [5 / 12, 0, [1, 4, 5, 6, 7]], // tie at 0.1 split: entry 1 goes before entry 11
      [7 / 12, 0, [1, 3, 4, 5, 6, 7, 11]], // tie at 0.2 split: entry 3 goes, 9 and 10 stay
      [7 / 12, 1, [1, 3, 5, 6, 7, 9, 11]], // k_min 1 keeps 0.05 in the all-small row; the 0.2 tie reaches 9
    ];
    for (const [p, kMin, zeros] of cases) {
      const t = magPrune(hand, { sparsity: p, kMin, backend: be });
      const d = dense(t);
      expect(zerosOf(d)).toEqual(zeros);
      d.forEach((v, k) => {
        if (v !== 0) expect(v).toBe(hand.values[k]);
      });
      expect((await t.size()).sparsity).toBeCloseTo(zeros.length / 12, 12);
      t.dispose();
    }
  });

  it('k_min protection that leaves too few candidates zeroes fewer entries and reports the achieved sparsity', async () => {
    // Protecting 2 per row leaves 6 candidates for a target of 9 zeros; in row 2 the 0.2 tie protects column 1.
    const t = magPrune(hand, { sparsity: 0.75, kMin: 2, backend: be });
    expect(zerosOf(dense(t))).toEqual([1, 3, 6, 7, 10, 11]);
    expect(t.info).toEqual({ targetSparsity: 0.75, kMin: 2 });
    const s = (await t.size());
    expect(s.sparsity).toBe(0.5);
    expect(s.params).toBe(6);
    t.dispose();
  });

  it('matches the sorting oracle on random and tie-heavy tables for every k_min', () => {
    for (const [levels, p] of [
      [0, 0.8],
      [8, 0.5],
      [4, 0.95],
    ] as const) {
      const d = randomDense(23, 16, 17 + levels, levels);
      const pruner = new MagPruner(d, be);
      for (let kMin = 0; kMin <= 16; kMin += kMin < 4 ? 1 : 5) {
        const t = pruner.prune(p, kMin);
        const got = dense(t);
        const keep = oracleKeep(d, p, kMin);
        // + 0 turns a kept -0 (the grid has exact zeros) into the +0 that a CSR gather produces.
        got.forEach((v, k) => {
          expect(v).toBe((keep[k] === 1 ? d.values[k] : 0) + 0);
        });
        t.dispose();
      }
    }
  });

  it('lookup equals the rows of the dense table it represents, duplicates included', () => {
    const d = randomDense(40, 8, 3);
    const t = magPrune(d, { sparsity: 0.8, kMin: 1, backend: be });
    const all = dense(t);
    const ids = [39, 0, 7, 7, 21, 0];
    const got = lookupRows(t, ids);
    ids.forEach((id, i) => {
      expect(Array.from(got.subarray(i * 8, (i + 1) * 8))).toEqual(Array.from(all.subarray(id * 8, (id + 1) * 8)));
    });
    // k_min = 1: every row keeps at least one entry, its largest.
    for (let r = 0; r < 40; r++) expect(all.subarray(r * 8, (r + 1) * 8).some((v) => v !== 0)).toBe(true);
    t.dispose();
  });

  it('lands on 50/80/95% within 1% (exactly, when k_min does not bind) and counts index bytes', async () => {
    const d = randomDense(500, 64, 5);
    const n = 500 * 64;
    for (const p of [0.5, 0.8, 0.95]) {
      const kMin = maxKMin(64, p);
      expect(kMin).toBe(Math.floor(64 * (1 - p) + 1e-9));
      const t = magPrune(d, { sparsity: p, kMin, backend: be });
      const s = (await t.size());
      const budget = solveBudget({ method: 'magprune', rows: 500, dim: 64, sparsity: p });
      expect(budget.options).toEqual({ sparsity: p });
      expect(s.params).toBe(budget.params);
      expect(s.params).toBe(n - Math.round(p * n));
      expect(Math.abs(s.sparsity - p)).toBeLessThan(0.01 * (1 - p));
      expect(s.nonZeros).toBe(s.params);
      expect(s.indexBytes).toBe(4 * 501 + 4 * s.storedEntries);
      expect(s.memoryBytes).toBe(s.indexBytes + 4 * s.storedEntries);
      t.dispose();
    }
    expect(maxKMin(10, 0.9)).toBe(1);
  });

  it('k_min search picks the argmax of a unimodal validation curve; exhaustive agrees', async () => {
    const d = randomDense(30, 16, 9);
    // 50% of 16 dims: k_min in 0..8; the synthetic metric peaks at 5.
    const curve = (t: EmbeddingTable) => {
      const kMin = as(t, PrunedCsrTable).info.kMin!;
      return 1 - 0.01 * (kMin - 5) ** 2;
    };
    const bin = await magPruneSearch(d, { sparsity: 0.5, validate: curve, backend: be });
    const all = await magPruneSearch(d, { sparsity: 0.5, validate: curve, backend: be, strategy: 'exhaustive' });
    expect(bin.kMin).toBe(5);
    expect(all.kMin).toBe(5);
    expect(all.trials.map((x) => x.kMin)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(bin.trials.length).toBeLessThan(all.trials.length);
    expect(bin.table.info.kMin).toBe(5);
    expect(bits(dense(bin.table))).toEqual(bits(dense(magPrune(d, { sparsity: 0.5, kMin: 5, backend: be }))));
    bin.table.dispose();
    all.table.dispose();
  });

  it('searchKMin: binary equals exhaustive equals the argmax on random unimodal curves', async () => {
    const rng = new Rng(4);
    for (let trial = 0; trial < 200; trial++) {
      const maxK = rng.nextInt(20);
      const peak = rng.nextInt(maxK + 1);
      // Strictly rising to the peak, strictly falling after it, random step sizes.
      const f = new Array<number>(maxK + 1);
      f[peak] = 10;
      for (let k = peak - 1; k >= 0; k--) f[k] = f[k + 1] - (0.01 + rng.nextFloat());
      for (let k = peak + 1; k <= maxK; k++) f[k] = f[k - 1] - (0.01 + rng.nextFloat());
      const bin = await searchKMin((k) => f[k], maxK);
      const all = await searchKMin((k) => Promise.resolve(f[k]), maxK, 'exhaustive');
      expect(bin.kMin).toBe(peak);
      expect(all.kMin).toBe(peak);
      expect(new Set(bin.trials.map((t) => t.kMin)).size).toBe(bin.trials.length);
    }
    await expect(searchKMin(() => Number.NaN, 3)).rejects.toThrow(/not a number/);
  });

  it('serialises and restores bit-exactly through the registry; frozen; rejects bad ids', async () => {
    const full = new FullTable({ rows: 50, dim: 12, backend: be, seed: 8 });
    const t = createTable('magprune', { rows: 50, dim: 12, backend: be, seed: 0, source: full, sparsity: 0.8, kMin: 2, name: 'user' });
    expect(t).toBeInstanceOf(PrunedCsrTable);
    expect(bits(dense(t))).toEqual(bits(dense(magPrune(full, { sparsity: 0.8, kMin: 2 }))));
    const s = await t.serialize();
    const back = loadTable(s, be);
    expect(back).toBeInstanceOf(PrunedCsrTable);
    expect(bits(dense(back))).toEqual(bits(dense(t)));
    const s2 = await back.serialize();
    expect(s2.header).toEqual(s.header);
    for (const k of ['indptr', 'indices'] as const) expect(Array.from(s2.sections[k])).toEqual(Array.from(s.sections[k]));
    expect(bits(s2.sections.values as Float32Array)).toEqual(bits(s.sections.values as Float32Array));
    expect((await back.size())).toEqual((await t.size()));

    expect(t.parameters()).toEqual([]);
    expect(() => createTable('magprune', { rows: 50, dim: 12, backend: be, seed: 0, source: full })).toThrow(/sparsity must be a number in \[0, 1\], got undefined/);
    expect(() => createTable('magprune', { rows: 40, dim: 12, backend: be, seed: 0, source: full, sparsity: 0.5 })).toThrow(/source table is 50 x 12/);
    expect(() => magPrune(full, { sparsity: 0.5, kMin: 13 })).toThrow(/kMin must be an integer in \[0, 12\]/);
    const ids = be.upload('i32', [3, 50]);
    expect(() => {
      t.lookup(ids, be.alloc('f32', 24), evalCtx);
    }).toThrow(/id 50 at position 1 is out of range \[0, 50\)/);
    expect(() => {
      t.backward(ids, be.alloc('f32', 24));
    }).toThrow(RangeError);
    for (const x of [t, back, full]) x.dispose();
  });

  it('randprune zeroes exactly round(p n) entries, seeded, keeping the other values', async () => {
    const d = randomDense(200, 16, 12);
    const n = 200 * 16;
    const a = randPrune(d, { sparsity: 0.8, seed: 1, backend: be });
    const b = randPrune(d, { sparsity: 0.8, seed: 1, backend: be });
    const c = randPrune(d, { sparsity: 0.8, seed: 2, backend: be });
    const da = dense(a);
    expect(zerosOf(da).length).toBe(Math.round(0.8 * n));
    da.forEach((v, k) => {
      if (v !== 0) expect(v).toBe(d.values[k]);
    });
    expect(bits(dense(b))).toEqual(bits(da));
    expect(bits(dense(c))).not.toEqual(bits(da));
    expect((await a.size()).params).toBe(n - Math.round(0.8 * n));
    // Unstructured: zeros spread over columns about evenly (each column has 200 entries, ~160 zeroed).
    for (let col = 0; col < 16; col++) {
      let z = 0;
      for (let r = 0; r < 200; r++) if (da[r * 16 + col] === 0) z++;
      expect(z).toBeGreaterThan(130);
      expect(z).toBeLessThan(190);
    }
    // Magnitude pruning keeps far more weight mass than the random control.
    const mass = (v: Float32Array) => v.reduce((s, x) => s + Math.abs(x), 0);
    const m = magPrune(d, { sparsity: 0.8, backend: be });
    expect(mass(dense(m))).toBeGreaterThan(1.5 * mass(da));
    for (const x of [a, b, c, m]) x.dispose();
  });

  it('randprune round-trips through the registry', async () => {
    const t = createTable('randprune', { rows: 30, dim: 8, backend: be, seed: 6, sparsity: 0.5 });
    const back = loadTable(await t.serialize(), be);
    expect(back.method).toBe('randprune');
    expect(bits(dense(back))).toEqual(bits(dense(t)));
    t.dispose();
    back.dispose();
  });

  it('magprune-int8: zeros where MagPrune zeroes, kept values within scale/2 of the originals', () => {
    const d = randomDense(60, 16, 21);
    const p = 0.8;
    const pruned = magPrune(d, { sparsity: p, kMin: 1, backend: be });
    const q = magPruneInt8(d, { sparsity: p, kMin: 1, backend: be });
    const dp = dense(pruned);
    const dq = dense(q);
    for (let r = 0; r < 60; r++) {
      const kept = Array.from({ length: 16 }, (_, c) => r * 16 + c).filter((k) => dp[k] !== 0);
      const vals = kept.map((k) => dp[k]);
      const scale = (Math.max(...vals) - Math.min(...vals)) / 255;
      for (let c = 0; c < 16; c++) {
        const k = r * 16 + c;
        if (dp[k] === 0) expect(dq[k]).toBe(0);
        else expect(Math.abs(dq[k] - dp[k])).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    }
    // Forward equals the dense table it represents.
    const ids = [59, 2, 2, 0];
    const rows = lookupRows(q, ids);
    ids.forEach((id, i) => {
      expect(Array.from(rows.subarray(i * 16, (i + 1) * 16))).toEqual(Array.from(dq.subarray(id * 16, (id + 1) * 16)));
    });
    pruned.dispose();
    q.dispose();
  });

  it('magprune-int8: real bytes, size, serialization, registry and fromPruned agree; bad ids rejected', async () => {
    const d = randomDense(100, 64, 22);
    const t = createTable('magprune-int8', { rows: 100, dim: 64, backend: be, seed: 0, values: d.values, sparsity: 0.8, kMin: 3 });
    expect(t).toBeInstanceOf(PrunedInt8Table);
    const s = (await as(t, PrunedInt8Table).size());
    const stored = 6400 - Math.round(0.8 * 6400);
    expect(s.storedEntries).toBe(stored);
    expect(s.params).toBe(s.nonZeros);
    expect(s.params).toBeGreaterThan(stored - 20); // a kept value decodes to exactly 0 only by accident
    expect(s.bitWidth).toBe(8);
    expect(s.indexBytes).toBe(4 * 101 + stored); // one-byte columns for dim <= 256
    expect(s.valueBytes).toBe(stored + 8 * 100);
    expect(s.memoryBytes).toBeLessThan(0.2 * 4 * 6400);
    const source = magPrune(d, { sparsity: 0.8, kMin: 3, backend: be });
    const viaPruned = await PrunedInt8Table.fromPruned(source);
    expect(bits(dense(viaPruned))).toEqual(bits(dense(t)));
    const ser = await t.serialize();
    expect(ser.sections.indices).toBeInstanceOf(Uint8Array);
    const back = loadTable(ser, be);
    expect(bits(dense(back))).toEqual(bits(dense(t)));
    const ser2 = await back.serialize();
    expect(ser2.header).toEqual(ser.header);
    for (const k of Object.keys(ser.sections)) expect(Array.from(ser2.sections[k])).toEqual(Array.from(ser.sections[k]));
    expect(() => lookupRows(t, [0, -1])).toThrow(/id -1 at position 1 is out of range \[0, 100\)/);
    expect(() => loadTable({ ...ser, sections: { ...ser.sections, indices: new Uint8Array(stored).fill(64) } }, be)).toThrow(/out of range or not ascending/);
    for (const x of [t, source, viaPruned, back]) x.dispose();
  });
});
