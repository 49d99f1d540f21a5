import { beforeAll, describe, expect, it } from 'vitest';
import type { Csr, HostBackend, HostCsr } from '../src/index.js';
import { denseOf, randomHostCsr, randomSparseCsr, skewedSparseCsr } from './csr-helpers.js';
import { expectClose, getBackends, randomFloats, randomInts, UNDER_TEST, type Backends } from './harness.js';
import { expectBitExact } from './bit-exact.js';

let B: Backends;
beforeAll(async () => {
  B = await getBackends();
});

const ALL = ['reference', ...UNDER_TEST] as const;

/** What uploadCsr accepts: typed or plain arrays. */
type CsrInput = Parameters<HostBackend['uploadCsr']>[0];

function freeAll(be: HostBackend, csr: Csr, ...bufs: Parameters<HostBackend['free']>[0][]): void {
  be.freeCsr(csr);
  for (const b of bufs) be.free(b);
}

function runSpmm(be: HostBackend, host: CsrInput, n: number, alpha: number, beta: number, seed: number): Float32Array {
  const a = be.uploadCsr(host);
  const b = be.upload('f32', randomFloats(host.cols * n, seed));
  const out = be.upload('f32', randomFloats(host.rows * n, seed + 1));
  be.spmm(a, b, n, alpha, beta, out);
  const result = be.view(out).slice();
  freeAll(be, a, b, out);
  return result;
}

function runGatherRows(be: HostBackend, host: CsrInput, ids: Int32Array): Float32Array {
  const a = be.uploadCsr(host);
  const idBuf = be.upload('i32', ids);
  const out = be.upload('f32', randomFloats(ids.length * host.cols, 3));
  be.csrGatherRows(a, idBuf, out);
  const result = be.view(out).slice();
  freeAll(be, a, idBuf, out);
  return result;
}

/** Reads back a backend CSR as host arrays (and frees it). */
async function readCsr(be: HostBackend, csr: Csr): Promise<HostCsr> {
  const host = { rows: csr.rows, cols: csr.cols, indptr: await be.read(csr.indptr), indices: await be.read(csr.indices), values: await be.read(csr.values) };
  be.freeCsr(csr);
  return host;
}

function expectSameCsr(got: HostCsr, want: HostCsr, label: string): void {
  expect([got.rows, got.cols], label).toEqual([want.rows, want.cols]);
  expectBitExact(got.indptr, want.indptr, `${label} indptr`);
  expectBitExact(got.indices, want.indices, `${label} indices`);
  expectBitExact(got.values, want.values, `${label} values`);
}

describe('uploadCsr / freeCsr', () => {
  it('round-trips the three arrays and frees them', async () => {
    const host = randomHostCsr(9, 7, 0.3, 1);
    for (const name of ALL) {
      const be = B[name];
      const csr = be.uploadCsr(host);
      expect([csr.rows, csr.cols], name).toEqual([9, 7]);
      expectSameCsr(await readCsr(be, csr), host, name);
      expect(() => be.view(csr.values), name).toThrow(/freed/);
    }
  });

  it('rejects malformed host CSRs with a message naming the problem', () => {
    const good = { rows: 2, cols: 3, indptr: [0, 1, 3], indices: [2, 0, 1], values: [1, 2, 3] };
    const cases: [Partial<typeof good>, RegExp][] = [
      [{ indptr: [0, 1] }, /indptr must have rows \+ 1 = 3 entries/],
      [{ indptr: [1, 1, 3] }, /indptr\[0\] must be 0/],
      [{ indptr: [0, 2, 1] }, /indptr\[rows\] must equal the number of entries 3/],
      [{ indptr: [0, 4, 3], indices: [2, 0, 1, 1], values: [1, 2, 3, 4] }, /indptr\[rows\] must equal the number of entries 4/],
      [{ rows: 3, indptr: [0, 2, 1, 3], indices: [0, 2, 1] }, /indptr must be non-decreasing integers: indptr\[2\] = 1 after 2/],
      [{ indices: [3, 0, 1] }, /column 3 at entry 0 \(row 0\) is out of range \[0, 3\)/],
      [{ indices: [2, 1, 0] }, /columns must be ascending within a row: entry 2 \(row 1\) has 0 after 1/],
      [{ values: [1, 2] }, /indices and values differ in length/],
    ];
    for (const name of ALL) {
      for (const [patch, msg] of cases) expect(() => B[name].uploadCsr({ ...good, ...patch }), `${name} ${String(msg)}`).toThrow(msg);
      expect(() => B[name].uploadCsr(good), name).not.toThrow();
    }
  });
});

