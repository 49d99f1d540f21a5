import { DataFormatError } from '../errors.js';
import { ctrFormatLayout, type CtrFormatLayout, type CtrVocabulary } from './vocabulary.js';

/** Options of `CtrRowParser`. */
export interface CtrRowParserOptions {
  /**
   * The rows carry the label column (Criteo: the first column; Avazu: `click`) and it is read.
   * Without it, rows have no label column (Avazu: one that a header names is skipped).
   */
  readonly label: boolean;
  /** The input's name in error messages (default `<rows>`). */
  readonly file?: string;
}

/** One parsed row: its global feature ids and its label (null when the rows carry none). */
export interface ParsedCtrRow {
  ids: Int32Array;
  label: 0 | 1 | null;
}

/** Where each value of a line goes. */
interface LineLayout {
  columns: number;
  /** Position of each of the vocabulary's feature columns in a line. */
  features: Int32Array;
  /** Position of the label, or -1. */
  label: number;
}

/**
 * Raw text lines of a dataset's own format (Criteo TSV, Avazu CSV) -> feature ids, for serving a
 * model on the rows it was trained on. Columns are the training file's (without the label unless
 * `label`); an Avazu input may start with a header line naming its columns, in any order. Values go
 * through `CtrVocabulary.encodeRow`, i.e. the reader's own preprocessing.
 */
export class CtrRowParser {
  private readonly file: string;
  private readonly format: CtrFormatLayout;
  private layout: LineLayout | null = null;

  constructor(
    readonly vocabulary: CtrVocabulary,
    readonly options: CtrRowParserOptions,
  ) {
    this.file = options.file ?? '<rows>';
    this.format = ctrFormatLayout(vocabulary.format);
  }

  /**
   * Parses line `lineNo` (1-based, no line break). Returns null for an empty line or a header line;
   * throws `DataFormatError` naming file, line and value for a malformed row.
   */
  parse(line: string, lineNo: number): ParsedCtrRow | null {
    if (line.length === 0) return null;
    const values = line.split(this.format.separator);
    if (this.layout === null) {
      const header = this.format.header && this.isHeader(values);
      this.layout = header ? this.headerLayout(values, lineNo) : this.defaultLayout();
      if (header) return null;
    }
    const layout = this.layout;
    if (values.length !== layout.columns) {
      const what = this.format.separator === '\t' ? 'tab' : 'comma';
      throw new DataFormatError(this.file, lineNo, line, `expected ${layout.columns} ${what}-separated fields (${layout.label >= 0 ? 'with' : 'without'} a label), found ${values.length}`);
    }
    let label: 0 | 1 | null = null;
    if (layout.label >= 0) {
      const y = values[layout.label];
      if (y !== '0' && y !== '1') throw new DataFormatError(this.file, lineNo, y, 'label must be 0 or 1');
      label = y === '1' ? 1 : 0;
    }
    const features = Array.from(layout.features, (k) => values[k]);
    return { ids: this.vocabulary.encodeRow(features, undefined, { file: this.file, line: lineNo }), label };
  }

  /**
   * Whether a first line is a header: Avazu's data lines start with a numeric id; a `columns`
   * format's header names only known columns (its data lines may hold any text).
   */
  private isHeader(values: readonly string[]): boolean {
    if (this.vocabulary.format.name !== 'columns') return !/^\d+$/.test(values[0]);
    const known = new Set([this.format.label, ...this.format.ignored, ...this.vocabulary.featureColumns]);
    return values.every((v) => known.has(v));
  }

  /** Without a header: the training file's columns, minus the label column unless `label`. */
  private defaultLayout(): LineLayout {
    const labelName = this.format.label;
    const columns = this.vocabulary.format.columns.filter((c) => this.options.label || c !== labelName);
    return this.layoutOf(columns, 0);
  }

  /** From a header line: every feature column must be named once; the label too when `label`. */
  private headerLayout(columns: string[], lineNo: number): LineLayout {
    const { label, ignored } = this.format;
    const known = new Set([label, ...ignored, ...this.vocabulary.featureColumns]);
    const unknown = columns.filter((c) => !known.has(c));
    if (unknown.length > 0) throw new DataFormatError(this.file, lineNo, unknown.join(','), 'header names columns the model was not trained on');
    return this.layoutOf(columns, lineNo);
  }

  private layoutOf(columns: readonly string[], lineNo: number): LineLayout {
    const labelName = this.format.label;
    const missing = this.vocabulary.featureColumns.filter((c) => !columns.includes(c));
    if (this.options.label && !columns.includes(labelName)) missing.push(labelName);
    if (missing.length > 0) throw new DataFormatError(this.file, lineNo, missing.join(','), 'missing columns');
    const repeated = columns.filter((c, k) => columns.indexOf(c) !== k);
    if (repeated.length > 0) throw new DataFormatError(this.file, lineNo, repeated.join(','), 'repeated columns');
    return {
      columns: columns.length,
      features: Int32Array.from(this.vocabulary.featureColumns, (c) => columns.indexOf(c)),
      label: this.options.label ? columns.indexOf(labelName) : -1,
    };
  }
}
