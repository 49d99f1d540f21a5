import { AVAZU_COLUMNS, avazuColumnMap, avazuFieldNames, tokenizeAvazuLine } from '../ctr/avazu-format.js';
import { DEFAULT_CTR_SPLIT, type CtrSplitSpec } from '../ctr/split.js';
import { DataFormatError } from '../errors.js';
import { encodeCtrTwoPass, type CtrReadResult, type CtrSourcePlan } from './ctr-two-pass.js';
import { readFirstLine, type ReadProgress } from './lines.js';

/** Options of `readAvazu`; defaults follow the benchmark protocol. */
export interface AvazuOptions {
  /** Dataset name for the manifest (default `avazu`). */
  name?: string;
  /** Per-field minimum count; rarer values share the OOV index (default 2). */
  minCount?: number;
  /** Replace `hour` (YYMMDDHH) by hour-of-day, weekday and is-weekend (default false: 22 fields). */
  expandHour?: boolean;
  /** Default: random 80/10/10, seed 2023. */
  split?: CtrSplitSpec;
  /** Column names for files without a header (default: the first file's header, else `AVAZU_COLUMNS`). */
  columns?: string[];
  onProgress?: (p: ReadProgress) => void;
}

/**
 * Reads Avazu CSV file(s) (`.gz` accepted): drops `id`, takes `click` as the label and every other
 * column as a categorical field. A file whose first line does not start with a number has a header;
 * others use `columns`. Several files (e.g. train.csv and a headerless continuation) form one dataset.
 */
export async function readAvazu(files: string | string[], options: AvazuOptions = {}): Promise<CtrReadResult> {
  const expandHour = options.expandHour ?? false;
  const sources: CtrSourcePlan[] = [];
  let fieldNames: string[] | null = null;
  let firstColumns: string[] | null = null;
  let defaultColumns = options.columns ?? null;
  for (const path of Array.isArray(files) ? files : [files]) {
    const first = await readFirstLine(path);
    if (first === null) throw new DataFormatError(path, 0, '', 'empty file');
    const head = first.line.split(',');
    const hasHeader = !/^\d+$/.test(head[0]);
    const columns = hasHeader ? head : (defaultColumns ?? [...AVAZU_COLUMNS]);
    if (hasHeader) defaultColumns ??= head;
    fieldNames ??= avazuFieldNames(columns, expandHour);
    firstColumns ??= columns;
    const map = avazuColumnMap(columns, fieldNames, expandHour, path, first.lineNo);
    sources.push({
      path,
      headerLine: hasHeader ? first.lineNo : 0,
      tokenize: (bytes, start, end, lineNo, file, sink) => {
        tokenizeAvazuLine(map, bytes, start, end, lineNo, file, sink);
      },
    });
  }
  return encodeCtrTwoPass({
    name: options.name ?? 'avazu',
    format: 'avazu-csv',
    rawFormat: { name: 'avazu', columns: firstColumns ?? [...AVAZU_COLUMNS], expandHour },
    fieldNames: fieldNames ?? [],
    sources,
    minCount: options.minCount ?? 2,
    split: options.split ?? DEFAULT_CTR_SPLIT,
    params: { expandHour },
    onProgress: options.onProgress,
  });
}
