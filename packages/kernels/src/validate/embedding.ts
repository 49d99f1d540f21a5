import type { EmbeddingOps } from '../ops/embedding.js';
import type { Buf } from '../types.js';
import { dims, dtypeOf, ensure, exactly, KernelArgumentError } from './common.js';

/**
 * Wraps an EmbeddingOps implementation with shape and dtype checks. Ids and bag offsets live in
 * buffers, so their values are checked by each implementation (see idOutOfRange, badBagOffsets).
 */
export function checkedEmbedding(impl: EmbeddingOps): EmbeddingOps {
  return {
    gather(table, rows, dim, ids, out) {
      tableShape('gather', table, rows, dim);
      dtypeOf('gather', 'ids', ids, 'i32');
      exactly('gather', 'out', out, ids.length * dim, 'f32');
      impl.gather(table, rows, dim, ids, out);
    },
    scatterAdd(src, ids, alpha, table, rows, dim) {
      tableShape('scatterAdd', table, rows, dim);
      dtypeOf('scatterAdd', 'ids', ids, 'i32');
      exactly('scatterAdd', 'src', src, ids.length * dim, 'f32');
      ensure('scatterAdd', src !== table, 'src must not alias table');
      impl.scatterAdd(src, ids, alpha, table, rows, dim);
    },
    embeddingBag(table, rows, dim, ids, offsets, mode, out) {
      tableShape('embeddingBag', table, rows, dim);
      const bags = bagCount('embeddingBag', ids, offsets, mode);
      exactly('embeddingBag', 'out', out, bags * dim, 'f32');
      impl.embeddingBag(table, rows, dim, ids, offsets, mode, out);
    },
    embeddingBagBackward(dOut, ids, offsets, mode, dTable, rows, dim) {
      tableShape('embeddingBagBackward', dTable, rows, dim);
      const bags = bagCount('embeddingBagBackward', ids, offsets, mode);
      exactly('embeddingBagBackward', 'dOut', dOut, bags * dim, 'f32');
      impl.embeddingBagBackward(dOut, ids, offsets, mode, dTable, rows, dim);
    },
  };
}

/**
 * The error for bag offsets that do not rise from 0 to ids.length: offsets[at] (= value) is the
 * first entry that breaks 0 = offsets[0] <= offsets[1] <= ... <= offsets[bags] = ids.length.
 */
export function badBagOffsets(op: string, at: number, value: number, idCount: number): KernelArgumentError {
  return new KernelArgumentError(op, `offsets must rise from 0 to ids.length (${idCount}); offsets[${at}] = ${value} breaks that`);
}

function tableShape(op: string, table: Buf, rows: number, dim: number): void {
  dims(op, { rows, dim });
  exactly(op, 'table', table, rows * dim, 'f32');
}

/** Checks ids, offsets and mode; returns the number of bags. */
function bagCount(op: string, ids: Buf, offsets: Buf, mode: string): number {
  dtypeOf(op, 'ids', ids, 'i32');
  dtypeOf(op, 'offsets', offsets, 'i32');
  ensure(op, offsets.length >= 1, 'offsets needs bags + 1 entries (at least 1)');
  ensure(op, mode === 'sum' || mode === 'mean', `mode must be 'sum' or 'mean', got ${mode}`);
  return offsets.length - 1;
}
