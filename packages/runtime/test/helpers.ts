/** Shared helpers of the runtime tests: small trained models saved to `.lers` bytes. */
import type { Backend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr, type CfDataset, type CtrDataset, type JsonObject } from '@lers/data';
import { encodeModelFile } from '@lers/embeddings';
import { datasetInfo, defaultSettings, saveModel, trainFromSettings, type RecommenderModel, type TrainSettings } from '@lers/models';

export const CF_DATA = { users: 120, items: 160, seed: 5 } as const;
export const CTR_DATA = { rows: 1500, cardinalities: [50, 20, 10, 5], seed: 3 } as const;

export function cfDataset(): CfDataset {
  return generateSyntheticCf(CF_DATA).dataset;
}

export function ctrDataset(): CtrDataset {
  return generateSyntheticCtr({ ...CTR_DATA, cardinalities: [...CTR_DATA.cardinalities] }).dataset;
}

/** Settings of a small, quickly trained CF model of `method` (options that reach the target on tiny tables). */
export function cfSettings(method: string, target: number | null): TrainSettings {
  const methodOptions: JsonObject = method === 'pep' || method === 'cerp' ? { thresholdInit: -2.5, capture: 'exact' } : method === 'dhe' ? { k: 16 } : {};
  return { ...defaultSettings('cf', 'lightgcn', 'synthetic-cf'), method, target, methodOptions, budgetTolerance: 0.05, epochs: 2, dim: 16, batchSize: 512, lr: 0.01, clWeight: 0, searchEpochs: 6 };
}

/** Settings of a small CTR model. */
export function ctrSettings(backbone: 'deepfm' | 'dcnmix', method: string, target: number | null): TrainSettings {
  return {
    ...defaultSettings('ctr', backbone, 'synthetic-ctr'),
    method,
    target,
    methodOptions: method === 'dhe' ? { k: 16 } : {},
    budgetTolerance: 0.05,
    epochs: 1,
    batchSize: 256,
    hidden: [8, 8],
    rank: 4,
    experts: 2,
    crossLayers: 2,
    dropout: 0.2,
  };
}

/** The `.lers` bytes of a model (as the CLI writes them). */
export async function modelBytes(model: RecommenderModel, s: TrainSettings): Promise<Uint8Array> {
  const options = s.task === 'cf' ? CF_DATA : CTR_DATA;
  const contents = await saveModel(model, {
    settings: s,
    config: s as unknown as JsonObject,
    method: { name: s.method, target: s.target },
    dataset: datasetInfo({ kind: 'synthetic', name: `synthetic-${s.task}`, options: options as unknown as JsonObject }, `synthetic-${s.task}`, model.dataset),
    metrics: { 'test.x': 1 },
  });
  return encodeModelFile(contents);
}

/** Trains the model of `s` on `dataset` (the caller disposes it). */
export async function trained(be: Backend, dataset: CfDataset | CtrDataset, s: TrainSettings): Promise<RecommenderModel> {
  return (await trainFromSettings(be, dataset, s)).model;
}
