import type { Backend, Buf } from '@lers/kernels';
import type { Dataset } from '@lers/data';
import { vocabularyOf, type EmbeddingTable, type LoadPurpose, type ModelFile, type ModelHeader } from '@lers/embeddings';
import { loadModelTable } from '../methods/registry.js';
import { backboneDefinition } from '../backbones/registry.js';
import type { RecommenderModel } from '../backbones/recommender-model.js';
import type { TrainSettings } from '../settings/settings.js';
import { ModelContentError } from './errors.js';
import { settingsOf, type DatasetInfo } from './header.js';
import { checkDatasetFits, checkedDatasetInfo, shellDataset } from './shell.js';

/** A model restored from a file, with the settings it was trained with. */
export interface LoadedModel {
  readonly header: ModelHeader;
  readonly settings: TrainSettings;
  readonly dataset: DatasetInfo;
  readonly model: RecommenderModel;
}

/** A CTR dataset without a vocabulary gets the one stored in the file (so a re-saved model keeps it). */
function withStoredVocabulary(ds: Dataset, file: ModelFile, where: string): Dataset {
  if (ds.kind !== 'ctr' || ds.vocabulary !== undefined) return ds;
  const vocabulary = vocabularyOf(file, where);
  return vocabulary === null ? ds : { ...ds, vocabulary };
}

/** Copies `dense/<name>` of the file into `buf`, checking that it is there with the right type and length. */
function restoreDense(file: ModelFile, be: Backend, name: string, buf: Buf<'f32'>, backbone: string, where: string): void {
  const data = file.sections.get(`dense/${name}`);
  if (data === undefined) throw new ModelContentError(where, `the file lacks the dense array "${name}" that a ${backbone} needs`);
  if (!(data instanceof Float32Array) || data.length !== buf.length) throw new ModelContentError(where, `the dense array "${name}" must be ${buf.length} float32 values`);
  be.write(buf, data);
}

/**
 * Restores a trainable model from a decoded file onto a backend: its tables through their methods'
 * loaders, the backbone from the stored settings, then the dense parameters and buffers by name.
 * With a dataset (of the model's shape) the model can be evaluated or compressed; without one it
 * is built on the file's shell dataset (CF: train graph; CTR: no rows). `where` names the file.
 * `purpose` serve: tables in their inference form (see MethodDefinition.load; not trainable).
 */
export function loadModel(file: ModelFile, be: Backend, dataset?: Dataset, where = '<model>', purpose: LoadPurpose = 'train'): LoadedModel {
  const settings = settingsOf(file.header, where);
  const definition = backboneDefinition(file.header.backbone);
  const info = checkedDatasetInfo(file, where);
  if (dataset !== undefined) checkDatasetFits(file, dataset, 'the dataset', where);
  const ds = dataset !== undefined ? withStoredVocabulary(dataset, file, where) : shellDataset(file, where);
  const tables: Record<string, EmbeddingTable> = {};
  let model: RecommenderModel;
  try {
    for (const name of Object.keys(file.header.tables)) tables[name] = loadModelTable(file, name, be, purpose);
    model = definition.build(be, ds, { ...settings, backbone: definition.name }, tables);
  } catch (err) {
    for (const t of Object.values(tables)) t.dispose();
    throw err;
  }
  try {
    for (const p of model.denseParameters()) restoreDense(file, be, p.name, p.value, definition.name, where);
    for (const [name, b] of Object.entries(model.buffers())) restoreDense(file, be, name, b, definition.name, where);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { header: file.header, settings, dataset: info, model };
}
