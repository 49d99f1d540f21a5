import type { Backend, Buf } from '@lers/kernels';
import { checkIdsInRange, requireHostIds, writeIds } from '../common/host-access.js';
import type { ScratchBuffer } from '../common/scratch-buffer.js';

/** Ids per Q row for N rows and b buckets: ceil(N / b). */
export function cerpPerQuotient(rows: number, buckets: number): number {
  return Math.ceil(rows / buckets);
}

/** Q's rows for N rows and b buckets: ceil(N / ceil(N / b)). */
export function cerpQuotientRows(rows: number, buckets: number): number {
  return Math.ceil(rows / cerpPerQuotient(rows, buckets));
}

/** How CERP maps N rows onto its bucket tables: P has `buckets` rows, each Q row serves `perQuotient` ids. */
export interface CerpLayout {
  readonly rows: number;
  readonly buckets: number;
  /** ceil(N / b): ids per Q row. */
  readonly perQuotient: number;
}

/**
 * Checked ids split into P rows (x mod b) and Q rows (floor(x / ceil(N/b))), computed on the host,
 * into the two scratch buffers (valid until their next take).
 */
export function splitCerpIds(be: Backend, op: string, ids: Buf<'i32'>, layout: CerpLayout, pScratch: ScratchBuffer<'i32'>, qScratch: ScratchBuffer<'i32'>): [Buf<'i32'>, Buf<'i32'>] {
  const pIds = pScratch.take(ids.length);
  const qIds = qScratch.take(ids.length);
  // The view only after the allocations (an allocation may move WASM memory).
  const v = requireHostIds(be, ids, `${op} (it splits ids on the host)`);
  checkIdsInRange(op, v, layout.rows);
  writeIds(be, pIds, (pv) => {
    for (let i = 0; i < v.length; i++) pv[i] = v[i] % layout.buckets;
  });
  writeIds(be, qIds, (qv) => {
    for (let i = 0; i < v.length; i++) qv[i] = Math.floor(v[i] / layout.perQuotient);
  });
  return [pIds, qIds];
}

/** x mod b and floor(x / ceil(N/b)) for every row x, as two new buffers (the caller frees them). */
export function everyCerpId(be: Backend, layout: CerpLayout): [Buf<'i32'>, Buf<'i32'>] {
  const { rows, buckets, perQuotient } = layout;
  return [be.upload('i32', Int32Array.from({ length: rows }, (_, x) => x % buckets)), be.upload('i32', Int32Array.from({ length: rows }, (_, x) => Math.floor(x / perQuotient)))];
}
