/**
 * saveModel / loadModel: a trained Model's tables, dense parameters and BatchNorm buffers mapped
 * to the `.lers` ModelContents of @lers/embeddings and back. LightGCN files also hold the train
 * graph (`graph.indptr`, `graph.indices`: propagation and masking need it) and the id maps of the
 * dataset when it has them (`ids.user`, `ids.item`), so recommending needs no dataset. CTR files
 * hold the dataset's vocabulary when it has one (read from raw Criteo/Avazu files), so `lers
 * predict` can take raw rows.
 */
import type { HostBackend } from '@lers/kernels';
import { emptyCsr, fieldOffsetsFrom, packTexts, unpackTexts, type CfDataset, type CtrDataset, type Dataset, type DatasetManifest, type JsonObject, type SectionArray } from '@lers/data';
import { denseArrayOf, loadModelTable, vocabularyOf, type EmbeddingTable, type Parameter, type ModelContents, type ModelFile, type ModelHeader, type SerializedTable } from '@lers/embeddings';
import { LightGcn } from '@lers/models';
import { DataError } from '../cli/errors.js';
import type { TrainSettings } from '../config/settings.js';
import type { DataRef } from '../data/datasets.js';
import { LIBRARY_VERSION } from '../version.js';
import { buildModel, modelTables, type AnyModel } from './build.js';

/** What the header says about the dataset (JSON). */
export interface DatasetInfo extends JsonObject {
  ref: DataRef & JsonObject;
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

/** The per-table and total sizes recorded under `method.sizes`. */
export interface SizeInfo extends JsonObject {
  /** Parameters as the protocol counts them, all tables together. */
  params: number;
  /** rows x dim over all tables (the uncompressed count). */
  fullParams: number;
  /** 1 - params / fullParams. */
  sparsity: number;
  /** Bytes in memory of the embedding tables (index and cache overhead included). */
  memoryBytes: number;
  diskBytes: number;
  /**
   * Bytes of the tables as served: memoryBytes, except for tables that train in a wider form than
   * they serve (QAT trains an fp32 master and serves its quantized codes).
   */
  servedBytes: number;
  tables: JsonObject;
}

/** The sizes of a model's tables. */
export function tableSizes(tables: Record<string, EmbeddingTable>, options: Record<string, JsonObject> = {}): SizeInfo {
  let params = 0;
  let full = 0;
  let memoryBytes = 0;
  let diskBytes = 0;
  let servedBytes = 0;
  const per: JsonObject = {};
  for (const [name, t] of Object.entries(tables)) {
    const size = t.size() as ReturnType<EmbeddingTable['size']> & { sparsity?: number; bitWidth?: number; servedBytes?: number };
    // Quantized tables keep every element; the protocol counts them by bit width (their `sparsity`).
    const counted = size.bitWidth !== undefined && size.sparsity !== undefined ? Math.round((1 - size.sparsity) * t.rows * t.dim) : size.params;
    params += counted;
    full += t.rows * t.dim;
    memoryBytes += size.memoryBytes;
    diskBytes += size.diskBytes;
    servedBytes += size.servedBytes ?? size.memoryBytes;
    per[name] = {
      method: t.method,
      rows: t.rows,
      dim: t.dim,
      params: counted,
      elements: size.params,
      nonZeros: size.nonZeros,
      memoryBytes: size.memoryBytes,
      diskBytes: size.diskBytes,
      ...(size.bitWidth !== undefined ? { bitWidth: size.bitWidth } : {}),
      ...(size.servedBytes !== undefined ? { servedBytes: size.servedBytes } : {}),
      options: options[name] ?? {},
    };
  }
  return { params, fullParams: full, sparsity: full > 0 ? 1 - params / full : 0, memoryBytes, diskBytes, servedBytes, tables: per };
}

/** Describes a dataset for the header. */
export function datasetInfo(ref: DataRef, name: string, ds: Dataset): DatasetInfo {
  return {
    ref: ref,
    name,
    manifest: ds.manifest as DatasetManifest & JsonObject,
    users: ds.kind === 'cf' ? ds.users : 0,
    items: ds.kind === 'cf' ? ds.items : 0,
    fields: ds.kind === 'ctr' ? ds.fields : 0,
    fieldNames: ds.kind === 'ctr' ? ds.fieldNames : [],
    fieldDims: ds.kind === 'ctr' ? Array.from(ds.fieldDims) : [],
  };
}

/** The header fields besides tables and dense arrays. */
export interface SaveInfo {
  readonly settings: TrainSettings;
  readonly config: JsonObject;
  readonly method: { readonly name: string; readonly target: number | null; readonly options?: Record<string, JsonObject> };
  readonly dataset: DatasetInfo;
  readonly metrics: Readonly<Record<string, number>>;
  /** Anything else worth keeping (training history summary, compression details). */
  readonly extra?: JsonObject;
}

/** Host copies of a set of parameters' values, by name. */
async function readNamed(be: HostBackend, named: Readonly<Record<string, { value: Parameters<HostBackend['read']>[0] } | Parameters<HostBackend['read']>[0]>>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(named)) {
    const buf = 'value' in v ? v.value : v;
    out[name] = (await be.read(buf)) as Float32Array;
  }
  return out;
}

