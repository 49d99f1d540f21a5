import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { CfSplitSpec } from '../cf/split.js';
import type { CtrSplitSpec } from '../ctr/split.js';
import { DataOptionError } from '../errors.js';
import type { JsonObject } from '../manifest.js';
import type { TripletColumn } from '../readers/triplets.js';
import type { DataFormat } from './detect.js';
import type { DatasetSpec } from './load.js';

/**
 * Reader options as key=value pairs (`--data-option`, `lers-data encode --option`, a config file),
 * checked per format and turned into a `DatasetSpec`. One table of keys for every front end.
 */

const CF_SPLIT_KEYS = ['split', 'ratios', 'order', 'splitSeed', 'minRating'];
const CTR_KEYS = ['minCount', 'split', 'splitSeed'];
/** The option keys each format takes (besides `name`). */
export const FORMAT_OPTION_KEYS: Readonly<Record<Exclude<DataFormat, 'lersdata'>, readonly string[]>> = {
  lightgcn: ['carveValid', 'splitSeed'],
  movielens: CF_SPLIT_KEYS,
  triplets: [...CF_SPLIT_KEYS, 'separator', 'header', 'columns'],
  recbole: [...CF_SPLIT_KEYS, 'userField', 'itemField', 'ratingField', 'timeField'],
  criteo: CTR_KEYS,
  avazu: [...CTR_KEYS, 'expandHour'],
  'ctr-csv': [...CTR_KEYS, 'label', 'dense', 'sparse', 'ignore', 'separator', 'schema'],
};

/** Whether reader options declare CTR column roles (then a header CSV reads as `ctr-csv`). */
export function rolesGivenIn(options: JsonObject): boolean {
  return ['label', 'dense', 'sparse', 'ignore', 'schema'].some((k) => options[k] !== undefined);
}

/** Keys a CTR schema file may hold. */
const SCHEMA_KEYS = ['label', 'dense', 'sparse', 'ignore', 'separator', 'minCount'];

class Options {
  constructor(
    private readonly o: JsonObject,
    private readonly format: string,
  ) {}

  private fail(key: string, want: string): never {
    throw new DataOptionError(`${this.format} option ${key} must be ${want}, got ${JSON.stringify(this.o[key])}`);
  }
  has(key: string): boolean {
    return this.o[key] !== undefined;
  }
  str(key: string): string | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : this.fail(key, 'a string');
  }
  num(key: string): number | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    return Number.isFinite(n) ? n : this.fail(key, 'a number');
  }
  bool(key: string): boolean | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return this.fail(key, 'true or false');
  }
  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    return (values as readonly string[]).includes(v) ? (v as T) : this.fail(key, `one of ${values.join(', ')}`);
  }
  /** A list: an array, or a comma/space-separated string. */
  list(key: string): string[] | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
    if (typeof v === 'string') return v.split(/[,\s]+/).filter((s) => s !== '');
    return this.fail(key, 'a list of names');
  }
}

/** The per-user split of a CF format: `split` ratio|leave-one-out (RecBole's RS|LS too), `ratios`, `order` random|time (RO|TO). */
function cfSplit(o: Options): CfSplitSpec | undefined {
  const kind = o.oneOf('split', ['ratio', 'leave-one-out', 'RS', 'LS']);
  const order = o.oneOf('order', ['random', 'time', 'RO', 'TO']);
  const ratioList = o.list('ratios');
  if (kind === undefined && order === undefined && ratioList === undefined) return undefined;
  const orderOf = order === undefined ? {} : { order: order === 'time' || order === 'TO' ? ('time' as const) : ('random' as const) };
  if (kind === 'leave-one-out' || kind === 'LS') {
    if (ratioList !== undefined) throw new DataOptionError('ratios apply to split=ratio, not leave-one-out');
    return { kind: 'leave-k-out', k: 1, ...orderOf };
  }
  const ratios = (ratioList ?? ['0.8', '0.1', '0.1']).map(Number);
  if (ratios.length !== 3 || ratios.some((r) => !(r >= 0)) || !(ratios[0] + ratios[1] + ratios[2] > 0)) {
    throw new DataOptionError(`ratios must be three non-negative numbers train,valid,test, got ${JSON.stringify(ratioList)}`);
  }
  return { kind: 'ratio', train: ratios[0], valid: ratios[1], test: ratios[2], ...orderOf };
}

/** The CTR split: `split` random|chronological, `splitSeed` (default 2023). */
function ctrSplit(o: Options): CtrSplitSpec | undefined {
  const kind = o.oneOf('split', ['random', 'chronological']);
  const seed = o.num('splitSeed');
  if (kind === 'chronological') return { kind: 'chronological' };
  return seed !== undefined || kind === 'random' ? { kind: 'random', seed: seed ?? 2023 } : undefined;
}

