import type { CompressionOps, ThresholdGranularity, TtShape } from '../../ops/compression.js';
import type { Buf } from '../../types.js';
import { idOutOfRange, KernelArgumentError } from '../../validate/common.js';
import type { ReferenceCore } from '../core.js';

/**
 * Plain TypeScript compression primitives: TT rows as one chain of vector-matrix products per
 * output element (f64), DHE with BigInt, selection by sorting. Accumulating kernels sum in f64 and
 * add to the target once.
 */
export function referenceCompression(core: ReferenceCore): CompressionOps {
  const f32 = (b: Buf<'f32'>) => core.data(b);
  const checkIds = (op: string, ids: Int32Array, rows: number) => {
    for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= rows) throw idOutOfRange(op, i, ids[i], rows);
  };
  return {
    qrCombine(op, r, m, q, qRows, partDim, ids, out) {
      const R = f32(r), Q = f32(q), I = core.data(ids), O = f32(out);
      checkIds('qrCombine', I, m * qRows);
      const width = op === 'concat' ? 2 * partDim : partDim;
      for (let i = 0; i < I.length; i++) {
        const ri = I[i] % m, qi = Math.floor(I[i] / m);
        for (let c = 0; c < partDim; c++) {
          const a = R[ri * partDim + c], b = Q[qi * partDim + c];
          if (op === 'mult') O[i * width + c] = a * b;
          else if (op === 'add') O[i * width + c] = a + b;
          else {
            O[i * width + c] = a;
            O[i * width + partDim + c] = b;
          }
        }
      }
    },
    qrCombineBackward(op, r, m, q, qRows, partDim, ids, dOut, dR, dQ) {
      const R = f32(r), Q = f32(q), I = core.data(ids), G = f32(dOut);
      checkIds('qrCombineBackward', I, m * qRows);
      const width = op === 'concat' ? 2 * partDim : partDim;
      const accR = new Float64Array(m * partDim), accQ = new Float64Array(qRows * partDim);
      for (let i = 0; i < I.length; i++) {
        const ri = I[i] % m, qi = Math.floor(I[i] / m);
        for (let c = 0; c < partDim; c++) {
          const g = G[i * width + c];
          if (op === 'mult') {
            accR[ri * partDim + c] += g * Q[qi * partDim + c];
            accQ[qi * partDim + c] += g * R[ri * partDim + c];
          } else if (op === 'add') {
            accR[ri * partDim + c] += g;
            accQ[qi * partDim + c] += g;
          } else {
            accR[ri * partDim + c] += g;
            accQ[qi * partDim + c] += G[i * width + partDim + c];
          }
        }
      }
      addInto(f32(dR), accR);
      addInto(f32(dQ), accQ);
    },
    ttRows(shape, cores, ids, out) {
      const I = core.data(ids), O = f32(out);
      const C = cores.map(f32);
      const width = product(shape.q);
      checkIds('ttRows', I, product(shape.p));
      for (let i = 0; i < I.length; i++) {
        const rowDigits = digits(I[i], shape.p);
        for (let j = 0; j < width; j++) {
          const colDigits = digits(j, shape.q);
          O[i * width + j] = chain(shape, C, rowDigits, colDigits, 0, shape.p.length)[0];
        }
      }
    },
    ttRowsBackward(shape, cores, ids, dOut, dCores) {
      const I = core.data(ids), G = f32(dOut);
      const C = cores.map(f32);
      const K = shape.p.length;
      const width = product(shape.q);
      checkIds('ttRowsBackward', I, product(shape.p));
      const acc = C.map((c) => new Float64Array(c.length));
      for (let i = 0; i < I.length; i++) {
        const rd = digits(I[i], shape.p);
        for (let j = 0; j < width; j++) {
          const cd = digits(j, shape.q);
          const g = G[i * width + j];
          // d out[j] / d core_k[a, i_k, j_k, b] = left_k[a] * right_k[b].
          for (let k = 0; k < K; k++) {
            const left = chain(shape, C, rd, cd, 0, k); // 1 x ranks[k]
            const right = chainRight(shape, C, rd, cd, k + 1); // ranks[k+1] x 1
            for (let a = 0; a < shape.ranks[k]; a++) {
              for (let b = 0; b < shape.ranks[k + 1]; b++) acc[k][coreIndex(shape, k, a, rd[k], cd[k], b)] += g * left[a] * right[b];
            }
          }
        }
      }
      dCores.forEach((d, k) => { addInto(f32(d), acc[k]); });
    },
    dheEncode(ids, a, b, p, m, out) {
      const I = core.data(ids), A = core.data(a), Bv = core.data(b), P = core.data(p), O = f32(out);
      const k = A.length;
      for (let i = 0; i < I.length; i++) if (I[i] < 0) throw idOutOfRange('dheEncode', i, I[i], 2 ** 31);
      for (let j = 0; j < k; j++) if (P[j] === 0) throw new KernelArgumentError('dheEncode', `p[${j}] must be positive`);
      for (let i = 0; i < I.length; i++) {
        for (let j = 0; j < k; j++) {
          const h = Number(((BigInt(A[j]) * BigInt(I[i]) + BigInt(Bv[j])) % BigInt(P[j])) % BigInt(m));
          O[i * k + j] = (2 * h) / (m - 1) - 1;
        }
      }
    },
    softThreshold(w, s, rows, dim, granularity, out) {
      const W = f32(w), S = f32(s), O = f32(out);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < dim; c++) {
          const v = W[r * dim + c];
          const t = sigmoid(S[thresholdIndex(granularity, r, c, dim)]);
          O[r * dim + c] = Math.sign(v) * Math.max(Math.abs(v) - t, 0);
        }
      }
    },
    softThresholdBackward(w, s, rows, dim, granularity, dOut, dW, dS) {
      const W = f32(w), S = f32(s), G = f32(dOut), DW = f32(dW);
      const acc = new Float64Array(S.length);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < dim; c++) {
          const e = r * dim + c;
          const si = thresholdIndex(granularity, r, c, dim);
          const t = sigmoid(S[si]);
          const on = Math.abs(W[e]) > t ? 1 : 0;
          DW[e] = on ? G[e] : 0;
          acc[si] += -G[e] * Math.sign(W[e]) * on * t * (1 - t);
        }
      }
      addInto(f32(dS), acc);
    },
    kthSmallestAbs(x, k, out) {
      const sorted = f32(x).map((v) => Math.abs(v)).sort(); // typed-array sort: numeric, NaN last
      f32(out)[0] = sorted[k - 1];
    },
  };
}

