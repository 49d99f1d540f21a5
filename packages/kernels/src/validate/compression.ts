import type { CompressionOps, QrOp, ThresholdGranularity, TtShape } from '../ops/compression.js';
import type { Buf } from '../types.js';
import { atLeast, dims, dtypeOf, ensure, exactly, KernelArgumentError } from './common.js';

const QR_OPS: readonly QrOp[] = ['mult', 'add', 'concat'];
const GRANULARITIES: readonly ThresholdGranularity[] = ['element', 'row', 'dim', 'global'];

/** Wraps a CompressionOps implementation with shape, dtype and parameter checks. */
export function checkedCompression(impl: CompressionOps): CompressionOps {
  return {
    qrCombine(op, r, m, q, qRows, partDim, ids, out) {
      qrShapes('qrCombine', op, r, m, q, qRows, partDim, ids);
      exactly('qrCombine', 'out', out, ids.length * qrWidth(op, partDim), 'f32');
      impl.qrCombine(op, r, m, q, qRows, partDim, ids, out);
    },
    qrCombineBackward(op, r, m, q, qRows, partDim, ids, dOut, dR, dQ) {
      qrShapes('qrCombineBackward', op, r, m, q, qRows, partDim, ids);
      exactly('qrCombineBackward', 'dOut', dOut, ids.length * qrWidth(op, partDim), 'f32');
      exactly('qrCombineBackward', 'dR', dR, m * partDim, 'f32');
      exactly('qrCombineBackward', 'dQ', dQ, qRows * partDim, 'f32');
      ensure('qrCombineBackward', dR !== dQ, 'dR and dQ must be different buffers');
      impl.qrCombineBackward(op, r, m, q, qRows, partDim, ids, dOut, dR, dQ);
    },
    ttRows(shape, cores, ids, out) {
      ttCores('ttRows', shape, cores, 'cores');
      dtypeOf('ttRows', 'ids', ids, 'i32');
      exactly('ttRows', 'out', out, ids.length * ttWidth(shape), 'f32');
      impl.ttRows(shape, cores, ids, out);
    },
    ttRowsBackward(shape, cores, ids, dOut, dCores) {
      ttCores('ttRowsBackward', shape, cores, 'cores');
      ttCores('ttRowsBackward', shape, dCores, 'dCores');
      ensure('ttRowsBackward', dCores.every((d) => !cores.includes(d)), 'dCores must not alias cores');
      dtypeOf('ttRowsBackward', 'ids', ids, 'i32');
      exactly('ttRowsBackward', 'dOut', dOut, ids.length * ttWidth(shape), 'f32');
      impl.ttRowsBackward(shape, cores, ids, dOut, dCores);
    },
    dheEncode(ids, a, b, p, m, out) {
      dtypeOf('dheEncode', 'ids', ids, 'i32');
      dtypeOf('dheEncode', 'a', a, 'u32');
      exactly('dheEncode', 'b', b, a.length, 'u32');
      exactly('dheEncode', 'p', p, a.length, 'u32');
      ensure('dheEncode', Number.isInteger(m) && m >= 2 && m <= 0xffffffff, `m must be an integer in [2, 2^32), got ${m}`);
      exactly('dheEncode', 'out', out, ids.length * a.length, 'f32');
      impl.dheEncode(ids, a, b, p, m, out);
    },
    softThreshold(w, s, rows, dim, granularity, out) {
      thresholdShapes('softThreshold', w, s, rows, dim, granularity);
      exactly('softThreshold', 'out', out, rows * dim, 'f32');
      impl.softThreshold(w, s, rows, dim, granularity, out);
    },
    softThresholdBackward(w, s, rows, dim, granularity, dOut, dW, dS) {
      thresholdShapes('softThresholdBackward', w, s, rows, dim, granularity);
      exactly('softThresholdBackward', 'dOut', dOut, rows * dim, 'f32');
      exactly('softThresholdBackward', 'dW', dW, rows * dim, 'f32');
      exactly('softThresholdBackward', 'dS', dS, s.length, 'f32');
      ensure('softThresholdBackward', dS !== s && dS !== w && dS !== dOut && dS !== dW, 'dS must not alias an input or dW');
      impl.softThresholdBackward(w, s, rows, dim, granularity, dOut, dW, dS);
    },
    kthSmallestAbs(x, k, out) {
      dtypeOf('kthSmallestAbs', 'x', x, 'f32');
      ensure('kthSmallestAbs', Number.isInteger(k) && k >= 1 && k <= x.length, `k must be an integer in [1, ${x.length}], got ${k}`);
      atLeast('kthSmallestAbs', 'out', out, 1, 'f32');
      impl.kthSmallestAbs(x, k, out);
    },
  };
}

/** Elements of core k of a TT table: ranks[k] * p[k] * q[k] * ranks[k+1]. */
function ttCoreLength(shape: TtShape, k: number): number {
  return shape.ranks[k] * shape.p[k] * shape.q[k] * shape.ranks[k + 1];
}

/** Columns of a TT table: prod(q). */
function ttWidth(shape: TtShape): number {
  return shape.q.reduce((a, b) => a * b, 1);
}

/** Rows a TT table can address: prod(p). */
export function ttCapacity(shape: TtShape): number {
  return shape.p.reduce((a, b) => a * b, 1);
}

function qrWidth(op: QrOp, partDim: number): number {
  return op === 'concat' ? 2 * partDim : partDim;
}

function qrShapes(op: string, qrOp: QrOp, r: Buf, m: number, q: Buf, qRows: number, partDim: number, ids: Buf): void {
  ensure(op, QR_OPS.includes(qrOp), `op must be one of ${QR_OPS.join(', ')}, got ${qrOp}`);
  dims(op, { m, qRows, partDim });
  exactly(op, 'R', r, m * partDim, 'f32');
  exactly(op, 'Q', q, qRows * partDim, 'f32');
  dtypeOf(op, 'ids', ids, 'i32');
}

function ttCores(op: string, shape: TtShape, cores: readonly Buf[], name: string): void {
  const K = shape.p.length;
  ensure(op, K >= 2 && K <= 4, `a TT shape needs 2 to 4 cores, got ${K}`);
  ensure(op, shape.q.length === K && shape.ranks.length === K + 1, `q needs ${K} entries and ranks ${K + 1}, got ${shape.q.length} and ${shape.ranks.length}`);
  for (const [label, values] of [['p', shape.p], ['q', shape.q], ['ranks', shape.ranks]] as const) {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 1) throw new KernelArgumentError(op, `${label} entries must be positive integers, got ${v}`);
    }
  }
  ensure(op, shape.ranks[0] === 1 && shape.ranks[K] === 1, 'ranks must start and end with 1');
  ensure(op, cores.length === K, `${name} needs ${K} buffers, got ${cores.length}`);
  for (let k = 0; k < K; k++) exactly(op, `${name}[${k}]`, cores[k], ttCoreLength(shape, k), 'f32');
}

function thresholdShapes(op: string, w: Buf, s: Buf, rows: number, dim: number, granularity: ThresholdGranularity): void {
  ensure(op, GRANULARITIES.includes(granularity), `granularity must be one of ${GRANULARITIES.join(', ')}, got ${granularity}`);
  dims(op, { rows, dim });
  exactly(op, 'w', w, rows * dim, 'f32');
  const sLength = granularity === 'element' ? rows * dim : granularity === 'row' ? rows : granularity === 'dim' ? dim : 1;
  exactly(op, 's', s, sLength, 'f32');
}
