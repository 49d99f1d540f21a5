import { cfDatasetOf, groupInteractions, InteractionLog } from '../cf/interactions.js';
import { splitPerUser, type CfSplitSpec } from '../cf/split.js';
import { DataFormatError, DataOptionError } from '../errors.js';
import { toJsonObject } from '../manifest.js';
import { decodeText, parseNumberBytes, splitFields } from '../util/bytes.js';
import { sourceFileOf, throughputOf } from './common.js';
import { forEachLineBytes, readFirstLine, type ReadProgress } from './lines.js';
import type { CfReadResult } from './lightgcn.js';

/** The field types of RecBole atomic files. */
export const RECBOLE_TYPES = ['token', 'token_seq', 'float', 'float_seq'] as const;
/** One of `RECBOLE_TYPES`. */
export type RecBoleType = (typeof RECBOLE_TYPES)[number];

/** One column of a RecBole header (`name:type`). */
export interface RecBoleField {
  name: string;
  type: RecBoleType;
}

/** Options of `readRecBole`; the field names default to RecBole's (`USER_ID_FIELD`, ...). */
export interface RecBoleOptions {
  /** Dataset name for the manifest (default: the file name without `.inter`). */
  name?: string;
  /** Default `user_id`. */
  userField?: string;
  /** Default `item_id`. */
  itemField?: string;
  /** Default `rating` (when the header has it). */
  ratingField?: string;
  /** Default `timestamp` (when the header has it). */
  timeField?: string;
  /** Implicit feedback, RecBole's `threshold`: keep interactions with rating >= this (default: keep all). */
  minRating?: number;
  /**
   * Per-user split; default RecBole's `RS: [0.8, 0.1, 0.1]`, `order: RO` (random). A ratio split
   * uses RecBole's rounding unless it says otherwise; leave-k-out with k = 1 is RecBole's `LS`.
   */
  split?: CfSplitSpec;
  /** Split seed (default 2023). */
  seed?: number;
  onProgress?: (p: ReadProgress) => void;
}

const TAB = 9;
const TYPED_FIELD = /^([^:\t]+):([^:\t]*)$/;

/** Whether a first line is a RecBole typed header: tab-separated `name:type` fields (known types or not). */
export function looksLikeRecBoleHeader(line: string): boolean {
  return line.split('\t').every((f) => /^[^:\t,]+:[A-Za-z_]+$/.test(f));
}

/**
 * Parses a RecBole header line (`user_id:token\titem_id:token\trating:float`); throws
 * `DataFormatError` naming the field for a missing `:type` or an unknown type.
 */
export function parseRecBoleHeader(line: string, file: string, lineNo: number): RecBoleField[] {
  return line.split('\t').map((field) => {
    const m = TYPED_FIELD.exec(field);
    if (m === null) throw new DataFormatError(file, lineNo, field, 'a RecBole header field must be name:type');
    const type = m[2];
    if (!(RECBOLE_TYPES as readonly string[]).includes(type)) {
      throw new DataFormatError(file, lineNo, field, `unknown RecBole field type "${type}" (known: ${RECBOLE_TYPES.join(', ')})`);
    }
    return { name: m[1], type: type as RecBoleType };
  });
}

/**
 * Reads a RecBole atomic `.inter` file (tab-separated, typed header, `.gz` accepted) as implicit
 * feedback with RecBole's split rules, seeded. Token ids are remapped to dense indices in increasing
 * raw order and kept (`userIds`/`itemIds`, or `userNames`/`itemNames` for text tokens). Columns other
 * than user, item, rating and timestamp are read past (listed in the manifest). A repeated
 * (user, item) pair is kept once (the first in file order) and counted (RecBole keeps repeats
 * unless `rm_dup_inter` is set; a CSR graph cannot).
 */
