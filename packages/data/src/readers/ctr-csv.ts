import { CRITEO_HEADER_ROLES, hasRoles, isCriteoHeader, resolveRoles, type CtrColumnRoles, type CtrRoleSpec } from '../ctr/column-roles.js';
import { columnFieldNames, ctrColumnMap, tokenizeColumnsLine } from '../ctr/columns-format.js';
import { DEFAULT_CTR_SPLIT, type CtrSplitSpec } from '../ctr/split.js';
import { DataFormatError } from '../errors.js';
import { encodeCtrTwoPass, type CtrReadResult, type CtrSourcePlan } from './ctr-two-pass.js';
import { readFirstLine, type ReadProgress } from './lines.js';

/** Options of `readCtrCsv`: the column roles (see `CtrRoleSpec`) and the preprocessing. */
export interface CtrCsvOptions extends CtrRoleSpec {
  /** Dataset name for the manifest (default `criteo` for Criteo's columns, else `ctr-csv`). */
  name?: string;
  /** Default: a tab when the header has one, else a comma. */
  separator?: 'comma' | 'tab';
  /** Per-field minimum count; rarer values share the OOV index (default 10 for Criteo's columns, as the protocol; 2 otherwise, as Avazu). */
  minCount?: number;
  /** Default: random 80/10/10, seed 2023. */
  split?: CtrSplitSpec;
  onProgress?: (p: ReadProgress) => void;
}

/** The roles a header gets: Criteo's columns without options, else the given roles checked against it. */
export function ctrCsvRoles(header: readonly string[], options: CtrRoleSpec, file: string, lineNo: number): { roles: CtrColumnRoles; layout: 'criteo' | 'columns' } {
  if (!hasRoles(options) && isCriteoHeader(header)) return { roles: CRITEO_HEADER_ROLES, layout: 'criteo' };
  return { roles: resolveRoles(header, options, file, lineNo), layout: 'columns' };
}

/**
 * Reads CTR CSV/TSV file(s) with a header (`.gz` accepted): the label column (0/1), dense columns
 * through the protocol's Criteo transform (empty -> its own token) and sparse columns as typed
 * categorical tokens with per-field min-count OOV, in two streaming passes. Criteo's columns
 * (`label, I1..I13, C1..C26`, as DeepCTR and FuxiCTR ship samples) need no options and give the
 * Criteo reader's tokens. Further files either repeat the header or have none.
 */
export async function readCtrCsv(files: string | string[], options: CtrCsvOptions = {}): Promise<CtrReadResult> {
  const paths = Array.isArray(files) ? files : [files];
  if (paths.length === 0) throw new RangeError('readCtrCsv: no files');
  const first = await readFirstLine(paths[0]);
  if (first === null) throw new DataFormatError(paths[0], 0, '', 'empty file');
  const separator = options.separator === 'tab' || (options.separator === undefined && first.line.includes('\t')) ? '\t' : ',';
  const header = first.line.split(separator);
  const { roles, layout } = ctrCsvRoles(header, options, paths[0], first.lineNo);
  const map = ctrColumnMap(header, roles, separator);
  const sources: CtrSourcePlan[] = [];
  for (const path of paths) {
    const head = path === paths[0] ? first : await readFirstLine(path);
    if (head === null) throw new DataFormatError(path, 0, '', 'empty file');
    sources.push({
      path,
      headerLine: head.line === first.line ? head.lineNo : 0,
      tokenize: (bytes, start, end, lineNo, file, sink) => {
        tokenizeColumnsLine(map, bytes, start, end, lineNo, file, sink);
      },
    });
  }
  return encodeCtrTwoPass({
    name: options.name ?? (layout === 'criteo' ? 'criteo' : 'ctr-csv'),
    format: 'ctr-csv',
    rawFormat: { name: 'columns', columns: header, expandHour: false, layout: { label: roles.label, dense: roles.dense, ignored: roles.ignore, separator } },
    fieldNames: columnFieldNames(header, roles),
    sources,
    minCount: options.minCount ?? (layout === 'criteo' ? 10 : 2),
    split: options.split ?? DEFAULT_CTR_SPLIT,
    params: {
      layout,
      separator: separator === '\t' ? 'tab' : 'comma',
      roles: { label: roles.label, dense: roles.dense, sparse: roles.sparse, ignore: roles.ignore },
      denseTransform: 'v>2 ? floor(ln(v)^2) : floor(v)-2',
      empty: 'own token',
    },
    onProgress: options.onProgress,
  });
}
