// The compression family: QR lookup, tensor-train rows, DHE encoding, PEP/CERP soft threshold
// and the magnitude selection behind MagPrune.
import { firstBadId } from './common';

export * from './qr';
export * from './tt';
export * from './tt-order';
export * from './dhe';
export * from './soft-threshold';
export * from './select';

/** First id outside [0, rows) or -1 (rows is read as u32, so 2^31 accepts every non-negative id). */
export function compressionFirstBadId(pids: usize, n: i32, rows: i32): i32 {
  return firstBadId(pids, n, rows);
}