describe('spmm', () => {
  const mats: [number, number, number][] = [[0, 5, 0.5], [1, 1, 1], [3, 4, 0], [7, 9, 0.4], [20, 13, 0.15], [33, 70, 0.05]];
  const widths = [0, 1, 3, 4, 5, 17, 32, 33, 64, 70];
  for (const name of UNDER_TEST) {
    for (const [rows, cols, density] of mats) {
      it(`${name} ${rows}x${cols} density ${density}, n in ${widths.join(',')}`, () => {
        const host = randomHostCsr(rows, cols, density, rows * 13 + cols);
        for (const n of widths) {
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
            const want = runSpmm(B.reference, host, n, alpha, beta, n + 1);
            const got = runSpmm(B[name], host, n, alpha, beta, n + 1);
            expectClose(got, want, 1e-5, 1e-5 * Math.max(1, cols * density), `${name} n=${n} alpha=${alpha} beta=${beta}`);
          }
        }
      });
    }
  }

  it('hand-computed product, beta = 0 ignoring NaN in out', () => {
    // A = [[1, 0, 2], [0, 0, 0], [0, 3, 0]], B = [[1, 2], [3, 4], [5, 6]]
    const host = { rows: 3, cols: 3, indptr: [0, 2, 2, 3], indices: [0, 2, 1], values: [1, 2, 3] };
    for (const name of ALL) {
      const be = B[name];
      const a = be.uploadCsr(host);
      const b = be.upload('f32', [1, 2, 3, 4, 5, 6]);
      const out = be.upload('f32', [NaN, NaN, NaN, NaN, NaN, NaN]);
      be.spmm(a, b, 2, 1, 0, out);
      expect([...be.view(out)], name).toEqual([11, 14, 0, 0, 9, 12]);
      be.spmm(a, b, 2, 2, -1, out);
      expect([...be.view(out)], name).toEqual([11, 14, 0, 0, 9, 12]);
    }
  });

  it('gives each element the bits of a sequential f32 sum in CSR order, then alpha * sum + beta * c', () => {
    // The order every SIMD column block must keep (the reference sums in f64, so it is not
    // bit-exact): odd and even non-zero counts, widths covering the 16-, 4- and 1-column blocks.
    const host = randomSparseCsr(301, 250, (r) => r % 8, 21);
    const f = Math.fround;
    for (const n of [64, 37, 16, 5]) {
      for (const [alpha, beta] of [[0.7, 0], [0.7, -1.5]]) {
        const b = randomFloats(host.cols * n, 22), c = randomFloats(host.rows * n, 23);
        const want = new Float32Array(host.rows * n);
        for (let r = 0; r < host.rows; r++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = host.indptr[r]; p < host.indptr[r + 1]; p++) s = f(s + f(f(host.values[p]) * b[host.indices[p] * n + j]));
            want[r * n + j] = beta === 0 ? f(f(alpha) * s) : f(f(f(alpha) * s) + f(f(beta) * c[r * n + j]));
          }
        }
        for (const name of UNDER_TEST) {
          const be = B[name];
          const a = be.uploadCsr(host), bb = be.upload('f32', b), out = be.upload('f32', c);
          be.spmm(a, bb, n, alpha, beta, out);
          expectBitExact(be.view(out).slice(), want, `${name} n=${n} beta=${beta}`);
          freeAll(be, a, bb, out);
        }
      }
    }
  });

  it('is identical with 1 and 2 threads on a LightGCN-like propagation (n = 64)', () => {
    const host = randomSparseCsr(3001, 2500, 20, 7);
    expectBitExact(runSpmm(B.threaded, host, 64, 0.7, 0.5, 8), runSpmm(B.wasm, host, 64, 0.7, 0.5, 8), 'threads');
    expectClose(runSpmm(B.wasm, host, 64, 0.7, 0.5, 8), runSpmm(B.reference, host, 64, 0.7, 0.5, 8), 1e-5, 1e-5, 'large');
  });

  it('is identical with 1 and 2 threads when a few rows hold most non-zeros (split by non-zeros)', () => {
    const host = skewedSparseCsr(3001, 2500, 9);
    for (const n of [64, 37]) {
      const one = runSpmm(B.wasm, host, n, 0.7, 0.5, 10);
      expectBitExact(runSpmm(B.threaded, host, n, 0.7, 0.5, 10), one, `threads n=${n}`);
      expectClose(one, runSpmm(B.reference, host, n, 0.7, 0.5, 10), 1e-5, 1e-5, `reference n=${n}`);
    }
  });

  it('with an addend: the same bits as copying it into out first, the addend untouched', () => {
    for (const [host, n] of [[randomHostCsr(33, 70, 0.1, 4), 37], [skewedSparseCsr(3001, 2500, 12), 64]] as const) {
      const c = randomFloats(host.rows * n, 40);
      const withAddend = (be: HostBackend, intoOut: boolean) => {
        const a = be.uploadCsr(host);
        const b = be.upload('f32', randomFloats(host.cols * n, 41));
        const addend = be.upload('f32', c);
        const out = be.upload('f32', intoOut ? c : randomFloats(host.rows * n, 42));
        if (intoOut) be.spmm(a, b, n, 0.7, -1.5, out);
        else be.spmm(a, b, n, 0.7, -1.5, out, addend);
        const result = [be.view(out).slice(), be.view(addend).slice()];
        freeAll(be, a, b, addend, out);
        return result;
      };
      for (const name of ALL) {
        const [got, addendAfter] = withAddend(B[name], false);
        expectBitExact(got, withAddend(B[name], true)[0], `${name} rows=${host.rows}`);
        expectBitExact(addendAfter, c, `${name} addend`);
        if (name !== 'reference') expectClose(got, withAddend(B.reference, false)[0], 1e-5, 1e-5 * n, `${name} vs reference`);
      }
      expectBitExact(withAddend(B.threaded, false)[0], withAddend(B.wasm, false)[0], 'threads');
    }
  });

  it('with an addend that is B itself (LightGCN\'s first layer, x + A x)', () => {
    const host = randomHostCsr(20, 20, 0.3, 8);
    const run = (be: HostBackend) => {
      const a = be.uploadCsr(host);
      const x = be.upload('f32', randomFloats(20 * 5, 9));
      const out = be.alloc('f32', 20 * 5);
      be.spmm(a, x, 5, 1, 1, out, x);
      const result = be.view(out).slice();
      freeAll(be, a, x, out);
      return result;
    };
    const dense = denseOf(host);
    const x = randomFloats(20 * 5, 9);
    const want = new Float64Array(20 * 5);
    for (let r = 0; r < 20; r++) for (let j = 0; j < 5; j++) {
      let s = x[r * 5 + j];
      for (let k = 0; k < 20; k++) s += dense[r * 20 + k] * x[k * 5 + j];
      want[r * 5 + j] = s;
    }
    for (const name of ALL) expectClose(run(B[name]), want, 1e-5, 1e-5, name);
  });

  it('rejects mismatched shapes and aliasing', () => {
    const be = B.wasm;
    const a = be.uploadCsr({ rows: 2, cols: 3, indptr: [0, 1, 2], indices: [0, 1], values: [1, 1] });
    const b = be.alloc('f32', 6);
    expect(() => { be.spmm(a, b, 2, 1, 0, be.alloc('f32', 3)); }).toThrow(/spmm: out must have 4 elements/);
    expect(() => { be.spmm(a, b, 3, 1, 0, be.alloc('f32', 6)); }).toThrow(/spmm: B must have 9 elements/);
    const square = be.uploadCsr({ rows: 3, cols: 3, indptr: [0, 0, 0, 0], indices: [], values: [] });
    expect(() => { be.spmm(square, b, 2, 1, 0, b); }).toThrow(/spmm: out must not alias B/);
    expect(() => { be.spmm(a, b, 2, 1, 1, be.alloc('f32', 4), be.alloc('f32', 6)); }).toThrow(/spmm: addend must have 4 elements/);
    expect(() => { be.spmm({ ...a, rows: 3 }, b, 2, 1, 0, be.alloc('f32', 6)); }).toThrow(/spmm: indptr must have 4 elements/);
    expect(() => { be.spmm(B.reference.uploadCsr({ rows: 2, cols: 3, indptr: [0, 0, 0], indices: [], values: [] }), b, 2, 1, 0, be.alloc('f32', 4)); }).toThrow(/another backend/);
  });
});

