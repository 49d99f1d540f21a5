import type { SectionArray } from '../cache/container.js';
import { DataFormatError, LersDataError } from '../errors.js';
import type { JsonObject } from '../manifest.js';
import { AVAZU_HOUR_FIELDS, tokenizeAvazuHour } from './avazu-format.js';
import { scanCategorical } from './categorical.js';
import { tokenizeDenseValue } from './columns-format.js';
import { CRITEO_FIELD_NAMES, tokenizeCriteoInteger } from './criteo-format.js';
import { fieldOffsetsFrom } from './dataset.js';
import { EncodingSink } from './row-sink.js';
import { packTexts, unpackTexts } from '../util/text-pack.js';
import { FieldVocab, TokenKind, type KeptTokens } from './vocab.js';

/** The raw text formats a CTR vocabulary encodes (`columns`: a file with a header and column roles). */
export type CtrFormatName = 'criteo' | 'avazu' | 'columns';

/** The roles of a `columns` format's columns and its separator. */
export interface CtrColumnLayout {
  readonly label: string;
  readonly dense: readonly string[];
  readonly ignored: readonly string[];
  readonly separator: string;
}

/**
 * How raw rows of a dataset look: the format and every column of a labelled training row, in file
 * order (Criteo: `label, I1..I13, C1..C26`; Avazu and `columns`: the header, e.g. `id, click, hour, C1, ...`).
 */
export interface CtrRawFormat {
  readonly name: CtrFormatName;
  readonly columns: readonly string[];
  /** Avazu: `hour` (YYMMDDHH) became hour_of_day, weekday and is_weekend. */
  readonly expandHour: boolean;
  /** `columns` only: which column is the label, which are dense, which are read past. */
  readonly layout?: CtrColumnLayout;
}

/** The Criteo Kaggle TSV layout. */
export const CRITEO_RAW_FORMAT: CtrRawFormat = { name: 'criteo', columns: ['label', ...CRITEO_FIELD_NAMES], expandHour: false };

/** Where a raw format's values are: separator, label column, ignored columns, whether files have a header. */
export interface CtrFormatLayout {
  separator: string;
  label: string;
  ignored: readonly string[];
  header: boolean;
}

const FIXED_LAYOUTS: Readonly<Record<'criteo' | 'avazu', CtrFormatLayout>> = {
  criteo: { separator: '\t', label: 'label', ignored: [], header: false },
  avazu: { separator: ',', label: 'click', ignored: ['id'], header: true },
};

/** The layout of a raw format (a `columns` format carries its own). */
export function ctrFormatLayout(format: CtrRawFormat): CtrFormatLayout {
  if (format.name !== 'columns') return FIXED_LAYOUTS[format.name];
  const l = format.layout;
  if (l === undefined) throw new RangeError('a "columns" CTR format needs its column layout');
  return { separator: l.separator, label: l.label, ignored: l.ignored, header: true };
}

/** A vocabulary as a JSON header and typed arrays (for the dataset cache and model files). */
export interface SerializedCtrVocabulary {
  header: JsonObject;
  sections: Record<string, SectionArray>;
}

/** How one raw feature column becomes tokens: the reader's tokenizer of that column. */
const CATEGORICAL = 0;
const CRITEO_INTEGER = 1;
const AVAZU_HOUR = 2;
const DENSE = 3;

/** Serialised token codes: TokenKind's values plus one for integers beyond int32 (stored as f64). */
const BIG_INT_CODE = 4;
const NO_SEPARATOR = -1;
const SERIAL_VERSION = 1;
const utf8Encoder = new TextEncoder();

/**
 * The vocabularies of a CTR dataset and its row encoder: raw values -> global feature ids with
 * exactly the reader's preprocessing (same field tokenizers: Criteo's integer transform, Avazu's
 * hour expansion, typed categorical tokens; tokens seen fewer than `minCount` times in the data
 * map to the field's OOV id, `fieldOffsets[f] + 0`). Readers build it; the dataset cache and model
 * files store it, so a model can serve raw rows.
 */
export class CtrVocabulary {
  readonly fieldDims: Int32Array;
  readonly fieldOffsets: Int32Array;
  /** The raw columns `encodeRow` takes, in file order (the format's columns minus label and ignored ones). */
  readonly featureColumns: readonly string[];
  private readonly transforms: Uint8Array;
  private readonly targets: Int32Array;
  private readonly label = new Uint8Array(1);
  private bytes = new Uint8Array(64);

