import type { Buf } from '../types.js';

/**
 * Embedding-table primitives over an N x dim row-major table. Every id is checked against
 * `rows`: an out-of-range id throws a RangeError naming its position and value, before anything is
 * written. Threaded on the WASM backend: gather (large batches), scatterAdd (by destination rows).
 */
export interface EmbeddingOps {
  /** out[i, :] = table[ids[i], :]; out is ids.length x dim. */
  gather(table: Buf<'f32'>, rows: number, dim: number, ids: Buf<'i32'>, out: Buf<'f32'>): void;
  /** table[ids[i], :] += alpha * src[i, :]; duplicate ids accumulate (in index order). */
  scatterAdd(src: Buf<'f32'>, ids: Buf<'i32'>, alpha: number, table: Buf<'f32'>, rows: number, dim: number): void;
  /**
   * Embedding bag: out[b, :] = reduce over i in [offsets[b], offsets[b+1]) of table[ids[i], :],
   * reduce = sum or mean (an empty bag gives zeros). offsets has bags + 1 entries.
   */
  embeddingBag(table: Buf<'f32'>, rows: number, dim: number, ids: Buf<'i32'>, offsets: Buf<'i32'>, mode: 'sum' | 'mean', out: Buf<'f32'>): void;
  /** Backward of embeddingBag: dTable[ids[i], :] += dOut[b, :] (/ bag size for mean). */
  embeddingBagBackward(dOut: Buf<'f32'>, ids: Buf<'i32'>, offsets: Buf<'i32'>, mode: 'sum' | 'mean', dTable: Buf<'f32'>, rows: number, dim: number): void;
}
