import { fieldOffsetsFrom, type CtrDataset } from '../ctr/dataset.js';
import { remapToGlobalIds, TokenIdSink, type CtrRowSink } from '../ctr/row-sink.js';
import { splitRows, type CtrSplitSpec } from '../ctr/split.js';
import { FieldVocab } from '../ctr/vocab.js';
import { CtrVocabulary, type CtrRawFormat } from '../ctr/vocabulary.js';
import { DataFormatError, LersDataError } from '../errors.js';
import { CREATED_BY, toJsonObject, type JsonObject } from '../manifest.js';
import { sourceFileOf, throughputOf, type Throughput } from './common.js';
import { forEachLineBytes, type LineReadResult, type ReadProgress } from './lines.js';

/** Parses one data line `bytes[start..end)` into a sink (throws `DataFormatError` on bad input). */
export type LineTokenizer = (bytes: Uint8Array, start: number, end: number, lineNo: number, file: string, sink: CtrRowSink) => void;

/** One input file of a CTR dataset: its header line number (0 = none) and its tokenizer. */
export interface CtrSourcePlan {
  path: string;
  headerLine: number;
  tokenize: LineTokenizer;
}

/** What the two-pass encoder needs besides the files. */
export interface CtrEncodeSpec {
  name: string;
  format: string;
  /** The raw row layout, kept with the vocabulary so that raw rows can be encoded later. */
  rawFormat: CtrRawFormat;
  fieldNames: string[];
  sources: CtrSourcePlan[];
  /** Tokens seen fewer times than this (in all rows) go to the field's OOV index 0. */
  minCount: number;
  split: CtrSplitSpec;
  /** Format-specific preprocessing parameters for the manifest (minCount and split are added). */
  params: JsonObject;
  onProgress?: (p: ReadProgress) => void;
}

/** A CTR reader's dataset (with its `vocabulary`), the per-field vocabularies (index -> token) and the read speed. */
export interface CtrReadResult {
  dataset: CtrDataset & { vocabulary: CtrVocabulary };
  vocabs: FieldVocab[];
  throughput: Throughput;
}

/**
 * Encodes CTR files in two streaming passes: pass 1 only counts the data lines (and hashes the
 * files); pass 2 parses every line once, counting its tokens per field and writing their dense ids
 * into one preallocated `rows x fields` Int32Array; then the vocabularies are cut at `minCount` and
 * the dense ids remapped to global ids in place. Memory is the vocabularies plus the output, never
 * the text, so a 45M-row Criteo file (x = 7.2 GB) fits a 24 GiB machine.
 */
export async function encodeCtrTwoPass(spec: CtrEncodeSpec): Promise<CtrReadResult> {
  const started = performance.now();
  const firstPass: LineReadResult[] = [];
  let rows = 0;
  for (const src of spec.sources) {
    firstPass.push(
      await forEachLineBytes(
        src.path,
        (_bytes, _start, _end, lineNo) => {
          if (lineNo !== src.headerLine) rows++;
        },
        { phase: 'count', onProgress: spec.onProgress },
      ),
    );
  }
  if (rows === 0) throw new DataFormatError(spec.sources[0]?.path ?? spec.name, 0, '', 'no data rows');

  const vocabs = spec.fieldNames.map(() => new FieldVocab());
  const fields = vocabs.length;
  const x = new Int32Array(rows * fields);
  const labels = new Uint8Array(rows);
  const parser = new TokenIdSink(vocabs, x, labels);
  for (let s = 0; s < spec.sources.length; s++) {
    const src = spec.sources[s];
    const second = await forEachLineBytes(
      src.path,
      (bytes, start, end, lineNo) => {
        if (lineNo === src.headerLine) return;
        if (parser.row === rows) throw new LersDataError(`${src.path}: file changed between the two passes (more rows than counted)`);
        src.tokenize(bytes, start, end, lineNo, src.path, parser);
      },
      { phase: 'encode', onProgress: spec.onProgress, hash: false },
    );
    if (second.diskBytes !== firstPass[s].diskBytes) throw new LersDataError(`${src.path}: file changed between the two passes`);
  }
  parser.finish();
  if (parser.row !== rows) throw new LersDataError(`row count changed between the two passes (${rows} then ${parser.row})`);
  const fieldDims = Int32Array.from(vocabs, (v) => v.finalize(spec.minCount));
  const fieldOffsets = fieldOffsetsFrom(fieldDims);
  const oovTokens = remapToGlobalIds(x, vocabs, fieldOffsets);

  let distinct = 0;
  for (const v of vocabs) distinct += v.distinct;
  let features = 0;
  for (const d of fieldDims) features += d;
  const dataset: CtrDataset & { vocabulary: CtrVocabulary } = {
    kind: 'ctr',
    rows,
    fields,
    fieldNames: [...spec.fieldNames],
    fieldDims,
    fieldOffsets,
    x,
    labels,
    split: splitRows(rows, spec.split),
    manifest: {
      name: spec.name,
      task: 'ctr',
      format: spec.format,
      sources: firstPass.map(sourceFileOf),
      params: { ...spec.params, minCount: spec.minCount, split: toJsonObject(spec.split) },
      counts: { rows, positives: parser.positives, fields, features, distinctTokens: distinct, oovTokens },
      splitSeed: spec.split.kind === 'random' ? spec.split.seed : null,
      createdBy: CREATED_BY,
    },
    // Compact copies: only the kept tokens (the counting tables also hold every rare value).
    vocabulary: new CtrVocabulary(spec.rawFormat, spec.fieldNames, vocabs.map((v) => FieldVocab.fromKept(v.keptTokens())), spec.minCount),
  };
  return { dataset, vocabs, throughput: throughputOf(firstPass, (performance.now() - started) / 1000, rows) };
}
