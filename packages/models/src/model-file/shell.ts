import { emptyCsr, fieldOffsetsFrom, unpackTexts, type CfDataset, type CtrDataset, type Dataset } from '@lers/data';
import type { Buf, HostBackend } from '@lers/kernels';
import { vocabularyOf, type ModelFile } from '@lers/embeddings';
import { GRAPH_INDICES, GRAPH_INDPTR, ITEM_IDS, USER_IDS } from '../backbones/lightgcn.js';
import { ModelContentError } from './errors.js';
import { datasetInfoOf, type DatasetInfo } from './header.js';

/** A safe positive integer from a header, or a ModelContentError naming it. */
function count(file: string, what: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ModelContentError(file, `the header's ${what} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** A `dense/<name>` array of a file that must be an Int32Array (of `length` when given), or undefined when absent. */
function ints(file: ModelFile, name: string, where: string, length?: number): Int32Array | undefined {
  const a = file.sections.get(`dense/${name}`);
  if (a === undefined) return undefined;
  if (!(a instanceof Int32Array) || (length !== undefined && a.length !== length)) {
    throw new ModelContentError(where, `the array "${name}" must be ${length !== undefined ? `${length} ` : ''}int32 values`);
  }
  return a;
}

/** A text id map (`<name>.text` UTF-8 bytes, `<name>.ends` offsets) of `count` ids, or undefined when absent. */
function texts(file: ModelFile, name: string, where: string, count: number): string[] | undefined {
  const bytes = file.sections.get(`dense/${name}.text`);
  const ends = file.sections.get(`dense/${name}.ends`);
  if (bytes === undefined && ends === undefined) return undefined;
  if (!(bytes instanceof Uint8Array) || !(ends instanceof Int32Array) || ends.length !== count) throw new ModelContentError(where, `the text id map "${name}" must be UTF-8 bytes and ${count} int32 end offsets`);
  try {
    return unpackTexts({ bytes, ends });
  } catch (err) {
    throw new ModelContentError(where, `the text id map "${name}" is malformed (${(err as Error).message})`);
  }
}

/** The checked shape of a model file's dataset description. */
export function checkedDatasetInfo(file: ModelFile, where: string): DatasetInfo {
  const info = datasetInfoOf(file.header);
  if (info === null || typeof info !== 'object') throw new ModelContentError(where, 'the header has no dataset description');
  if (file.header.task === 'cf') {
    count(where, 'dataset.users', info.users);
    count(where, 'dataset.items', info.items);
  } else {
    const fields = count(where, 'dataset.fields', info.fields);
    if (!Array.isArray(info.fieldDims) || info.fieldDims.length !== fields) throw new ModelContentError(where, `the header's dataset.fieldDims must list ${fields} field sizes`);
    info.fieldDims.forEach((d, f) => count(where, `dataset.fieldDims[${f}]`, d));
    if (!Array.isArray(info.fieldNames) || info.fieldNames.length !== fields || info.fieldNames.some((n) => typeof n !== 'string')) {
      throw new ModelContentError(where, `the header's dataset.fieldNames must list ${fields} names`);
    }
  }
  return info;
}

/** The train graph of a CF model file as a checked CSR (users x items, ascending columns in range), copied to the host. */
function trainGraph(file: ModelFile, info: DatasetInfo, where: string): CfDataset['train'] {
  const indptr = ints(file, GRAPH_INDPTR, where, info.users + 1);
  const indices = ints(file, GRAPH_INDICES, where);
  if (indptr === undefined || indices === undefined) throw new ModelContentError(where, MISSING_GRAPH);
  checkTrainGraph(indptr, indices, info, where);
  return { rows: info.users, cols: info.items, indptr, indices };
}

const MISSING_GRAPH = 'a LightGCN model file needs its train graph (graph.indptr, graph.indices)';

