import type { CompressionOps, QrOp, ThresholdGranularity, TtShape } from '../../ops/compression.js';
import type { ScratchScope } from '../../backend.js';
import type { Buf } from '../../types.js';
import { idOutOfRange, KernelArgumentError } from '../../validate/common.js';
import { ttCapacity } from '../../validate/compression.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

const QR_OP: Readonly<Record<QrOp, number>> = { mult: 0, add: 1, concat: 2 };
const GRANULARITY: Readonly<Record<ThresholdGranularity, number>> = { element: 0, row: 1, dim: 2, global: 3 };

/** Slots of the i32 TT descriptor; mirrors the TT_* constants of assembly/tt.ts. */
const TT = { K: 0, P: 1, Q: 5, R: 9, CORE: 14, DCORE: 18, T: 22, DT: 26, LENGTH: 28 } as const;

/** Ids are i32, so a capacity of 2^31 or more accepts every non-negative id (AS reads rows as u32). */
const ID_LIMIT = 2 ** 31;

/** Floats in one scratch buffer, rounded to whole 64-byte lines. */
function lineRound(floats: number): number {
  return Math.max(16, Math.ceil(floats / 16) * 16);
}

/**
 * Compression primitives on WASM: qrCombine and ttRows threaded over ids (each id's row computed
 * the same way whatever the split), the backward kernels single-threaded (they accumulate into
 * shared rows in a fixed order). TT batches run in ttOrder's order (ids grouped by their middle
 * core slices, for cache reuse). Scratch comes from a scope per call.
 */
