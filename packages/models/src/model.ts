import type { Backend, Rng } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';

/** Validation/test metrics by name (e.g. "ndcg@20", "recall@20", "auc", "logloss"). */
export type Metrics = Record<string, number>;

/** One mini-batch as the model defines it (CF: users, positives, negatives; CTR: rows, labels). */
export type Batch = unknown;

/**
 * A trainable recommender as the training loop sees it. LightGCN, DeepFM and DCN-Mix implement
 * it; the loop is model-agnostic (it never looks inside a batch). Every kernel goes through
 * `backend`, and values reach the host only through `Backend.read`, so a model runs on any backend
 * (parts that still read host views say so and need a host backend).
 */
export interface Model<B = Batch> {
  readonly task: 'cf' | 'ctr';
  readonly backend: Backend;
  /** Every trainable parameter (embedding tables' and dense layers'). */
  parameters(): readonly Parameter[];
  /**
   * Non-trainable state that a checkpoint must keep (e.g. BatchNorm running statistics), by name.
   */
  buffers(): Readonly<Record<string, Parameter['value']>>;
  /** The batches of one epoch, in a seeded order (shuffling and negative sampling use `rng`). */
  batches(epoch: number, rng: Rng): Iterable<B>;
  /** Optional: the number of batches per epoch (the loop's progress and ETA use it). */
  batchesPerEpoch?(): number;
  /** Optional: the training samples in a batch (the loop's samples/s use it; 1 per batch without it). */
  samplesIn?(batch: B): number;
  /**
   * Forward + backward on a batch: accumulates parameter gradients, resolves to the mean loss (read
   * back from the backend once per step at most).
   */
  trainStep(batch: B, rng: Rng): Promise<number>;
  /** Metrics on a split; the name of the metric that selects the best epoch is `selectionMetric`. */
  evaluate(split: 'valid' | 'test'): Promise<Metrics>;
  /** "ndcg@20" for CF, "auc" for CTR (higher is better). */
  readonly selectionMetric: string;
  /** Training-stage hooks forwarded to the embedding tables. */
  onEpochStart?(epoch: number): void;
  onEpochEnd?(epoch: number): void;
  dispose(): void;
}