/** Checks a train graph's arrays: row pointers from 0 to its length, never decreasing; items in range and ascending per user. */
function checkTrainGraph(indptr: Int32Array, indices: Int32Array, info: DatasetInfo, where: string): void {
  if (indptr.length !== info.users + 1) throw new ModelContentError(where, `the array "${GRAPH_INDPTR}" must be ${info.users + 1} int32 values`);
  if (indptr[0] !== 0 || indptr[info.users] !== indices.length) throw new ModelContentError(where, `the train graph's row pointers must run from 0 to ${indices.length}`);
  for (let u = 0; u < info.users; u++) {
    const start = indptr[u];
    const end = indptr[u + 1];
    if (end < start) throw new ModelContentError(where, `the train graph's row pointers decrease at user ${u}`);
    for (let k = start; k < end; k++) {
      const i = indices[k];
      if (i < 0 || i >= info.items || (k > start && i <= indices[k - 1])) throw new ModelContentError(where, `the train graph's item ${i} of user ${u} is out of range or not ascending`);
    }
  }
}

/**
 * The train graph of a CF model file read into a host backend's memory, checked where it lies and
 * returned as handles over the file's bytes (no host copy); undefined for a file not in backend
 * memory (then `shellDataset` gives a host copy).
 */
export function residentTrainGraph(file: ModelFile, be: HostBackend, where = '<model>'): { indptr: Buf<'i32'>; indices: Buf<'i32'> } | undefined {
  if (file.resident === undefined) return undefined;
  const indptr = file.resident(`dense/${GRAPH_INDPTR}`);
  const indices = file.resident(`dense/${GRAPH_INDICES}`);
  if (indptr === undefined || indices === undefined) throw new ModelContentError(where, MISSING_GRAPH);
  if (indptr.dtype !== 'i32' || indices.dtype !== 'i32') throw new ModelContentError(where, `the train graph's arrays must be int32 values`);
  const graph = { indptr: indptr as Buf<'i32'>, indices: indices as Buf<'i32'> };
  checkTrainGraph(be.view(graph.indptr), be.view(graph.indices), checkedDatasetInfo(file, where), where);
  return graph;
}

/**
 * A dataset with the model's shape but no rows, from the file alone: enough to build the model and
 * serve requests (CF: the train graph and id maps; CTR: the field sizes and the vocabulary). CF with
 * `trainGraph: false`: the train graph is left empty (a caller that serves it from backend memory,
 * see `residentTrainGraph`).
 */
export function shellDataset(file: ModelFile, where = '<model>', options: { readonly trainGraph?: boolean } = {}): Dataset {
  const info = checkedDatasetInfo(file, where);
  if (file.header.task === 'cf') {
    const ds: CfDataset = {
      kind: 'cf',
      users: info.users,
      items: info.items,
      train: options.trainGraph === false ? emptyCsr(info.users, info.items) : trainGraph(file, info, where),
      valid: emptyCsr(info.users, info.items),
      test: emptyCsr(info.users, info.items),
      manifest: info.manifest,
    };
    const userIds = ints(file, USER_IDS, where, info.users);
    const itemIds = ints(file, ITEM_IDS, where, info.items);
    if (userIds !== undefined) ds.userIds = userIds;
    if (itemIds !== undefined) ds.itemIds = itemIds;
    const userNames = texts(file, USER_IDS, where, info.users);
    const itemNames = texts(file, ITEM_IDS, where, info.items);
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
  const vocabulary = vocabularyOf(file, where);
  if (vocabulary !== null) ds.vocabulary = vocabulary;
  return ds;
}

/** Checks that a dataset has the shape the model was trained on (`what` names it in messages). */
export function checkDatasetFits(file: ModelFile, ds: Dataset, what: string, where = '<model>'): void {
  const info = checkedDatasetInfo(file, where);
  if (ds.kind !== file.header.task) throw new ModelContentError(where, `${what} is a ${ds.kind} dataset but the model is ${file.header.task}`);
  if (ds.kind === 'cf' && (ds.users !== info.users || ds.items !== info.items)) {
    throw new ModelContentError(where, `${what} has ${ds.users} users x ${ds.items} items but the model was trained on ${info.users} x ${info.items}`);
  }
  if (ds.kind === 'ctr' && (ds.fields !== info.fields || ds.fieldDims.some((d, f) => d !== info.fieldDims[f]))) {
    throw new ModelContentError(where, `${what} has field sizes [${Array.from(ds.fieldDims).join(', ')}] but the model was trained on [${info.fieldDims.join(', ')}]`);
  }
}
