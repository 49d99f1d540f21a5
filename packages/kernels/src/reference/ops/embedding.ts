import type { EmbeddingOps } from '../../ops/embedding.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import { badBagOffsets } from '../../validate/embedding.js';
import type { ReferenceCore } from '../core.js';

/** Plain TypeScript embedding kernels: ids and offsets checked first, bag sums in f64. */
export function referenceEmbedding(core: ReferenceCore): EmbeddingOps {
  const f32 = (b: Buf) => core.data(b) as Float32Array;
  const i32 = (b: Buf) => core.data(b) as Int32Array;

  function checkIds(op: string, ids: Int32Array, rows: number): void {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= rows) throw idOutOfRange(op, i, ids[i], rows);
    }
  }

  function checkOffsets(op: string, offsets: Int32Array, idCount: number): void {
    if (offsets[0] !== 0) throw badBagOffsets(op, 0, offsets[0], idCount);
    for (let b = 1; b < offsets.length; b++) {
      if (offsets[b] < offsets[b - 1]) throw badBagOffsets(op, b, offsets[b], idCount);
    }
    const last = offsets.length - 1;
    if (offsets[last] !== idCount) throw badBagOffsets(op, last, offsets[last], idCount);
  }

  return {
    gather(table, rows, dim, ids, out) {
      const T = f32(table), I = i32(ids), O = f32(out);
      checkIds('gather', I, rows);
      for (let i = 0; i < I.length; i++) {
        for (let d = 0; d < dim; d++) O[i * dim + d] = T[I[i] * dim + d];
      }
    },
    scatterAdd(src, ids, alpha, table, rows, dim) {
      const S = f32(src), I = i32(ids), T = f32(table);
      checkIds('scatterAdd', I, rows);
      for (let i = 0; i < I.length; i++) {
        for (let d = 0; d < dim; d++) T[I[i] * dim + d] += alpha * S[i * dim + d];
      }
    },
    embeddingBag(table, rows, dim, ids, offsets, mode, out) {
      const T = f32(table), I = i32(ids), Off = i32(offsets), O = f32(out);
      checkOffsets('embeddingBag', Off, I.length);
      checkIds('embeddingBag', I, rows);
      for (let b = 0; b + 1 < Off.length; b++) {
        const count = Off[b + 1] - Off[b];
        for (let d = 0; d < dim; d++) {
          let s = 0;
          for (let i = Off[b]; i < Off[b + 1]; i++) s += T[I[i] * dim + d];
          O[b * dim + d] = mode === 'mean' && count > 0 ? s / count : s;
        }
      }
    },
    embeddingBagBackward(dOut, ids, offsets, mode, dTable, rows, dim) {
      const G = f32(dOut), I = i32(ids), Off = i32(offsets), T = f32(dTable);
      checkOffsets('embeddingBagBackward', Off, I.length);
      checkIds('embeddingBagBackward', I, rows);
      for (let b = 0; b + 1 < Off.length; b++) {
        const count = Off[b + 1] - Off[b];
        for (let i = Off[b]; i < Off[b + 1]; i++) {
          for (let d = 0; d < dim; d++) T[I[i] * dim + d] += mode === 'mean' ? G[b * dim + d] / count : G[b * dim + d];
        }
      }
    },
  };
}
