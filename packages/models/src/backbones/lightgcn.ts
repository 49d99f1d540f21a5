import { packTexts, type CfDataset, type Dataset, type SectionArray } from '@lers/data';
import { LightGcn } from '../cf/lightgcn.js';
import type { LightGcnConfig } from '../cf/config.js';
import { lightGcnBackbone } from '../pipeline/backbone.js';
import { SettingsError } from '../settings/errors.js';
import type { TrainSettings } from '../settings/settings.js';
import type { BackboneDefinition } from './definition.js';

/**
 * Model-file sections of a LightGCN besides its tables: the train graph (propagation, masking) and
 * the id maps (integer raw ids; text raw ids as UTF-8 bytes `<map>.text` and end offsets `<map>.ends`).
 */
export const GRAPH_INDPTR = 'graph.indptr';
export const GRAPH_INDICES = 'graph.indices';
export const USER_IDS = 'ids.user';
export const ITEM_IDS = 'ids.item';

/** LightGCN's config from run settings (the tables are the caller's). */
export function lightGcnConfig(s: TrainSettings): LightGcnConfig {
  return {
    dim: s.dim,
    layers: s.layers,
    batchSize: s.batchSize,
    l2: s.l2,
    clWeight: s.clWeight,
    clTemperature: s.clTemperature,
    clSoftmax: s.clSoftmax,
    ks: s.ks,
    ...(s.evalBatchSize !== null ? { evalBatchUsers: s.evalBatchSize } : {}),
    seed: s.seed,
  };
}

function cfDataset(ds: Dataset): CfDataset {
  if (ds.kind !== 'cf') throw new SettingsError(`backbone lightgcn needs a cf dataset, got a ${ds.kind} one`);
  return ds;
}

/** LightGCN (CF): tables `user` (seed s) and `item` (seed s + 1). */
export const lightGcnDefinition: BackboneDefinition = {
  name: 'lightgcn',
  task: 'cf',
  tableShapes(dataset, seed) {
    const ds = cfDataset(dataset);
    return [
      { name: 'user', rows: ds.users, seed },
      { name: 'item', rows: ds.items, seed: seed + 1 },
    ];
  },
  build(be, dataset, settings, tables) {
    const { user, item } = tables;
    if (user === undefined || item === undefined) throw new SettingsError(`a LightGCN needs tables "user" and "item" (got: ${Object.keys(tables).join(', ')})`);
    return LightGcn.fromTables(be, cfDataset(dataset), { user, item }, lightGcnConfig(settings));
  },
  pipelineBackbone(be, dataset, settings) {
    return lightGcnBackbone(be, cfDataset(dataset), lightGcnConfig(settings));
  },
  fileSections(model) {
    const ds = cfDataset(model.dataset);
    const train = ds.train;
    const out: Record<string, SectionArray> = {
      [GRAPH_INDPTR]: train.indptr,
      [GRAPH_INDICES]: train.indices.subarray(0, train.indptr[train.rows]),
    };
    if (ds.userIds !== undefined) out[USER_IDS] = ds.userIds;
    if (ds.itemIds !== undefined) out[ITEM_IDS] = ds.itemIds;
    for (const [name, texts] of [[USER_IDS, ds.userNames], [ITEM_IDS, ds.itemNames]] as const) {
      if (texts === undefined) continue;
      const packed = packTexts(texts);
      out[`${name}.text`] = packed.bytes;
      out[`${name}.ends`] = packed.ends;
    }
    return out;
  },
};
