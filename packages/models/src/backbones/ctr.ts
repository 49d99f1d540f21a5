import type { Backend } from '@lers/kernels';
import { totalFeatures, type CtrDataset, type Dataset } from '@lers/data';
import type { EmbeddingTable } from '@lers/embeddings';
import type { TableSpec } from '../ctr/ctr-model.js';
import { DcnMix } from '../ctr/dcnmix.js';
import { DeepFm } from '../ctr/deepfm.js';
import { ctrBackbone } from '../pipeline/backbone.js';
import { SettingsError } from '../settings/errors.js';
import type { TrainSettings } from '../settings/settings.js';
import type { BackboneDefinition } from './definition.js';

function ctrDataset(ds: Dataset, backbone: string): CtrDataset {
  if (ds.kind !== 'ctr') throw new SettingsError(`backbone ${backbone} needs a ctr dataset, got a ${ds.kind} one`);
  return ds;
}

/** The options DeepFM and DCN-Mix share, from run settings. */
function commonOptions(be: Backend, ds: CtrDataset, s: TrainSettings, table: EmbeddingTable | TableSpec) {
  return {
    dataset: ds,
    backend: be,
    embedDim: s.dim,
    table,
    batchSize: s.batchSize,
    ...(s.evalBatchSize !== null ? { evalBatchSize: s.evalBatchSize } : {}),
    seed: s.seed,
    hidden: s.hidden,
    dropout: s.dropout,
    batchNorm: s.batchNorm,
  };
}

/** A CTR backbone over one shared table `embedding` of sum(fieldDims) rows (seed s). */
function ctrDefinition(name: 'deepfm' | 'dcnmix', make: (be: Backend, ds: CtrDataset, s: TrainSettings, table: EmbeddingTable | TableSpec) => DeepFm | DcnMix): BackboneDefinition {
  return {
    name,
    task: 'ctr',
    tableShapes(dataset, seed) {
      const ds = ctrDataset(dataset, name);
      return [{ name: 'embedding', rows: totalFeatures(ds), seed, fieldDims: Array.from(ds.fieldDims) }];
    },
    build(be, dataset, settings, tables) {
      const table = tables.embedding;
      if (table === undefined) throw new SettingsError(`a ${name} model needs the table "embedding" (got: ${Object.keys(tables).join(', ')})`);
      return make(be, ctrDataset(dataset, name), settings, table);
    },
    pipelineBackbone(be, dataset, settings) {
      const ds = ctrDataset(dataset, name);
      return ctrBackbone<DeepFm | DcnMix>(ds, (table) => make(be, ds, settings, table));
    },
    fileSections() {
      // The vocabulary, when the dataset has one, is a section group of its own in the file.
      return {};
    },
  };
}

/** DeepFM (CTR). */
export const deepFmDefinition = ctrDefinition('deepfm', (be, ds, s, table) => new DeepFm(commonOptions(be, ds, s, table)));

/** DCN-Mix (CTR). */
export const dcnMixDefinition = ctrDefinition('dcnmix', (be, ds, s, table) => new DcnMix({ ...commonOptions(be, ds, s, table), crossLayers: s.crossLayers, experts: s.experts, rank: s.rank }));
