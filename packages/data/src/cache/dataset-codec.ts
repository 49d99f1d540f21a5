import type { CsrMatrix } from '../cf/csr.js';
import type { CfDataset } from '../cf/dataset.js';
import type { CtrDataset } from '../ctr/dataset.js';
import { CtrVocabulary } from '../ctr/vocabulary.js';
import { CacheFormatError, LersDataError } from '../errors.js';
import { packTexts, unpackTexts } from '../util/text-pack.js';
import type { DatasetManifest, JsonObject } from '../manifest.js';
import { decodeContainer, encodeContainer, type ContainerHeader, type Section, type SectionArray } from './container.js';

/** Either kind of encoded dataset. */
export type Dataset = CfDataset | CtrDataset;

/** Header `meta` of a dataset container: the kind, the shape, the manifest and the cache key. */
export interface DatasetMeta extends JsonObject {
  kind: 'cf' | 'ctr';
  cacheKey: string | null;
}

const CF_SPLITS = ['train', 'valid', 'test'] as const;

/** The typed-array sections and the header meta that represent a dataset. */
export function datasetToSections(ds: Dataset, cacheKey: string | null = null): { meta: DatasetMeta; sections: Section[] } {
  const manifest = ds.manifest as unknown as JsonObject;
  if (ds.kind === 'cf') {
    const sections: Section[] = [];
    for (const s of CF_SPLITS) {
      sections.push({ name: `${s}.indptr`, data: ds[s].indptr }, { name: `${s}.indices`, data: ds[s].indices });
    }
    if (ds.userIds) sections.push({ name: 'userIds', data: ds.userIds });
    if (ds.itemIds) sections.push({ name: 'itemIds', data: ds.itemIds });
    for (const [name, texts] of [['userNames', ds.userNames], ['itemNames', ds.itemNames]] as const) {
      if (texts === undefined) continue;
      const packed = packTexts(texts);
      sections.push({ name: `${name}.bytes`, data: packed.bytes }, { name: `${name}.ends`, data: packed.ends });
    }
    return { meta: { kind: 'cf', cacheKey, users: ds.users, items: ds.items, manifest }, sections };
  }
  const meta: DatasetMeta = { kind: 'ctr', cacheKey, rows: ds.rows, fields: ds.fields, fieldNames: ds.fieldNames, manifest };
  const sections: Section[] = [
    { name: 'fieldDims', data: ds.fieldDims },
    { name: 'fieldOffsets', data: ds.fieldOffsets },
    { name: 'x', data: ds.x },
    { name: 'labels', data: ds.labels },
    { name: 'split.train', data: ds.split.train },
    { name: 'split.valid', data: ds.split.valid },
    { name: 'split.test', data: ds.split.test },
  ];
  // The vocabulary (optional; absent in files written before it was stored): `vocab.*` sections.
  if (ds.vocabulary !== undefined) {
    const v = ds.vocabulary.serialize();
    meta.vocabulary = v.header;
    for (const [name, data] of Object.entries(v.sections)) sections.push({ name: `${VOCAB_PREFIX}${name}`, data });
  }
  return { meta, sections };
}

const VOCAB_PREFIX = 'vocab.';

/** The stored vocabulary of a CTR container, checked against the dataset's field sizes. */
function vocabularyFromSections(meta: JsonObject, sections: Map<string, SectionArray>, fieldDims: Int32Array, file: string): CtrVocabulary {
  const own: Record<string, SectionArray> = {};
  for (const [name, data] of sections) if (name.startsWith(VOCAB_PREFIX)) own[name.slice(VOCAB_PREFIX.length)] = data;
  let v: CtrVocabulary;
  try {
    v = CtrVocabulary.deserialize({ header: meta.vocabulary as JsonObject, sections: own }, file);
  } catch (err) {
    if (err instanceof LersDataError) throw new CacheFormatError(file, 'header', err.message);
    throw err;
  }
  if (v.fieldDims.length !== fieldDims.length || v.fieldDims.some((d, f) => d !== fieldDims[f])) throw new CacheFormatError(file, 'header', 'the vocabulary does not match the field sizes');
  return v;
}

