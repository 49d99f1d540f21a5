import type { Dataset, DatasetManifest, JsonObject } from '@lers/data';
import type { ModelHeader } from '@lers/embeddings';
import { BACKBONES, defaultSettings, parseSetting, SETTINGS, taskOfBackbone, type BackboneName, type TrainSettings } from '../settings/settings.js';
import { ModelContentError } from './errors.js';

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

/**
 * The run settings stored in a model file's header, each checked as a config file's would be
 * (ModelContentError naming the key otherwise); keys the file lacks (written before a setting
 * existed) take the protocol's default for its task and backbone.
 */
export function settingsOf(header: ModelHeader, where = '<model>'): TrainSettings {
  const config = header.config as Record<string, unknown> | null;
  if (typeof config !== 'object' || config === null) throw new ModelContentError(where, 'the header has no settings (config)');
  const backbone = header.backbone;
  if (!(BACKBONES as readonly string[]).includes(backbone)) throw new ModelContentError(where, `unknown backbone ${JSON.stringify(backbone)}`);
  const task = taskOfBackbone(backbone as BackboneName);
  if (task !== header.task) throw new ModelContentError(where, `backbone ${backbone} is a ${task} model, the header says ${header.task}`);
  const out: Record<string, unknown> = { ...defaultSettings(task, backbone as BackboneName, typeof config.data === 'string' ? config.data : `synthetic-${task}`) };
  for (const spec of SETTINGS) {
    if (!(spec.key in config)) continue;
    try {
      out[spec.key] = parseSetting(spec, config[spec.key], `config.${spec.key}`);
    } catch (err) {
      throw new ModelContentError(where, `the stored setting ${(err as Error).message}`);
    }
  }
  out.task = task;
  out.backbone = backbone;
  return out as unknown as TrainSettings;
}

/** The dataset description in a model file's header. */
export function datasetInfoOf(header: ModelHeader): DatasetInfo {
  return header.dataset as DatasetInfo;
}