/** The dense parameters of a model: every parameter that is not one of its tables'. */
function headParameters(model: AnyModel): readonly Parameter[] {
  const own = new Set(Object.values(modelTables(model)).flatMap((t) => t.parameters()));
  return model.parameters().filter((p) => !own.has(p));
}

/** Maps a trained model to ModelContents (tables serialised; dense params, buffers, graph). */
export async function saveModel(model: AnyModel, info: SaveInfo): Promise<ModelContents> {
  const be = model.backend;
  const tables: Record<string, SerializedTable> = {};
  const live = modelTables(model);
  for (const [name, t] of Object.entries(live)) tables[name] = await t.serialize();
  const dense: Record<string, SectionArray> = {};
  Object.assign(dense, await readNamed(be, Object.fromEntries(headParameters(model).map((p) => [p.name, p]))));
  Object.assign(dense, await readNamed(be, model.buffers()));
  if (model instanceof LightGcn) {
    const train = model.dataset.train;
    dense['graph.indptr'] = train.indptr;
    dense['graph.indices'] = train.indices.subarray(0, train.indptr[train.rows]);
    if (model.dataset.userIds !== undefined) dense['ids.user'] = model.dataset.userIds;
    if (model.dataset.itemIds !== undefined) dense['ids.item'] = model.dataset.itemIds;
    // Text raw ids (triplets, RecBole tokens): UTF-8 bytes and end offsets.
    for (const [name, texts] of [['ids.user', model.dataset.userNames], ['ids.item', model.dataset.itemNames]] as const) {
      if (texts === undefined) continue;
      const packed = packTexts(texts);
      dense[`${name}.text`] = packed.bytes;
      dense[`${name}.ends`] = packed.ends;
    }
  }
  const sizes = tableSizes(live, info.method.options);
  const header: ModelContents['header'] = {
    libraryVersion: LIBRARY_VERSION,
    createdAt: new Date().toISOString(),
    task: model.task,
    backbone: info.settings.backbone,
    method: { name: info.method.name, target: info.method.target, sizes },
    config: info.config,
    dataset: info.dataset,
    metrics: info.metrics,
    ...(info.extra !== undefined ? { extra: info.extra } : {}),
  };
  const vocabulary = model instanceof LightGcn ? undefined : model.dataset.vocabulary?.serialize();
  return { header, tables, dense, ...(vocabulary !== undefined ? { vocabulary } : {}) };
}

/** A model restored from a file, with the settings it was trained with. */
export interface LoadedModel {
  readonly header: ModelHeader;
  readonly settings: TrainSettings;
  readonly dataset: DatasetInfo;
  readonly model: AnyModel;
}

/** The training settings stored in a model file's header. */
export function settingsOf(header: ModelHeader): TrainSettings {
  return header.config as unknown as TrainSettings;
}

/** The dataset description in a model file's header. */
export function datasetInfoOf(header: ModelHeader): DatasetInfo {
  return header.dataset as DatasetInfo;
}