describe('csrGatherRows', () => {
  for (const name of UNDER_TEST) {
    for (const [rows, cols, density, n] of [[1, 1, 1, 0], [1, 1, 1, 3], [6, 5, 0.5, 9], [20, 37, 0.2, 50], [50, 130, 0.05, 17]]) {
      it(`${name} ${rows}x${cols} density ${density}, ${n} ids`, () => {
        const host = randomHostCsr(rows, cols, density, rows + cols);
        const ids = randomInts(n, rows, n);
        expectBitExact(runGatherRows(B[name], host, ids), runGatherRows(B.reference, host, ids), name);
      });
    }
  }

  it('hand-computed rows, duplicate entries added up', () => {
    const host = { rows: 2, cols: 3, indptr: [0, 3, 4], indices: [0, 2, 2, 1], values: [1, 2, 3, 4] };
    for (const name of ALL) {
      expect([...runGatherRows(B[name], host, Int32Array.from([1, 0, 1]))], name).toEqual([0, 4, 0, 1, 0, 5, 0, 4, 0]);
    }
  });

  it('matches the dense form of the matrix', () => {
    const host = randomHostCsr(15, 11, 0.3, 5);
    const dense = denseOf(host);
    const ids = randomInts(30, 15, 6);
    const got = runGatherRows(B.wasm, host, ids);
    for (let i = 0; i < ids.length; i++) expectClose(got.subarray(i * 11, (i + 1) * 11), dense.subarray(ids[i] * 11, (ids[i] + 1) * 11), 0, 0, `row ${i}`);
  });

  it('is identical with 1 and 2 threads on a large batch', () => {
    const host = randomSparseCsr(2000, 300, 10, 3);
    const ids = randomInts(3000, 2000, 4);
    expectBitExact(runGatherRows(B.threaded, host, ids), runGatherRows(B.wasm, host, ids), 'threads');
  });

  it('is identical with 1 and 2 threads when a few rows hold most non-zeros', () => {
    const host = skewedSparseCsr(2000, 900, 5);
    const ids = randomInts(3000, 2000, 6);
    ids.subarray(0, 1000).fill(7); // the first thousand output rows all copy one of the heavy rows
    const one = runGatherRows(B.wasm, host, ids);
    expectBitExact(runGatherRows(B.threaded, host, ids), one, 'threads');
    expectBitExact(one, runGatherRows(B.reference, host, ids), 'reference');
  });

  it('rejects a bad id before writing, and a mismatched out', () => {
    for (const name of ALL) {
      const be = B[name];
      const a = be.uploadCsr({ rows: 2, cols: 2, indptr: [0, 1, 2], indices: [0, 1], values: [1, 1] });
      const out = be.upload('f32', [7, 7, 7, 7]);
      expect(() => { be.csrGatherRows(a, be.upload('i32', [1, 2]), out); }, name).toThrow(/csrGatherRows: id 2 at position 1 is out of range \[0, 2\)/);
      expect([...be.view(out)], name).toEqual([7, 7, 7, 7]);
      expect(() => { be.csrGatherRows(a, be.upload('i32', [1]), out); }, name).toThrow(/csrGatherRows: out must have 2 elements/);
    }
  });
});

