/**
 * The `.lers` model file: the lers binary container (magic "LERSMODL", format version, JSON header,
 * 16-byte aligned typed-array sections viewable without copying, trailing checksum) holding one
 * trained or compressed model. Works from bytes only, so Node, browsers and workers share it.
 */
import { BYTES_PER_ELEMENT, type Buf, type DType, type HostBackend } from '@lers/kernels';
import { CtrVocabulary, decodeContainer, encodeContainer, LersDataError, parseContainer, sectionView, type ContainerFormat, type JsonObject, type Section, type SectionArray, type SectionDType, type SerializedCtrVocabulary } from '@lers/data';
import type { SerializedTable } from '../table.js';

/** The container format of model files; `version` is the newest this code reads and the one it writes. */
export const MODEL_FORMAT: ContainerFormat = { magic: 'LERSMODL', version: 1, what: 'lers model file' };

/** One embedding table as recorded in the header: its method and its serialised header. */
export interface ModelTableEntry {
  readonly method: string;
  readonly header: JsonObject;
  /** Names of its sections (stored as `<table>/<section>`). */
  readonly sections: readonly string[];
}

/** The JSON header of a model file. */
export interface ModelHeader {
  /** `lers` library version that wrote the file. */
  readonly libraryVersion: string;
  readonly createdAt: string;
  readonly task: 'cf' | 'ctr';
  /** 'lightgcn', 'deepfm' or 'dcnmix'. */
  readonly backbone: string;
  /** Compression method of the embedding tables and its chosen sizes. */
  readonly method: { readonly name: string; readonly target: number | null; readonly sizes: JsonObject };
  /** The effective configuration the model was trained with (every hyperparameter). */
  readonly config: JsonObject;
  /** The dataset's manifest and id maps, so ids in requests mean what they meant in training. */
  readonly dataset: JsonObject;
  /** Metrics at save time (e.g. valid/test NDCG@20 or AUC). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The model's embedding tables by name (e.g. "user", "item", "features"). */
  readonly tables: Readonly<Record<string, ModelTableEntry>>;
  /** Dense parameters and buffers (MLP weights, BatchNorm statistics), stored as `dense/<name>`. */
  readonly dense: readonly string[];
  /**
   * CTR models trained on raw files: the dataset's vocabulary (raw value -> feature id), its
   * serialised header and section names (stored as `vocabulary/<section>`). Absent otherwise.
   */
  readonly vocabulary?: { readonly header: JsonObject; readonly sections: readonly string[] };
}

/** A decoded model file: the header and the named sections (views into the file's bytes). */
export interface ModelFile {
  readonly header: ModelHeader;
  readonly sections: ReadonlyMap<string, SectionArray>;
  /**
   * For a file read into backend memory (`decodeResidentModelFile`): a section as a backend handle
   * over the file's bytes (zero-copy), for loaders that can use it in place; of its own dtype, or
   * of `as`, a dtype of the same element size (fp16 codes are stored as a u16 section).
   */
  readonly resident?: (name: string, as?: DType) => Buf | undefined;
}

/** Raised for a file that is not a valid model file of a version this code reads. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** The pieces of a model to save: header fields, tables, dense arrays by name, and a CTR vocabulary. */
export interface ModelContents {
  readonly header: Omit<ModelHeader, 'tables' | 'dense' | 'vocabulary'>;
  readonly tables: Readonly<Record<string, SerializedTable>>;
  readonly dense: Readonly<Record<string, SectionArray>>;
  /** The dataset's vocabulary (`CtrVocabulary.serialize()`), so the model can serve raw rows. */
  readonly vocabulary?: SerializedCtrVocabulary;
}

const VOCABULARY = 'vocabulary';

/** Serialises a model into the bytes of a `.lers` file. */
export function encodeModelFile(contents: ModelContents): Uint8Array {
  const sections: Section[] = [];
  const tables: Record<string, ModelTableEntry> = {};
  for (const [name, table] of Object.entries(contents.tables)) {
    checkName(name);
    const names = Object.keys(table.sections);
    for (const s of names) sections.push({ name: `${name}/${s}`, data: table.sections[s] });
    tables[name] = { method: table.method, header: table.header as JsonObject, sections: names };
  }
  const dense = Object.keys(contents.dense);
  for (const d of dense) sections.push({ name: `dense/${d}`, data: contents.dense[d] });
  let vocabulary: ModelHeader['vocabulary'];
  if (contents.vocabulary !== undefined) {
    const names = Object.keys(contents.vocabulary.sections);
    for (const v of names) sections.push({ name: `${VOCABULARY}/${v}`, data: contents.vocabulary.sections[v] });
    vocabulary = { header: contents.vocabulary.header, sections: names };
  }
  const header: ModelHeader = { ...contents.header, tables, dense, ...(vocabulary !== undefined ? { vocabulary } : {}) };
  return encodeContainer(header as unknown as JsonObject, sections, MODEL_FORMAT);
}

