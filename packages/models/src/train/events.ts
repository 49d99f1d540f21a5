import type { Metrics } from '../model.js';

/** One epoch's summary, as kept in the history (and in checkpoints). */
export interface EpochRecord {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches. */
  readonly loss: number;
  readonly batches: number;
  readonly samples: number;
  /** Training time of the epoch (validation excluded). */
  readonly seconds: number;
  readonly samplesPerSec: number;
  /** Validation metrics when this epoch was validated. */
  readonly valid?: Metrics;
  readonly validSeconds?: number;
}

/** Everything the loop reports while it runs (a CLI draws progress from these). */
export type TrainEvent =
  | { readonly type: 'start'; readonly epochs: number; readonly startEpoch: number; readonly resumed: boolean; readonly batchesPerEpoch: number | null }
  | { readonly type: 'epoch-start'; readonly epoch: number }
  | {
      readonly type: 'batch';
      readonly epoch: number;
      /** 0-based index within the epoch. */
      readonly batch: number;
      /** Batches per epoch when the model says, else null. */
      readonly batches: number | null;
      readonly loss: number;
      /** Mean training throughput of the epoch so far. */
      readonly samplesPerSec: number;
      /** Seconds left in the whole run (training only), when batches per epoch are known. */
      readonly etaSec: number | null;
    }
  | { readonly type: 'validation'; readonly epoch: number; readonly metrics: Metrics; readonly metric: string; readonly value: number; readonly improved: boolean; readonly bestEpoch: number | null; readonly seconds: number }
  | { readonly type: 'epoch-end'; readonly record: EpochRecord }
  | { readonly type: 'checkpoint'; readonly epoch: number; readonly path: string; readonly bytes: number }
  | { readonly type: 'early-stop'; readonly epoch: number; readonly bestEpoch: number | null }
  | { readonly type: 'test'; readonly metrics: Metrics; readonly bestEpoch: number | null }
  | { readonly type: 'end'; readonly result: TrainResult };

/** What `train` returns. */
export interface TrainResult {
  /** Epoch of the state the model holds at the end (best by validation, else the last). */
  readonly bestEpoch: number | null;
  /** Validation metrics at the best epoch (null without validation). */
  readonly bestValid: Metrics | null;
  /** Test metrics at the best state (null when `test` is false). */
  readonly test: Metrics | null;
  readonly history: readonly EpochRecord[];
  /** Last epoch trained. */
  readonly lastEpoch: number;
  readonly stoppedEarly: boolean;
  /** Total training seconds over all epochs in the history (validation excluded). */
  readonly trainSeconds: number;
}

/** Receives the loop's events. */
export type TrainEventHandler = (event: TrainEvent) => void;