export function wasmCompression(core: WasmCore): CompressionOps {
  const k = {
    firstBadId: core.fn('compressionFirstBadId'),
    qrCombineBackward: core.fn('qrCombineBackward'),
    ttRowsBackward: core.fn('ttRowsBackward'),
    ttOrder: core.fn('ttOrder'),
    dheEncode: core.fn('dheEncode'),
    softThreshold: core.fn('softThreshold'),
    softThresholdBackward: core.fn('softThresholdBackward'),
    kthSmallestAbs: core.fn('kthSmallestAbs'),
  };
  const p = (b: Buf) => core.ptr(b);
  const checkIds = (op: string, ids: Buf<'i32'>, rows: number) => {
    const bad = k.firstBadId(p(ids), ids.length, Math.min(rows, ID_LIMIT));
    if (bad >= 0) throw idOutOfRange(op, bad, core.view(ids)[bad], rows);
  };
  /** Runs `body` with a scratch scope that is released afterwards. */
  const scoped = (body: (scope: ScratchScope) => void) => {
    const scope = core.scope();
    try {
      body(scope);
    } finally {
      scope.release();
    }
  };
  /** Fills a TT descriptor with the shape and the core (and gradient) addresses. */
  const describe = (desc: Buf<'i32'>, shape: TtShape, cores: readonly Buf[], dCores: readonly Buf[] = []) => {
    const d = core.view(desc);
    d[TT.K] = shape.p.length;
    shape.p.forEach((v, i) => (d[TT.P + i] = v));
    shape.q.forEach((v, i) => (d[TT.Q + i] = v));
    shape.ranks.forEach((v, i) => (d[TT.R + i] = v));
    cores.forEach((c, i) => (d[TT.CORE + i] = p(c)));
    dCores.forEach((c, i) => (d[TT.DCORE + i] = p(c)));
  };
  return {
    qrCombine(op, r, m, q, qRows, partDim, ids, out) {
      checkIds('qrCombine', ids, m * qRows);
      core.parallel('qrCombine', [QR_OP[op], p(r), m, p(q), partDim, p(ids), p(out)], ids.length, 2 * partDim * NS.gathered);
    },
    qrCombineBackward(op, r, m, q, qRows, partDim, ids, dOut, dR, dQ) {
      checkIds('qrCombineBackward', ids, m * qRows);
      k.qrCombineBackward(QR_OP[op], p(r), m, p(q), partDim, p(ids), ids.length, p(dOut), p(dR), p(dQ));
    },
    ttRows(shape, cores, ids, out) {
      checkIds('ttRows', ids, ttCapacity(shape));
      const n = ids.length;
      if (n === 0) return;
      // Each chunk of ids gets its own scratch slot (two ping-pong buffers for T_2 .. T_{K-1}).
      const half = lineRound(Math.max(0, ...intermediateSizes(shape).slice(2, -1)));
      const chunks = Math.min(core.threads, n);
      scoped((scope) => {
        const desc = scope.alloc('i32', TT.LENGTH);
        const order = scope.alloc('u32', 2 * n); // n u64 sort keys, then n i32 positions
        const scratch = scope.alloc('f32', chunks * 2 * half);
        describe(desc, shape, cores);
        k.ttOrder(p(desc), p(ids), n, p(order));
        const args = [p(desc), p(ids), p(order), n, p(out), p(scratch), 2 * half * 4, chunks];
        core.parallel('ttRows', args, chunks, (ttFlopsPerRow(shape) * n * NS.sparseFlop) / chunks);
      });
    },
    ttRowsBackward(shape, cores, ids, dOut, dCores) {
      checkIds('ttRowsBackward', ids, ttCapacity(shape));
      if (ids.length === 0) return;
      const sizes = intermediateSizes(shape);
      const K = shape.p.length;
      scoped((scope) => {
        const desc = scope.alloc('i32', TT.LENGTH);
        const order = scope.alloc('u32', 2 * ids.length);
        const saved = sizes.map((s, i) => (i >= 2 && i < K ? scope.alloc('f32', lineRound(s)) : null));
        const grad = lineRound(Math.max(...sizes.slice(1, K)));
        const dT = [scope.alloc('f32', grad), scope.alloc('f32', grad)];
        describe(desc, shape, cores, dCores);
        const d = core.view(desc);
        saved.forEach((b, i) => { if (b) d[TT.T + i] = p(b); });
        d[TT.DT] = p(dT[0]);
        d[TT.DT + 1] = p(dT[1]);
        k.ttOrder(p(desc), p(ids), ids.length, p(order));
        k.ttRowsBackward(p(desc), p(ids), p(order), ids.length, p(dOut));
      });
    },
    dheEncode(ids, a, b, pBuf, m, out) {
      const status = k.dheEncode(p(ids), ids.length, p(a), p(b), p(pBuf), a.length, m, p(out));
      if (status >= 0) throw idOutOfRange('dheEncode', status, core.view(ids)[status], ID_LIMIT);
      if (status <= -2) throw new KernelArgumentError('dheEncode', `p[${-2 - status}] must be positive`);
    },
    softThreshold(w, s, rows, dim, granularity, out) {
      scoped((scope) => {
        const thresholds = scope.alloc('f32', dim);
        k.softThreshold(p(w), p(s), rows, dim, GRANULARITY[granularity], p(thresholds), p(out));
      });
    },
    softThresholdBackward(w, s, rows, dim, granularity, dOut, dW, dS) {
      scoped((scope) => {
        const thresholds = scope.alloc('f32', 2 * dim);
        k.softThresholdBackward(p(w), p(s), rows, dim, GRANULARITY[granularity], p(dOut), p(dW), p(dS), p(thresholds));
      });
    },
    kthSmallestAbs(x, kth, out) {
      scoped((scope) => {
        const keys = scope.alloc('u32', x.length);
        k.kthSmallestAbs(p(x), x.length, kth, p(keys), p(out));
      });
    },
  };
}

/** sizes[k] = elements of T_k = prod(q[0..k)) * ranks[k] for k = 0..K (T_K is the output row). */
function intermediateSizes(shape: TtShape): number[] {
  const sizes = [shape.ranks[0]];
  let width = 1;
  for (let k = 0; k < shape.p.length; k++) {
    width *= shape.q[k];
    sizes.push(width * shape.ranks[k + 1]);
  }
  return sizes;
}

/** Flops of one TT row: 2 * sum over k >= 1 of prod(q[0..k)) * ranks[k] * q[k] * ranks[k+1]. */
function ttFlopsPerRow(shape: TtShape): number {
  let flops = 0;
  let width = shape.q[0];
  for (let k = 1; k < shape.p.length; k++) {
    flops += 2 * width * shape.ranks[k] * shape.q[k] * shape.ranks[k + 1];
    width *= shape.q[k];
  }
  return flops;
}

