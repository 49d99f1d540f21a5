// The quant family: row-wise 8/4/2-bit tables, per-tensor affine int8/int16, fp16.
import { firstBadId } from './common';

export * from './quant-rowwise';
export * from './quant-affine';
export * from './quant-f16';

/** First id outside [0, rows) or -1: the host checks ids with it before a threaded gather. */
export function quantFirstBadId(pids: usize, n: i32, rows: i32): i32 {
  return firstBadId(pids, n, rows);
}