/** A dataset with the model's shape but no rows: enough to serve requests (CF: the train graph). */
export function shellDataset(file: ModelFile): Dataset {
  const info = datasetInfoOf(file.header);
  if (file.header.task === 'cf') {
    const indptr = denseArrayOf(file, 'graph.indptr');
    const indices = denseArrayOf(file, 'graph.indices');
    if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || indptr.length !== info.users + 1) {
      throw new DataError('model file: the train graph sections are malformed');
    }
    const ds: CfDataset = {
      kind: 'cf',
      users: info.users,
      items: info.items,
      train: { rows: info.users, cols: info.items, indptr, indices },
      valid: emptyCsr(info.users, info.items),
      test: emptyCsr(info.users, info.items),
      manifest: info.manifest,
    };
    if (file.sections.has('dense/ids.user')) ds.userIds = denseArrayOf(file, 'ids.user') as Int32Array;
    if (file.sections.has('dense/ids.item')) ds.itemIds = denseArrayOf(file, 'ids.item') as Int32Array;
    const names = (name: string): string[] | undefined => {
      if (!file.sections.has(`dense/${name}.ends`)) return undefined;
      const bytes = denseArrayOf(file, `${name}.text`);
      const ends = denseArrayOf(file, `${name}.ends`);
      try {
        if (!(bytes instanceof Uint8Array) || !(ends instanceof Int32Array)) throw new RangeError('wrong section types');
        return unpackTexts({ bytes, ends });
      } catch (err) {
        throw new DataError(`model file: the ${name} sections are malformed (${(err as Error).message})`);
      }
    };
    const userNames = names('ids.user');
    const itemNames = names('ids.item');
    if (userNames !== undefined) ds.userNames = userNames;
    if (itemNames !== undefined) ds.itemNames = itemNames;
    return ds;
  }
  const fieldDims = Int32Array.from(info.fieldDims);
  const empty = new Int32Array(0);
  const ds: CtrDataset = {
    kind: 'ctr',
    rows: 0,
    fields: info.fields,
    fieldNames: info.fieldNames,
    fieldDims,
    fieldOffsets: fieldOffsetsFrom(fieldDims),
    x: empty,
    labels: new Uint8Array(0),
    split: { train: empty, valid: empty, test: empty },
    manifest: info.manifest,
  };
  const vocabulary = vocabularyOf(file);
  if (vocabulary !== null) ds.vocabulary = vocabulary;
  return ds;
}

/** A CTR dataset without a vocabulary gets the one stored in the file (so a re-saved model keeps it). */
function withStoredVocabulary(ds: Dataset, file: ModelFile): Dataset {
  if (ds.kind !== 'ctr' || ds.vocabulary !== undefined) return ds;
  const vocabulary = vocabularyOf(file);
  return vocabulary === null ? ds : { ...ds, vocabulary };
}

/** Checks that a dataset has the shape the model was trained on. */
export function checkDatasetFits(file: ModelFile, ds: Dataset, what: string): void {
  const info = datasetInfoOf(file.header);
  if (ds.kind !== file.header.task) throw new DataError(`${what} is a ${ds.kind} dataset but the model is ${file.header.task}`);
  if (ds.kind === 'cf' && (ds.users !== info.users || ds.items !== info.items)) {
    throw new DataError(`${what} has ${ds.users} users x ${ds.items} items but the model was trained on ${info.users} x ${info.items}`);
  }
  if (ds.kind === 'ctr' && (ds.fields !== info.fields || ds.fieldDims.some((d, f) => d !== info.fieldDims[f]))) {
    throw new DataError(`${what} has field sizes [${Array.from(ds.fieldDims).join(', ')}] but the model was trained on [${info.fieldDims.join(', ')}]`);
  }
}

/**
 * Restores a model from a decoded file onto a backend: its tables through their methods' loaders,
 * the backbone from the stored settings, then the dense parameters and buffers by name. Without
 * a dataset the model serves requests only (CF: train graph from the file; CTR: no rows).
 */
export function loadModel(file: ModelFile, be: HostBackend, dataset?: Dataset): LoadedModel {
  const settings = settingsOf(file.header);
  const info = datasetInfoOf(file.header);
  if (dataset !== undefined) checkDatasetFits(file, dataset, 'the dataset');
  const ds = dataset !== undefined ? withStoredVocabulary(dataset, file) : shellDataset(file);
  const tables: Record<string, EmbeddingTable> = {};
  let model: AnyModel;
  try {
    for (const name of Object.keys(file.header.tables)) tables[name] = loadModelTable(file, name, be);
    model = buildModel(be, ds, settings, tables);
  } catch (err) {
    for (const t of Object.values(tables)) t.dispose();
    throw err;
  }
  try {
    const restore = (name: string, buf: Parameters<HostBackend['write']>[0]): void => {
      const data = file.sections.get(`dense/${name}`);
      if (data === undefined) throw new DataError(`model file lacks the dense array "${name}" that a ${settings.backbone} needs`);
      if (!(data instanceof Float32Array) || data.length !== buf.length) throw new DataError(`model file: dense array "${name}" has the wrong type or length`);
      be.write(buf, data);
    };
    for (const p of headParameters(model)) restore(p.name, p.value);
    for (const [name, b] of Object.entries(model.buffers())) restore(name, b);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { header: file.header, settings, dataset: info, model };
}
