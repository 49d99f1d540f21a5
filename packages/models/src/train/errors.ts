/** Thrown when a training loss (or a parameter after an epoch) is NaN or infinite. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly epoch: number,
    /** 0-based batch index, or null when found in the end-of-epoch parameter check. */
    readonly batch: number | null,
    readonly what: string,
    readonly value: number,
  ) {
    const where = batch === null ? `after epoch ${epoch}` : `at epoch ${epoch}, batch ${batch}`;
    super(`training diverged: ${what} is ${value} ${where}; lower the learning rate or check the data`);
    this.name = 'TrainingDivergedError';
  }
}

/** Thrown when a checkpoint cannot be read or does not fit the model and config. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
