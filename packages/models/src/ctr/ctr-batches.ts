import type { Rng } from '@lers/kernels';

/** One CTR mini-batch: dataset row indices (the model reads ids and labels from its dataset). */
export interface CtrBatch {
  readonly rows: Int32Array;
}

/**
 * The batches of one epoch over `trainRows`: a seeded Fisher-Yates shuffle (a copy; the split is
 * untouched), cut into `batchSize` chunks. A trailing chunk of a single row is dropped because
 * training BatchNorm needs two rows (PyTorch raises on it too); the peer does the same.
 */
export function* shuffledBatches(trainRows: Int32Array, batchSize: number, rng: Rng): Generator<CtrBatch> {
  const order = rng.shuffle(Int32Array.from(trainRows));
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.subarray(start, Math.min(start + batchSize, order.length));
    if (rows.length < 2) break;
    yield { rows };
  }
}

/** Number of batches `shuffledBatches` yields for `n` rows. */
export function batchCount(n: number, batchSize: number): number {
  const full = Math.floor(n / batchSize);
  return full + (n % batchSize >= 2 ? 1 : 0);
}