  /** `fields[f]` is the finalized vocabulary of `fieldNames[f]`. */
  constructor(
    readonly format: CtrRawFormat,
    readonly fieldNames: readonly string[],
    private readonly fields: readonly FieldVocab[],
    readonly minCount: number,
  ) {
    if (fields.length !== fieldNames.length) throw new RangeError(`CtrVocabulary: ${fieldNames.length} field names but ${fields.length} vocabularies`);
    this.fieldDims = Int32Array.from(fields, (v) => v.size);
    if (this.fieldDims.some((d) => d < 1)) throw new RangeError('CtrVocabulary: every field vocabulary must be finalized');
    this.fieldOffsets = fieldOffsetsFrom(this.fieldDims);
    const layout = ctrFormatLayout(format);
    const dense = new Set(format.layout?.dense ?? []);
    this.featureColumns = format.columns.filter((c) => c !== layout.label && !layout.ignored.includes(c));
    this.transforms = new Uint8Array(this.featureColumns.length);
    this.targets = new Int32Array(this.featureColumns.length);
    const covered = new Uint8Array(fieldNames.length);
    this.featureColumns.forEach((column, k) => {
      const hour = format.name === 'avazu' && format.expandHour && column === 'hour';
      const integer = format.name === 'criteo' && column.startsWith('I');
      const field = fieldNames.indexOf(hour ? AVAZU_HOUR_FIELDS[0] : column);
      if (field < 0) throw new RangeError(`CtrVocabulary: column "${column}" has no field`);
      this.transforms[k] = hour ? AVAZU_HOUR : integer ? CRITEO_INTEGER : dense.has(column) ? DENSE : CATEGORICAL;
      this.targets[k] = field;
      for (let f = field; f < field + (hour ? AVAZU_HOUR_FIELDS.length : 1); f++) covered[f]++;
    });
    const bad = covered.findIndex((c) => c !== 1);
    if (bad >= 0) throw new RangeError(`CtrVocabulary: field "${fieldNames[bad]}" is filled by ${covered[bad]} columns`);
  }

  /** Number of fields (ids per row). */
  get fieldCount(): number {
    return this.fields.length;
  }

  /** Total number of feature ids (rows of the shared embedding table). */
  get features(): number {
    const f = this.fields.length - 1;
    return this.fieldOffsets[f] + this.fieldDims[f];
  }

  /** Field `f`'s vocabulary (index -> token, lookups). */
  field(f: number): FieldVocab {
    return this.fields[f];
  }

  /**
   * Global feature ids of one raw row: `values` are the raw texts of `featureColumns`, in that
   * order (no label, no id). Unseen or rare values get their field's OOV id. Writes into `out`
   * (one id per field) and returns it; a malformed value throws `DataFormatError` naming `source`.
   */
  encodeRow(values: readonly string[], out: Int32Array = new Int32Array(this.fields.length), source: { file: string; line: number } = { file: '<row>', line: 0 }): Int32Array {
    if (values.length !== this.featureColumns.length) {
      throw new DataFormatError(source.file, source.line, values.join(ctrFormatLayout(this.format).separator), `expected ${this.featureColumns.length} feature values (${this.featureColumns[0]}..${this.featureColumns[this.featureColumns.length - 1]}), got ${values.length}`);
    }
    if (out.length < this.fields.length) throw new RangeError(`CtrVocabulary.encodeRow: out holds ${out.length} ids, the row has ${this.fields.length}`);
    const sink = new EncodingSink(this.fields as FieldVocab[], this.fieldOffsets, out, this.label);
    for (let k = 0; k < values.length; k++) {
      const n = this.toBytes(values[k]);
      const field = this.targets[k];
      const t = this.transforms[k];
      if (t === CATEGORICAL) scanCategorical(this.bytes, 0, n, NO_SEPARATOR, field, sink);
      else if (t === CRITEO_INTEGER) tokenizeCriteoInteger(this.bytes, 0, n, field, sink, source.file, source.line);
      else if (t === DENSE) tokenizeDenseValue(this.bytes, 0, n, field, sink, source.file, source.line, this.featureColumns[k]);
      else tokenizeAvazuHour(this.bytes, 0, n, field, sink, source.file, source.line);
    }
    return out;
  }

  /** The vocabulary as a JSON header and typed arrays (see `CtrVocabulary.deserialize`). */
  serialize(): SerializedCtrVocabulary {
    const kept = this.fields.map((v) => v.keptTokens());
    let total = 0;
    for (const k of kept) total += k.kinds.length;
    const codes = new Uint8Array(total);
    const keys = new Int32Array(total);
    const strings: string[] = [];
    const bigInts: number[] = [];
    let at = 0;
    for (const { kinds, keys: raw } of kept) {
      for (let k = 0; k < kinds.length; k++, at++) {
        const key = raw[k];
        const kind: number = kinds[k];
        codes[at] = kind;
        if (typeof key === 'string') {
          keys[at] = strings.length;
          strings.push(key);
        } else if (kind === TokenKind.Int && (key | 0) !== key) {
          codes[at] = BIG_INT_CODE;
          keys[at] = bigInts.length;
          bigInts.push(key);
        } else keys[at] = key | 0;
      }
    }
    const { bytes: strBytes, ends: strEnds } = packTexts(strings);
    return {
      header: {
        version: SERIAL_VERSION,
        format: {
          name: this.format.name,
          columns: [...this.format.columns],
          expandHour: this.format.expandHour,
          ...(this.format.layout !== undefined ? { layout: { ...this.format.layout, dense: [...this.format.layout.dense], ignored: [...this.format.layout.ignored] } } : {}),
        },
        fieldNames: [...this.fieldNames],
        minCount: this.minCount,
      },
      sections: { fieldDims: this.fieldDims, codes, keys, strBytes, strEnds, bigInts: Float64Array.from(bigInts) },
    };
  }