describe('denseToCsr', () => {
  /** A matrix with zeros, small and large entries, and a NaN (never kept by the threshold). */
  function matrix(rows: number, cols: number, seed: number): Float32Array {
    const x = randomFloats(rows * cols, seed);
    for (let i = 0; i < x.length; i += 3) x[i] = 0;
    if (x.length > 5) x[5] = NaN;
    return x;
  }

  for (const name of UNDER_TEST) {
    for (const [rows, cols] of [[0, 4], [3, 0], [1, 1], [1, 3], [4, 5], [7, 17], [16, 64], [9, 100]]) {
      it(`${name} ${rows}x${cols}, threshold and mask`, async () => {
        const x = matrix(rows, cols, rows * 100 + cols);
        const maskHost = Uint8Array.from(randomInts(rows * cols, 3, 9)).map((v) => (v === 0 ? 0 : v * 100));
        for (const threshold of [0, 0.5, -1]) {
          const run = async (be: HostBackend) => readCsr(be, await be.denseToCsr(rows, cols, be.upload('f32', x), { threshold }));
          expectSameCsr(await run(B[name]), await run(B.reference), `${name} threshold ${threshold}`);
        }
        const run = async (be: HostBackend) => readCsr(be, await be.denseToCsr(rows, cols, be.upload('f32', x), { mask: be.upload('u8', maskHost) }));
        expectSameCsr(await run(B[name]), await run(B.reference), `${name} mask`);
      });
    }
  }

  it('hand-computed threshold and mask, and a round trip through csrGatherRows', async () => {
    const x = [0, -2, 0.5, 3, 0, NaN];
    for (const name of ALL) {
      const be = B[name];
      const byThreshold = await readCsr(be, await be.denseToCsr(2, 3, be.upload('f32', x), { threshold: 0.5 }));
      expect([[...byThreshold.indptr], [...byThreshold.indices], [...byThreshold.values]], name).toEqual([[0, 1, 2], [1, 0], [-2, 3]]);
      const byMask = await readCsr(be, await be.denseToCsr(2, 3, be.upload('f32', x), { mask: be.upload('u8', [1, 0, 255, 0, 0, 7]) }));
      expect([[...byMask.indptr], [...byMask.indices], [...byMask.values]], name).toEqual([[0, 2, 3], [0, 2, 2], [0, 0.5, NaN]]);
      const kept = await be.denseToCsr(2, 3, be.upload('f32', x), { threshold: -Infinity });
      const out = be.alloc('f32', 6);
      be.csrGatherRows(kept, be.upload('i32', [0, 1]), out);
      expect([...be.view(out)], name).toEqual([0, -2, 0.5, 3, 0, 0]);
    }
  });

  it('is identical with 1 and 2 threads on a large matrix', async () => {
    const x = matrix(1000, 300, 4);
    const run = async (be: HostBackend) => readCsr(be, await be.denseToCsr(1000, 300, be.upload('f32', x), { threshold: 0.3 }));
    expectSameCsr(await run(B.threaded), await run(B.wasm), 'threads');
    const mask = Uint8Array.from(randomInts(300_000, 2, 5));
    const runMask = async (be: HostBackend) => readCsr(be, await be.denseToCsr(1000, 300, be.upload('f32', x), { mask: be.upload('u8', mask) }));
    expectSameCsr(await runMask(B.threaded), await runMask(B.wasm), 'threads mask');
  });

  it('rejects bad shapes, a bad mask and a NaN threshold', async () => {
    const be = B.wasm;
    const x = be.alloc('f32', 6);
    await expect(be.denseToCsr(2, 2, x, { threshold: 0 })).rejects.toThrow(/denseToCsr: x must have 4 elements/);
    await expect(be.denseToCsr(2, 3, x, { threshold: NaN })).rejects.toThrow(/threshold must be a number/);
    await expect(be.denseToCsr(2, 3, x, { mask: be.alloc('u8', 5) })).rejects.toThrow(/denseToCsr: mask must have 6 elements/);
    await expect(be.denseToCsr(2, 3, x, { mask: be.alloc('i8', 6) as never })).rejects.toThrow(/mask must be u8/);
  });
});
