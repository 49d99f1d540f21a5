/** Metrics of a model file on a dataset. */
import type { HostBackend } from '@lers/kernels';
import type { Dataset } from '@lers/data';
import type { ModelFile } from '@lers/embeddings';
import type { Metrics } from '@lers/models';
import { loadModel } from '../model-io/model-io.js';

/** Loads the model onto `be` with the dataset and evaluates the splits. */
export async function evaluateFile(file: ModelFile, be: HostBackend, dataset: Dataset, splits: readonly ('valid' | 'test')[]): Promise<Record<string, Metrics>> {
  const { model } = loadModel(file, be, dataset);
  try {
    const out: Record<string, Metrics> = {};
    for (const s of splits) out[s] = await model.evaluate(s);
    return out;
  } finally {
    model.dispose();
  }
}