  /** Restores a serialised vocabulary; throws `LersDataError` (naming `file`) when it is malformed. */
  static deserialize(s: SerializedCtrVocabulary, file = '<memory>'): CtrVocabulary {
    const fail = (why: string): never => {
      throw new LersDataError(`${file}: bad CTR vocabulary: ${why}`);
    };
    const h = s.header as { version?: unknown; format?: Partial<CtrRawFormat>; fieldNames?: unknown; minCount?: unknown };
    if (h.version !== SERIAL_VERSION) fail(`version ${JSON.stringify(h.version)} (this reader knows ${SERIAL_VERSION})`);
    const format = h.format;
    const formatOk = format !== undefined && (format.name === 'criteo' || format.name === 'avazu' || format.name === 'columns') && Array.isArray(format.columns) && typeof format.expandHour === 'boolean';
    if (!formatOk) fail('no valid format');
    const layout = format!.layout;
    const stringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
    const layoutOk = layout === undefined ? format!.name !== 'columns' : typeof layout.label === 'string' && typeof layout.separator === 'string' && stringList(layout.dense) && stringList(layout.ignored);
    if (!layoutOk) fail('no valid column layout');
    const names = h.fieldNames;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) fail('no field names');
    const section = <T extends SectionArray>(name: string, ctor: new (n: number) => T): T => {
      const a = s.sections[name];
      return a instanceof ctor ? a : fail(`section "${name}" is missing or has the wrong type`);
    };
    const dims = section('fieldDims', Int32Array);
    const codes = section('codes', Uint8Array);
    const keys = section('keys', Int32Array);
    const strBytes = section('strBytes', Uint8Array);
    const strEnds = section('strEnds', Int32Array);
    const bigInts = section('bigInts', Float64Array);
    const fieldNames = names as string[];
    if (dims.length !== fieldNames.length) fail(`${dims.length} field sizes for ${fieldNames.length} fields`);
    let total = 0;
    for (const d of dims) total += d >= 1 ? d - 1 : fail(`field size ${d}`);
    if (codes.length !== total || keys.length !== total) fail(`the fields hold ${total} tokens, the sections ${codes.length} and ${keys.length}`);
    let strings: string[] = [];
    try {
      strings = unpackTexts({ bytes: strBytes, ends: strEnds });
    } catch (err) {
      fail(`strings: ${(err as Error).message}`);
    }
    const fields: FieldVocab[] = [];
    let at = 0;
    for (let f = 0; f < dims.length; f++) {
      const n = dims[f] - 1;
      const kept: KeptTokens = { kinds: new Uint8Array(n), keys: new Array<number | string>(n) };
      for (let k = 0; k < n; k++, at++) {
        const code: number = codes[at];
        const key = keys[at];
        kept.kinds[k] = code === BIG_INT_CODE ? TokenKind.Int : code;
        if (code === TokenKind.Str) kept.keys[k] = key >= 0 && key < strings.length ? strings[key] : fail(`string index ${key}`);
        else if (code === BIG_INT_CODE) kept.keys[k] = key >= 0 && key < bigInts.length ? bigInts[key] : fail(`integer index ${key}`);
        else kept.keys[k] = code === TokenKind.Hex ? key >>> 0 : key;
      }
      try {
        fields.push(FieldVocab.fromKept(kept));
      } catch (err) {
        fail(`field ${fieldNames[f]}: ${(err as Error).message}`);
      }
    }
    const minCount = typeof h.minCount === 'number' ? h.minCount : fail('no minCount');
    try {
      return new CtrVocabulary({ name: format!.name!, columns: [...format!.columns!], expandHour: format!.expandHour!, ...(layout !== undefined ? { layout } : {}) }, fieldNames, fields, minCount);
    } catch (err) {
      return fail((err as Error).message);
    }
  }

  /** UTF-8 of `text` into the scratch buffer; returns its length. */
  private toBytes(text: string): number {
    if (this.bytes.length < 3 * text.length) this.bytes = new Uint8Array(3 * text.length);
    return utf8Encoder.encodeInto(text, this.bytes).written;
  }
}