/**
 * Reads a model file from bytes. A truncated, corrupted, foreign or newer-version file throws
 * (CacheFormatError from the container, ModelFileError for a header that is not a model's).
 */
export function decodeModelFile(bytes: Uint8Array, file = '<memory>'): ModelFile {
  const { header, sections } = decodeContainer(bytes, file, MODEL_FORMAT);
  return { header: checkModelHeader(header.meta, (name) => sections.has(name), file), sections };
}

/**
 * Reads a model file whose bytes were read into a buffer of a host backend (WASM memory, say):
 * checked like `decodeModelFile`; `resident(name)` gives a section as a handle over those bytes
 * (zero-copy, for loaders that use it in place), and `sections` gives host copies made on first
 * access from the memory of that moment (so they stay valid when the backend's memory grows).
 * `bodyChecksum`: see `parseContainer` (a reader that hashed the bytes as they arrived).
 */
export function decodeResidentModelFile(be: HostBackend, bytes: Buf<'u8'>, file = '<memory>', bodyChecksum?: number): ModelFile {
  const parsed = parseContainer(be.view(bytes), file, MODEL_FORMAT, bodyChecksum);
  const entries = new Map(parsed.header.sections.map((s) => [s.name, s]));
  const copies = new Map<string, SectionArray>();
  const copy = (name: string): SectionArray | undefined => {
    const entry = entries.get(name);
    if (entry === undefined) return undefined;
    let c = copies.get(name);
    if (c === undefined) {
      c = sectionView(be.view(bytes), parsed, entry).slice();
      copies.set(name, c);
    }
    return c;
  };
  const sections = new LazySections([...entries.keys()], copy);
  const resident = (name: string, as?: DType): Buf | undefined => {
    const entry = entries.get(name);
    const own = entry === undefined ? undefined : KERNEL_DTYPE[entry.dtype];
    if (entry === undefined || own === undefined) return undefined;
    if (as !== undefined && BYTES_PER_ELEMENT[as] !== BYTES_PER_ELEMENT[own]) throw new TypeError(`${file}: section "${name}" holds ${own}, which cannot be read as ${as}`);
    const dtype = as ?? own;
    // Sections are 16-byte aligned within the file, and backends align their buffers.
    return be.reinterpret(bytes, parsed.dataStart + entry.offset, dtype, entry.length);
  };
  return { header: checkModelHeader(parsed.header.meta, (name) => entries.has(name), file), sections, resident };
}

/** The backend dtype of a section dtype (f64 sections have none: they stay host copies). */
const KERNEL_DTYPE: Partial<Record<SectionDType, 'f32' | 'i32' | 'u32' | 'u8' | 'i8' | 'u16' | 'i16'>> = {
  f32: 'f32',
  i32: 'i32',
  u32: 'u32',
  u8: 'u8',
  i8: 'i8',
  u16: 'u16',
  i16: 'i16',
};

/** A read-only map of sections whose values are made on first access. */
class LazySections implements ReadonlyMap<string, SectionArray> {
  constructor(
    private readonly names: readonly string[],
    private readonly make: (name: string) => SectionArray | undefined,
  ) {}
  get size(): number {
    return this.names.length;
  }
  get(name: string): SectionArray | undefined {
    return this.make(name);
  }
  has(name: string): boolean {
    return this.names.includes(name);
  }
  *entries(): MapIterator<[string, SectionArray]> {
    for (const n of this.names) yield [n, this.make(n)!];
  }
  *keys(): MapIterator<string> {
    yield* this.names;
  }
  *values(): MapIterator<SectionArray> {
    for (const n of this.names) yield this.make(n)!;
  }
  forEach(fn: (value: SectionArray, key: string, map: ReadonlyMap<string, SectionArray>) => void): void {
    for (const n of this.names) fn(this.make(n)!, n, this);
  }
  [Symbol.iterator](): MapIterator<[string, SectionArray]> {
    return this.entries();
  }
}

