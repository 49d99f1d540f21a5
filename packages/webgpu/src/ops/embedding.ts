import type { EmbeddingOps } from '@lers/kernels';
import type { WebGpuCore } from '../core.js';
import { bothGuards, checkIds, checkOffsets, dispatchGuarded } from '../ids.js';
import { ELEMENT, kernel, perGroupOf } from './shared.js';

const OFFSETS = (g0: number, g1: number, p: Readonly<Record<string, number>>): [number, number] => [Math.floor(g0 / p.dim), Math.ceil(g1 / p.dim) + 1];

const GATHER = kernel('gather', { table: 'read', ids: 'read', out: 'write' }, { dim: 'u32' }, `
  let i = gi / P.dim;
  out_st(gi, table_ld(u32(ids_ld(i)) * P.dim + (gi - i * P.dim)));`, undefined, { out: ELEMENT, ids: perGroupOf('dim') });
const SCATTER_ADD = kernel('scatterAdd', { src: 'read', ids: 'read', table: 'add' }, { dim: 'u32', alpha: 'f32' }, `
  let i = gi / P.dim;
  table_add(u32(ids_ld(i)) * P.dim + (gi - i * P.dim), P.alpha * src_ld(gi));`, undefined, { src: ELEMENT, ids: perGroupOf('dim') });
const BAG = kernel('embeddingBag', { table: 'read', ids: 'read', offsets: 'read', out: 'write' }, { dim: 'u32', mean: 'u32' }, `
  let b = gi / P.dim;
  let d = gi - b * P.dim;
  let s0 = u32(offsets_ld(b));
  let s1 = u32(offsets_ld(b + 1u));
  var s = 0.0;
  for (var i = s0; i < s1; i++) { s += table_ld(u32(ids_ld(i)) * P.dim + d); }
  if (P.mean != 0u && s1 > s0) { s = s / f32(s1 - s0); }
  out_st(gi, s);`, undefined, { out: ELEMENT, offsets: OFFSETS });
const BAG_BACKWARD = kernel('embeddingBagBackward', { dOut: 'read', ids: 'read', offsets: 'read', dTable: 'add' }, { dim: 'u32', mean: 'u32' }, `
  let b = gi / P.dim;
  let d = gi - b * P.dim;
  let s0 = u32(offsets_ld(b));
  let s1 = u32(offsets_ld(b + 1u));
  var g = dOut_ld(gi);
  if (P.mean != 0u) { g = g / f32(s1 - s0); }
  for (var i = s0; i < s1; i++) { dTable_add(u32(ids_ld(i)) * P.dim + d, g); }`, undefined, { dOut: ELEMENT, offsets: OFFSETS });

/**
 * Embedding kernels on WebGPU, one invocation per output element (per bag element for bags).
 * Accumulations into the table are atomic float adds: repeated ids add in no fixed order.
 */
export function webgpuEmbedding(core: WebGpuCore): EmbeddingOps {
  return {
    gather(table, rows, dim, ids, out) {
      const guard = checkIds(core, 'gather', ids, rows);
      dispatchGuarded(core, guard, GATHER, { table, ids, out }, { dim }, ids.length * dim);
    },
    scatterAdd(src, ids, alpha, table, rows, dim) {
      const guard = checkIds(core, 'scatterAdd', ids, rows);
      dispatchGuarded(core, guard, SCATTER_ADD, { src, ids, table }, { dim, alpha }, ids.length * dim);
    },
    embeddingBag(table, rows, dim, ids, offsets, mode, out) {
      const guard = bothGuards(core, checkOffsets(core, 'embeddingBag', offsets, ids.length), checkIds(core, 'embeddingBag', ids, rows));
      dispatchGuarded(core, guard, BAG, { table, ids, offsets, out }, { dim, mean: mode === 'mean' ? 1 : 0 }, (offsets.length - 1) * dim);
    },
    embeddingBagBackward(dOut, ids, offsets, mode, dTable, rows, dim) {
      const guard = bothGuards(core, checkOffsets(core, 'embeddingBagBackward', offsets, ids.length), checkIds(core, 'embeddingBagBackward', ids, rows));
      dispatchGuarded(core, guard, BAG_BACKWARD, { dOut, ids, offsets, dTable }, { dim, mean: mode === 'mean' ? 1 : 0 }, (offsets.length - 1) * dim);
    },
  };
}