/** Rebuilds a dataset from a container's header and sections; checks that shapes agree. */
export function datasetFromSections(header: ContainerHeader, sections: Map<string, SectionArray>, file = '<memory>'): Dataset {
  const meta = header.meta as Partial<DatasetMeta> & JsonObject;
  const take = <T extends SectionArray>(name: string, ctor: new (n: number) => T): T => {
    const s = sections.get(name);
    if (!(s instanceof ctor)) throw new CacheFormatError(file, 'header', `section "${name}" is missing or has the wrong type`);
    return s;
  };
  const manifest = meta.manifest as unknown as DatasetManifest;
  if (meta.kind === 'cf') {
    const users = meta.users as number;
    const items = meta.items as number;
    const split = (s: (typeof CF_SPLITS)[number]): CsrMatrix => {
      const indptr = take(`${s}.indptr`, Int32Array);
      const indices = take(`${s}.indices`, Int32Array);
      if (indptr.length !== users + 1 || indptr[users] !== indices.length) throw new CacheFormatError(file, 'header', `split "${s}" has the wrong shape`);
      return { rows: users, cols: items, indptr, indices };
    };
    const ds: CfDataset = { kind: 'cf', users, items, train: split('train'), valid: split('valid'), test: split('test'), manifest };
    if (sections.has('userIds')) ds.userIds = take('userIds', Int32Array);
    if (sections.has('itemIds')) ds.itemIds = take('itemIds', Int32Array);
    const names = (name: string, count: number): string[] | undefined => {
      if (!sections.has(`${name}.ends`)) return undefined;
      let texts: string[];
      try {
        texts = unpackTexts({ bytes: take(`${name}.bytes`, Uint8Array), ends: take(`${name}.ends`, Int32Array) });
      } catch (err) {
        throw new CacheFormatError(file, 'header', `section "${name}": ${(err as Error).message}`);
      }
      if (texts.length !== count) throw new CacheFormatError(file, 'header', `section "${name}" holds ${texts.length} ids for ${count} rows`);
      return texts;
    };
    const userNames = names('userNames', users);
    const itemNames = names('itemNames', items);
    if (userNames !== undefined) ds.userNames = userNames;
    if (itemNames !== undefined) ds.itemNames = itemNames;
    return ds;
  }
  if (meta.kind === 'ctr') {
    const rows = meta.rows as number;
    const fields = meta.fields as number;
    const ds: CtrDataset = {
      kind: 'ctr',
      rows,
      fields,
      fieldNames: meta.fieldNames as string[],
      fieldDims: take('fieldDims', Int32Array),
      fieldOffsets: take('fieldOffsets', Int32Array),
      x: take('x', Int32Array),
      labels: take('labels', Uint8Array),
      split: { train: take('split.train', Int32Array), valid: take('split.valid', Int32Array), test: take('split.test', Int32Array) },
      manifest,
    };
    if (ds.x.length !== rows * fields || ds.labels.length !== rows || ds.fieldDims.length !== fields) {
      throw new CacheFormatError(file, 'header', 'CTR sections do not match rows x fields');
    }
    if (typeof meta.vocabulary === 'object' && meta.vocabulary !== null) ds.vocabulary = vocabularyFromSections(meta, sections, ds.fieldDims, file);
    return ds;
  }
  throw new CacheFormatError(file, 'header', `unknown dataset kind ${JSON.stringify(meta.kind)}`);
}

/** One binary blob holding a dataset (see `container.ts` for the layout). */
export function encodeDataset(ds: Dataset, cacheKey: string | null = null): Uint8Array {
  const { meta, sections } = datasetToSections(ds, cacheKey);
  return encodeContainer(meta, sections);
}

/** The dataset in a blob made by `encodeDataset` (typed arrays are views into `bytes` when aligned). */
export function decodeDataset(bytes: Uint8Array, file = '<memory>'): Dataset {
  const { header, sections } = decodeContainer(bytes, file);
  return datasetFromSections(header, sections, file);
}

/** The cache key stored in a container header (null if none). */
export function cacheKeyOf(header: ContainerHeader): string | null {
  const key = header.meta.cacheKey;
  return typeof key === 'string' ? key : null;
}
