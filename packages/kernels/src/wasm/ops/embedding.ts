import type { EmbeddingOps } from '../../ops/embedding.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import { badBagOffsets } from '../../validate/embedding.js';
import type { WasmCore } from '../core.js';
import { NS } from '../costs.js';

/**
 * Embedding kernels on WASM. Ids (and bag offsets) are checked by a kernel before anything is
 * written. gather and embeddingBag are threaded over output rows; scatterAdd and the bag backward
 * over destination table rows (each thread applies the ids that land in its rows, in index order).
 */
export function wasmEmbedding(core: WasmCore): EmbeddingOps {
  const badId = core.fn('embBadId');
  const badOffsets = core.fn('embBadOffsets');
  const p = (b: Buf) => core.ptr(b);

  function checkIds(op: string, ids: Buf<'i32'>, rows: number): void {
    const at = badId(p(ids), ids.length, rows);
    if (at >= 0) throw idOutOfRange(op, at, core.view(ids)[at], rows);
  }

  function checkOffsets(op: string, offsets: Buf<'i32'>, idCount: number): void {
    const at = badOffsets(p(offsets), offsets.length - 1, idCount);
    if (at >= 0) throw badBagOffsets(op, at, core.view(offsets)[at], idCount);
  }

  return {
    gather(table, rows, dim, ids, out) {
      checkIds('gather', ids, rows);
      // A row copy is memory-bound: with dim 64, the pool takes batches from about 3.7k rows.
      core.parallel('embGather', [p(table), dim, p(ids), p(out)], ids.length, dim * NS.gathered);
    },
    scatterAdd(src, ids, alpha, table, rows, dim) {
      checkIds('scatterAdd', ids, rows);
      const work = ids.length * dim * NS.gathered;
      core.parallel('embScatterAdd', [p(src), p(ids), ids.length, alpha, p(table), dim], rows, work / Math.max(1, rows));
    },
    embeddingBag(table, rows, dim, ids, offsets, mode, out) {
      checkOffsets('embeddingBag', offsets, ids.length);
      checkIds('embeddingBag', ids, rows);
      const bags = offsets.length - 1;
      const work = ids.length * dim * NS.gathered + bags * dim * NS.stream;
      core.parallel('embBag', [p(table), dim, p(ids), p(offsets), mode === 'mean' ? 1 : 0, p(out)], bags, work / Math.max(1, bags));
    },
    embeddingBagBackward(dOut, ids, offsets, mode, dTable, rows, dim) {
      checkOffsets('embeddingBagBackward', offsets, ids.length);
      checkIds('embeddingBagBackward', ids, rows);
      const bags = offsets.length - 1;
      const work = ids.length * dim * NS.gathered;
      core.parallel('embBagBackward', [p(dOut), p(ids), p(offsets), bags, mode === 'mean' ? 1 : 0, p(dTable), dim], rows, work / Math.max(1, rows));
    },
  };
}
