/**
 * The rows `lers predict` reads, decoded to global feature ids: raw lines of the dataset's own
 * format (Criteo TSV, Avazu CSV) through the vocabulary stored in the model file, or feature ids.
 */
import { CtrRowParser, DataFormatError, type CtrFormatName, type CtrVocabulary, type ParsedCtrRow } from '@lers/data';
import type { CtrSchema } from '@lers/runtime';
import { UsageError } from '../cli/errors.js';

/** Input formats of `lers predict`. */
export type RowFormat = CtrFormatName | 'ids';

/** Decodes one input line (1-based `lineNo`); null for lines that hold no row (blank, header). */
export type RowDecoder = (line: string, lineNo: number) => ParsedCtrRow | null;

const FORMATS: readonly string[] = ['auto', 'criteo', 'avazu', 'ids'];

/**
 * The input format: `--ids` means feature ids; `auto` is the model's raw format when it carries a
 * vocabulary, else ids. A raw format the model cannot decode is a usage error.
 */
export function resolveRowFormat(requested: string, ids: string | undefined, vocabulary: CtrVocabulary | null, model: string): RowFormat {
  if (!FORMATS.includes(requested)) throw new UsageError(`--format must be ${FORMATS.join(', ')}; got ${JSON.stringify(requested)}`);
  if (ids !== undefined && ids !== 'global' && ids !== 'local') throw new UsageError(`--ids must be global or local, got ${JSON.stringify(ids)}`);
  if (ids !== undefined && requested !== 'auto' && requested !== 'ids') throw new UsageError(`--ids applies to --format ids, not ${requested}`);
  if (requested === 'ids' || ids !== undefined) return 'ids';
  if (requested === 'auto') return vocabulary?.format.name ?? 'ids';
  if (vocabulary === null) {
    throw new UsageError(`${model} carries no vocabulary (trained on synthetic data or on an encoded dataset without one), so it cannot read raw ${requested} rows: pass feature ids (--format ids)`);
  }
  if (vocabulary.format.name !== requested) throw new UsageError(`${model} was trained on ${vocabulary.format.name} data; it cannot read ${requested} rows`);
  return requested;
}

/** Raw rows through the vocabulary (see `CtrRowParser`: label column when `label`, Avazu header lines). */
export function rawRowDecoder(vocabulary: CtrVocabulary, label: boolean, source: string): RowDecoder {
  const parser = new CtrRowParser(vocabulary, { label, file: source });
  return (line, lineNo) => parser.parse(line, lineNo);
}

/**
 * Rows of feature ids separated by spaces, tabs or commas, the label first when `label`: global
 * ids (field offsets applied) or local ones (0 .. dim_f - 1 per field, 0 = OOV).
 */
export function idRowDecoder(ds: CtrSchema, ids: 'global' | 'local', label: boolean, source: string): RowDecoder {
  const F = ds.fields;
  const lead = label ? 1 : 0;
  return (line, lineNo) => {
    const text = line.trim();
    if (text === '') return null;
    const parts = text.split(/[\s,]+/);
    if (parts.length !== F + lead) throw new DataFormatError(source, lineNo, line, `expected ${label ? 'a label and ' : ''}${F} feature ids, got ${parts.length} values`);
    let y: 0 | 1 | null = null;
    if (label) {
      const v = Number(parts[0]);
      if (v !== 0 && v !== 1) throw new DataFormatError(source, lineNo, parts[0], 'the label must be 0 or 1');
      y = v;
    }
    const row = new Int32Array(F);
    for (let f = 0; f < F; f++) {
      const v = Number(parts[f + lead]);
      const lo = ids === 'global' ? ds.fieldOffsets[f] : 0;
      const hi = lo + ds.fieldDims[f];
      if (!Number.isInteger(v) || v < lo || v >= hi) throw new DataFormatError(source, lineNo, parts[f + lead], `field ${f + 1} (${ds.fieldNames[f]}) takes ${ids} ids ${lo}..${hi - 1}`);
      row[f] = ids === 'global' ? v : v + ds.fieldOffsets[f];
    }
    return { ids: row, label: y };
  };
}
