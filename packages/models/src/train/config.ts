import type { OptimizerConfig } from '../optim/create.js';

/** Checkpointing: where, and whether to resume from an existing file there. */
export interface CheckpointConfig {
  /** File written (atomically) after every epoch. */
  readonly path: string;
  /** Resume from `path` when the file exists (default true). */
  readonly resume?: boolean;
}

/** What `train` runs. */
export interface TrainConfig {
  /** Total epochs (a resumed run continues up to this many). */
  readonly epochs: number;
  readonly optimizer: OptimizerConfig;
  /** Seed of the loop's random stream (shuffling, negative sampling, dropout through `rng`). */
  readonly seed: number;
  /** Validate every N epochs and at the last epoch (default 1; 0 = never). */
  readonly validEvery?: number;
  /** Stop after this many validations without improvement (default: never). */
  readonly patience?: number;
  /** Evaluate the test split at the best state when training ends (default true). */
  readonly test?: boolean;
  readonly checkpoint?: CheckpointConfig;
}

/** The config with defaults filled in and validated. */
export interface ResolvedTrainConfig {
  readonly epochs: number;
  readonly optimizer: OptimizerConfig;
  readonly seed: number;
  readonly validEvery: number;
  readonly patience: number;
  readonly test: boolean;
  readonly checkpoint: CheckpointConfig | null;
}

/** Fills defaults and rejects impossible settings with a message naming the field. */
export function resolveTrainConfig(c: TrainConfig): ResolvedTrainConfig {
  const int = (name: string, v: number, min: number): number => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`train config: ${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  return {
    epochs: int('epochs', c.epochs, 0),
    optimizer: c.optimizer,
    seed: int('seed', c.seed, 0),
    validEvery: int('validEvery', c.validEvery ?? 1, 0),
    patience: c.patience === undefined ? Infinity : int('patience', c.patience, 1),
    test: c.test ?? true,
    checkpoint: c.checkpoint ?? null,
  };
}
