import type { DatasetManifest } from '../manifest.js';
import { csrNnz, type CsrMatrix } from './csr.js';

/**
 * An implicit-feedback CF dataset: user -> items CSR for each split (rows sorted, no repeats).
 * `users`/`items` size the embedding tables (max id + 1 over all splits, so items seen only in test
 * still have a row). `userIds`/`itemIds` (integer raw ids) or `userNames`/`itemNames` (text raw ids),
when present, map dense indices back to raw ids.
 */
export interface CfDataset {
  kind: 'cf';
  users: number;
  items: number;
  train: CsrMatrix;
  valid: CsrMatrix;
  test: CsrMatrix;
  userIds?: Int32Array;
  itemIds?: Int32Array;
  /** Raw ids as text, when some raw id is not a canonical integer (then `userIds` is absent). */
  userNames?: string[];
  itemNames?: string[];
  manifest: DatasetManifest;
}

/** Interaction counts of the three splits. */
export function cfSplitSizes(ds: CfDataset): { train: number; valid: number; test: number } {
  return { train: csrNnz(ds.train), valid: csrNnz(ds.valid), test: csrNnz(ds.test) };
}