/** Checks that a container's header describes a model whose sections are all there. */
function checkModelHeader(metaJson: JsonObject, has: (name: string) => boolean, file: string): ModelHeader {
  const meta = metaJson as unknown as ModelHeader;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const method = meta.method as Partial<ModelHeader['method']> | null;
  const ok =
    (meta.task === 'cf' || meta.task === 'ctr') &&
    typeof meta.backbone === 'string' &&
    isObject(meta.tables) &&
    isNames(meta.dense) &&
    isObject(method) &&
    typeof method.name === 'string' &&
    (method.target === null || typeof method.target === 'number') &&
    isObject(method.sizes) &&
    isObject(meta.config) &&
    isObject(meta.dataset) &&
    isObject(meta.metrics);
  if (!ok) throw new ModelFileError(file, 'the header does not describe a lers model');
  for (const [name, t] of Object.entries(meta.tables)) {
    if (!isObject(t) || typeof t.method !== 'string' || !isObject(t.header) || !isNames(t.sections)) throw new ModelFileError(file, `the entry of table "${name}" is malformed`);
    for (const s of t.sections) if (!has(`${name}/${s}`)) throw new ModelFileError(file, `table "${name}" lacks its section "${s}"`);
  }
  for (const d of meta.dense) if (!has(`dense/${d}`)) throw new ModelFileError(file, `dense array "${d}" is missing`);
  if (meta.vocabulary !== undefined) {
    const v = meta.vocabulary as Partial<NonNullable<ModelHeader['vocabulary']>> | null;
    if (!isObject(v) || !isObject(v.header) || !isNames(v.sections)) throw new ModelFileError(file, 'the vocabulary entry is malformed');
    for (const s of v.sections) if (!has(`${VOCABULARY}/${s}`)) throw new ModelFileError(file, `vocabulary section "${s}" is missing`);
  }
  return meta;
}

/** The serialised form of table `name` of a model file (sections are views, not copies). */
export function tableOf(model: ModelFile, name: string): SerializedTable {
  const entry = model.header.tables[name];
  if (entry === undefined) throw new ModelFileError('<model>', `no table "${name}" (has: ${Object.keys(model.header.tables).join(', ')})`);
  const sections: Record<string, SectionArray> = {};
  const resident: Record<string, Buf> = {};
  for (const s of entry.sections) {
    // A getter: resident files copy a section out of backend memory only when a loader reads it.
    Object.defineProperty(sections, s, { enumerable: true, get: () => model.sections.get(`${name}/${s}`)! });
    const r = model.resident?.(`${name}/${s}`);
    if (r !== undefined) resident[s] = r;
  }
  const inPlace = model.resident;
  if (inPlace === undefined) return { method: entry.method, header: entry.header, sections: sections as SerializedTable['sections'] };
  const residentAs = (section: string, dtype: DType): Buf | undefined => (entry.sections.includes(section) ? inPlace(`${name}/${section}`, dtype) : undefined);
  return { method: entry.method, header: entry.header, sections: sections as SerializedTable['sections'], resident, residentAs };
}

/** A dense array of a model file by name. */
export function denseArrayOf(model: ModelFile, name: string): SectionArray {
  const data = model.sections.get(`dense/${name}`);
  if (data === undefined) throw new ModelFileError('<model>', `no dense array "${name}"`);
  return data;
}

/**
 * The CTR vocabulary stored with a model (raw value -> feature id, see `CtrVocabulary`), or null
 * when the model has none (CF models, CTR models trained on synthetic data or old caches).
 */
export function vocabularyOf(model: ModelFile, file = '<model>'): CtrVocabulary | null {
  const entry = model.header.vocabulary;
  if (entry === undefined) return null;
  const sections: Record<string, SectionArray> = {};
  for (const s of entry.sections) sections[s] = model.sections.get(`${VOCABULARY}/${s}`)!;
  try {
    return CtrVocabulary.deserialize({ header: entry.header, sections }, file);
  } catch (err) {
    if (err instanceof LersDataError) throw new ModelFileError(file, err.message.replace(`${file}: `, ''));
    throw err;
  }
}

function checkName(name: string): void {
  if (name === 'dense' || name === VOCABULARY || name.includes('/') || name.length === 0) throw new ModelFileError('<model>', `invalid table name "${name}"`);
}
