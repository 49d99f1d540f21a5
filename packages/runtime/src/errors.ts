/**
 * The backend asked for cannot run here: no WebGPU adapter (or no WebGPU at all), or threads need
 * shared memory that this page or process does not have (with `strictThreads`). The message says why.
 */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/**
 * A request the loaded model cannot answer: a user or item outside the model, a row of the wrong
 * width or with an id outside its field, raw rows for a model without a vocabulary, or a CF call
 * on a CTR model (and the other way round).
 */
export class RequestError extends Error {
  override name = 'RequestError';
}

/**
 * Serving a model would take more backend memory than the caller's `memoryLimit`: loading stops
 * before the allocation that would pass it (nothing stays allocated).
 */
export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError';
}
