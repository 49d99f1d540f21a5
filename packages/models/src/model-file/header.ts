import type { Dataset, DatasetManifest, JsonObject } from '@lers/data';
import type { ModelHeader } from '@lers/embeddings';
import type { TrainSettings } from '../settings/settings.js';

/** What a model file's header says about its dataset (JSON). */
export interface DatasetInfo extends JsonObject {
  /** How to load the dataset again (the caller's reference: synthetic parameters, a registry name, paths). */
  ref: JsonObject;
  name: string;
  manifest: DatasetManifest & JsonObject;
  /** CF: table rows. */
  users: number;
  items: number;
  /** CTR: the fields. */
  fields: number;
  fieldNames: string[];
  fieldDims: number[];
}

/** Describes a dataset for a model file's header; `ref` is how the caller loads it again. */
export function datasetInfo(ref: JsonObject, name: string, ds: Dataset): DatasetInfo {
  return {
    ref,
    name,
    manifest: ds.manifest as DatasetManifest & JsonObject,
    users: ds.kind === 'cf' ? ds.users : 0,
    items: ds.kind === 'cf' ? ds.items : 0,
    fields: ds.kind === 'ctr' ? ds.fields : 0,
    fieldNames: ds.kind === 'ctr' ? ds.fieldNames : [],
    fieldDims: ds.kind === 'ctr' ? Array.from(ds.fieldDims) : [],
  };
}

/** The run settings stored in a model file's header. */
export function settingsOf(header: ModelHeader): TrainSettings {
  return header.config as unknown as TrainSettings;
}

/** The dataset description in a model file's header. */
export function datasetInfoOf(header: ModelHeader): DatasetInfo {
  return header.dataset as DatasetInfo;
}