/** A CTR schema file (JSON or YAML): `label`, `dense`, `sparse`, `ignore`, `separator`, `minCount`. */
export function readCtrSchema(path: string): JsonObject {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new DataOptionError(`${path}: not a JSON/YAML schema: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataOptionError(`${path}: a schema is an object with ${SCHEMA_KEYS.join(', ')}`);
  const unknown = Object.keys(value).filter((k) => !SCHEMA_KEYS.includes(k));
  if (unknown.length > 0) throw new DataOptionError(`${path}: unknown schema keys ${unknown.join(', ')} (known: ${SCHEMA_KEYS.join(', ')})`);
  return value as JsonObject;
}

/**
 * The spec that reads `files` as `format` with `options` (keys of `FORMAT_OPTION_KEYS`, plus
 * `name`). Unknown keys, wrong types and a wrong number of files throw `DataOptionError`. A
 * `schema` file's roles are merged under the options given directly.
 */
export function datasetSpecOf(format: Exclude<DataFormat, 'lersdata'>, files: readonly string[], options: JsonObject = {}): DatasetSpec {
  const known = FORMAT_OPTION_KEYS[format];
  const unknown = Object.keys(options).filter((k) => k !== 'name' && !known.includes(k));
  if (unknown.length > 0) throw new DataOptionError(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for ${format} data (known: name, ${known.join(', ')})`);
  const single = format === 'movielens' || format === 'triplets' || format === 'recbole';
  if (single && files.length !== 1) throw new DataOptionError(`${format} reads one file, got ${files.length}`);
  if (format === 'lightgcn' && (files.length < 2 || files.length > 3)) throw new DataOptionError(`lightgcn needs train [valid] test, got ${files.length} files`);
  if (files.length === 0) throw new DataOptionError(`${format} needs at least one file`);
  let o = new Options(options, format);
  const name = o.str('name');
  const seed = o.num('splitSeed');
  switch (format) {
    case 'lightgcn': {
      const fraction = o.num('carveValid');
      return {
        reader: 'lightgcn',
        name,
        train: files[0],
        ...(files.length === 3 ? { valid: files[1] } : {}),
        test: files[files.length - 1],
        ...(fraction !== undefined && files.length === 2 ? { carveValidation: { fraction, seed: seed ?? 2023 } } : {}),
      };
    }
    case 'movielens':
      return { reader: 'movielens', name, file: files[0], minRating: o.num('minRating'), split: cfSplit(o), seed };
    case 'triplets': {
      const columns = o.list('columns');
      const roles: readonly string[] = ['user', 'item', 'rating', 'timestamp', 'skip'];
      if (columns !== undefined && columns.some((c) => !roles.includes(c))) throw new DataOptionError(`triplets option columns takes ${roles.join(', ')}; got ${columns.join(',')}`);
      return {
        reader: 'triplets',
        name,
        file: files[0],
        separator: o.oneOf('separator', ['tab', 'comma', 'space']),
        header: o.bool('header'),
        columns: columns as TripletColumn[] | undefined,
        minRating: o.num('minRating'),
        split: cfSplit(o),
        seed,
      };
    }
    case 'recbole':
      return {
        reader: 'recbole',
        name,
        file: files[0],
        userField: o.str('userField'),
        itemField: o.str('itemField'),
        ratingField: o.str('ratingField'),
        timeField: o.str('timeField'),
        minRating: o.num('minRating'),
        split: cfSplit(o),
        seed,
      };
    case 'criteo':
      return { reader: 'criteo', name, files: [...files], minCount: o.num('minCount'), split: ctrSplit(o) };
    case 'avazu':
      return { reader: 'avazu', name, files: [...files], minCount: o.num('minCount'), split: ctrSplit(o), expandHour: o.bool('expandHour') };
    case 'ctr-csv': {
      const schemaPath = o.str('schema');
      if (schemaPath !== undefined) {
        const { schema: _s, ...given } = options;
        o = new Options({ ...readCtrSchema(schemaPath), ...given }, format);
      }
      return {
        reader: 'ctr-csv',
        name,
        files: [...files],
        label: o.str('label'),
        dense: o.list('dense'),
        sparse: o.list('sparse'),
        ignore: o.list('ignore'),
        separator: o.oneOf('separator', ['comma', 'tab']),
        minCount: o.num('minCount'),
        split: ctrSplit(o),
      };
    }
  }
}