export async function readRecBole(file: string, options: RecBoleOptions = {}): Promise<CfReadResult> {
  const started = performance.now();
  const first = await readFirstLine(file);
  if (first === null) throw new DataFormatError(file, 0, '', 'empty file');
  const fields = parseRecBoleHeader(first.line, file, first.lineNo);
  const find = (name: string, types: readonly RecBoleType[], required: boolean, option: string): number => {
    const at = fields.findIndex((f) => f.name === name);
    if (at < 0) {
      if (required) throw new DataFormatError(file, first.lineNo, first.line, `no "${name}" field (set ${option} to the column's name)`);
      return -1;
    }
    if (!types.includes(fields[at].type)) throw new DataFormatError(file, first.lineNo, `${name}:${fields[at].type}`, `field ${name} must be of type ${types.join(' or ')}`);
    return at;
  };
  const userCol = find(options.userField ?? 'user_id', ['token'], true, 'userField');
  const itemCol = find(options.itemField ?? 'item_id', ['token'], true, 'itemField');
  const ratingCol = find(options.ratingField ?? 'rating', ['float'], options.ratingField !== undefined, 'ratingField');
  const timeCol = find(options.timeField ?? 'timestamp', ['float'], options.timeField !== undefined, 'timeField');
  if (options.minRating !== undefined && ratingCol < 0) throw new DataOptionError(`${file}: minRating needs a rating field (the header has ${fields.map((f) => f.name).join(', ')})`);
  const split: CfSplitSpec = options.split === undefined ? { kind: 'ratio', train: 0.8, valid: 0.1, test: 0.1, rounding: 'recbole' } : options.split.kind === 'ratio' ? { rounding: 'recbole', ...options.split } : options.split;
  if (split.order === 'time' && timeCol < 0) throw new DataOptionError(`${file}: split order "time" (RecBole's TO) needs a timestamp field`);
  const used = [userCol, itemCol, ratingCol, timeCol];
  const ignored = fields.filter((_, k) => !used.includes(k)).map((f) => f.name);
  const minRating = options.minRating ?? Number.NEGATIVE_INFINITY;
  const bounds = new Int32Array(2 * fields.length);
  const log = new InteractionLog();
  let rows = 0;
  let belowThreshold = 0;
  const number = (bytes: Uint8Array, col: number, lineNo: number): number => {
    const v = parseNumberBytes(bytes, bounds[2 * col], bounds[2 * col + 1]);
    if (!Number.isFinite(v)) throw new DataFormatError(file, lineNo, decodeText(bytes, bounds[2 * col], bounds[2 * col + 1]), `${fields[col].name} is not a number`);
    return v;
  };

  const read = await forEachLineBytes(
    file,
    (bytes, start, end, lineNo) => {
      if (lineNo === first.lineNo) return;
      const n = splitFields(bytes, start, end, TAB, bounds);
      if (n !== fields.length) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `expected ${fields.length} tab-separated fields (as the header), found ${n}`);
      rows++;
      const time = timeCol >= 0 ? number(bytes, timeCol, lineNo) : 0;
      if (ratingCol >= 0 && number(bytes, ratingCol, lineNo) < minRating) {
        belowThreshold++;
        return;
      }
      for (const [col, ids] of [[userCol, log.users], [itemCol, log.items]] as const) {
        if (bounds[2 * col] === bounds[2 * col + 1]) throw new DataFormatError(file, lineNo, decodeText(bytes, start, end), `empty ${fields[col].name}`);
        ids.pushBytes(bytes, bounds[2 * col], bounds[2 * col + 1]);
      }
      log.times.push(time);
    },
    { onProgress: options.onProgress },
  );
  if (rows === 0) throw new DataFormatError(file, first.lineNo, first.line, 'no interactions (only the header line)');

  const seed = options.seed ?? 2023;
  const dataset = cfDatasetOf(groupInteractions(log), {
    name: options.name ?? (file.split(/[\\/]/).pop() ?? 'recbole').replace(/\.inter(\.gz)?$/, ''),
    format: 'recbole-inter',
    sources: [sourceFileOf(read)],
    params: {
      fields: fields.map((f) => `${f.name}:${f.type}`),
      userField: fields[userCol].name,
      itemField: fields[itemCol].name,
      ratingField: ratingCol >= 0 ? fields[ratingCol].name : null,
      timeField: timeCol >= 0 ? fields[timeCol].name : null,
      ignoredFields: ignored,
      minRating: options.minRating ?? null,
      split: toJsonObject(split),
      seed,
    },
    counts: { rows, belowThreshold },
    split: (lists, keys) => splitPerUser(lists, keys, split, seed),
    splitSeed: seed,
  });
  return { dataset, throughput: throughputOf([read], (performance.now() - started) / 1000, rows) };
}