function addInto(target: Float32Array, acc: Float64Array): void {
  for (let i = 0; i < acc.length; i++) target[i] += acc[i];
}

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/** Mixed-radix digits of x over radices, the first most significant. */
function digits(x: number, radices: readonly number[]): number[] {
  const out = new Array<number>(radices.length);
  let rest = x;
  for (let k = radices.length - 1; k >= 0; k--) {
    out[k] = rest % radices[k];
    rest = Math.floor(rest / radices[k]);
  }
  return out;
}

/** Index of core_k[a, i, j, b] in its row-major [ranks[k], p[k], q[k], ranks[k+1]] layout. */
function coreIndex(shape: TtShape, k: number, a: number, i: number, j: number, b: number): number {
  return ((a * shape.p[k] + i) * shape.q[k] + j) * shape.ranks[k + 1] + b;
}

/** Row vector (1 x ranks[to]) = product of the slices of cores [from, to), starting from [1]. */
function chain(shape: TtShape, cores: Float32Array[], rd: number[], cd: number[], from: number, to: number): Float64Array {
  let v = Float64Array.of(1);
  for (let k = from; k < to; k++) {
    const next = new Float64Array(shape.ranks[k + 1]);
    for (let a = 0; a < shape.ranks[k]; a++) {
      for (let b = 0; b < shape.ranks[k + 1]; b++) next[b] += v[a] * cores[k][coreIndex(shape, k, a, rd[k], cd[k], b)];
    }
    v = next;
  }
  return v;
}

/** Column vector (ranks[from] x 1) = product of the slices of cores [from, K), ending in [1]. */
function chainRight(shape: TtShape, cores: Float32Array[], rd: number[], cd: number[], from: number): Float64Array {
  let v = Float64Array.of(1);
  for (let k = shape.p.length - 1; k >= from; k--) {
    const next = new Float64Array(shape.ranks[k]);
    for (let a = 0; a < shape.ranks[k]; a++) {
      for (let b = 0; b < shape.ranks[k + 1]; b++) next[a] += cores[k][coreIndex(shape, k, a, rd[k], cd[k], b)] * v[b];
    }
    v = next;
  }
  return v;
}

function sigmoid(s: number): number {
  return 1 / (1 + Math.exp(-s));
}

/** Index into s of element (r, c) under a granularity. */
function thresholdIndex(granularity: ThresholdGranularity, r: number, c: number, dim: number): number {
  if (granularity === 'element') return r * dim + c;
  if (granularity === 'row') return r;
  if (granularity === 'dim') return c;
  return 0;
}
