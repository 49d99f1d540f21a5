/**
 * The settings of a training run (`lers train`, `lers bench`, the web app): one flat record whose
 * keys are the config-file keys (camelCase; kebab-case accepted) and, in kebab-case, the
 * command-line flags, with the protocol's defaults per task and their checks. Effective value =
 * command-line flag > config file > the protocol's default for the task. Model files store the
 * effective record, so a backbone can be rebuilt from it.
 */
import type { JsonObject, JsonValue } from '@lers/data';
import { CL_SOFTMAX_FORMS, type ClSoftmax } from '../cf/config.js';
import { SettingsError } from './errors.js';

export type Task = 'cf' | 'ctr';
export type BackboneName = 'lightgcn' | 'deepfm' | 'dcnmix';
export const BACKBONES: readonly BackboneName[] = ['lightgcn', 'deepfm', 'dcnmix'];

/** Every hyperparameter of a training run. */
export interface TrainSettings {
  task: Task;
  backbone: BackboneName;
  /** Embedding compression method (a registered table method or a pipeline). */
  method: string;
  /** Target sparsity in (0, 1), or null for the uncompressed model. */
  target: number | null;
  /** Extra options of the method (e.g. QR `op`, DHE `k`), merged over the budget solver's sizes. */
  methodOptions: JsonObject;
  /** Dataset: a registry name (synthetic-cf, gowalla, ...), a LightGCN folder, a Criteo/Avazu file or a .lersdata file. */
  data: string;
  /** Options of the dataset (synthetic sizes, min count, carve fraction, ...). */
  dataOptions: JsonObject;
  epochs: number;
  lr: number;
  batchSize: number;
  evalBatchSize: number | null;
  optimizer: 'adam' | 'sgd';
  lazyAdam: boolean;
  /** Optimizer weight decay (coupled L2; CTR default 1e-6). */
  weightDecay: number;
  validEvery: number;
  /** Validations without improvement before stopping (null: never). */
  patience: number | null;
  seed: number;
  /** Accepted relative error of the parameter count against the target (default 0.01). */
  budgetTolerance: number;
  /** PEP / CERP: epochs of the mask search (null: `epochs`). */
  searchEpochs: number | null;
  /** Global gradient-norm clip of every training step, 0 = none (null: the method's own, its registration's recipe: CERP 100, others none). */
  clipGradNorm: number | null;
  /** Embedding width d (CF 64, CTR 16). */
  dim: number;
  // LightGCN
  layers: number;
  /** lambda of the ego-embedding L2 term. */
  l2: number;
  /** w_cl of the SGL-WA InfoNCE term (0 = plain LightGCN). */
  clWeight: number;
  clTemperature: number;
  /** InfoNCE form: one softmax over the batch's users and items ('joint', the benchmark's) or one per side. */
  clSoftmax: ClSoftmax;
  ks: number[];
  // DeepFM / DCN-Mix
  hidden: number[];
  dropout: number;
  batchNorm: boolean;
  crossLayers: number;
  experts: number;
  rank: number;
}

type Kind = 'int' | 'float' | 'string' | 'bool' | 'ints' | 'kv' | 'target' | 'int?' | 'float?';

/** One setting: its flag, kind, range and help. */
export interface SettingSpec {
  readonly key: keyof TrainSettings;
  readonly kind: Kind;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  /** The bound is exclusive. */
  readonly open?: boolean;
  readonly choices?: readonly string[];
  /** Only meaningful for this task (kept out of the effective config of the other). */
  readonly task?: Task;
  /** Only meaningful for these backbones. */
  readonly backbones?: readonly BackboneName[];
  /** Value placeholder in --help. */
  readonly arg?: string;
  /** Set by a global flag (not repeated on each command). */
  readonly global?: boolean;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'task', kind: 'string', choices: ['cf', 'ctr'], help: 'cf (user-item ranking) or ctr (click prediction); inferred from --backbone or --data', arg: 'task' },
  { key: 'backbone', kind: 'string', choices: BACKBONES, help: 'lightgcn (cf), deepfm or dcnmix (ctr); default lightgcn / deepfm', arg: 'name' },
  { key: 'method', kind: 'string', help: 'embedding method (default full); see `lers methods`', arg: 'name' },
  { key: 'target', kind: 'target', help: 'target sparsity, e.g. 0.8 or 80% (1 - params / (rows x d))', arg: 'sparsity' },
  { key: 'methodOptions', kind: 'kv', help: 'method option key=value, repeatable (e.g. op=add, k=256)', arg: 'key=value' },
  { key: 'data', kind: 'string', help: 'dataset: synthetic-cf, synthetic-ctr, a registry name, a LightGCN folder, a Criteo .txt / Avazu .csv file or a .lersdata file', arg: 'name|path' },
  { key: 'dataOptions', kind: 'kv', help: 'dataset option key=value, repeatable (synthetic: users, items, rows, ...; files: minCount, carveValid)', arg: 'key=value' },
  { key: 'epochs', kind: 'int', min: 0, help: 'training epochs (cf 40, ctr 15)', arg: 'n' },
  { key: 'lr', kind: 'float', min: 0, open: true, help: 'learning rate (1e-3)', arg: 'x' },
  { key: 'batchSize', kind: 'int', min: 2, help: 'training batch size (2048)', arg: 'n' },
  { key: 'evalBatchSize', kind: 'int?', min: 1, help: 'evaluation batch size (cf: users per batch 256; ctr: the batch size)', arg: 'n' },
  { key: 'optimizer', kind: 'string', choices: ['adam', 'sgd'], help: 'optimizer (adam)', arg: 'name' },
  { key: 'lazyAdam', kind: 'bool', help: 'lazy Adam on embedding rows (false)', arg: 'bool' },
  { key: 'weightDecay', kind: 'float', min: 0, help: 'optimizer weight decay (cf 0, ctr 1e-6)', arg: 'x' },
  { key: 'validEvery', kind: 'int', min: 0, help: 'validate every n epochs, 0 = never (1)', arg: 'n' },
  { key: 'patience', kind: 'int?', min: 1, help: 'early stop after n validations without improvement (off)', arg: 'n' },
  { key: 'seed', kind: 'int', min: 0, global: true, help: 'seed of initialisation and sampling (2023)', arg: 'n' },
  { key: 'searchEpochs', kind: 'int?', min: 1, help: 'PEP/CERP: epochs of the mask search (default: --epochs)', arg: 'n' },
  { key: 'clipGradNorm', kind: 'float?', min: 0, help: "clip each step's gradients to this global L2 norm, every method alike; 0 = never (default: the method's own: CERP 100 as the reference, others none)", arg: 'x' },
  { key: 'budgetTolerance', kind: 'float', min: 0, help: 'accepted relative error of the parameter count vs the target (0.01)', arg: 'x' },
  { key: 'dim', kind: 'int', min: 1, help: 'embedding width d (cf 64, ctr 16)', arg: 'n' },
  { key: 'layers', kind: 'int', min: 0, task: 'cf', help: 'LightGCN propagation layers (3)', arg: 'n' },
  { key: 'l2', kind: 'float', min: 0, task: 'cf', help: 'LightGCN lambda of the ego L2 term (1e-4)', arg: 'x' },
  { key: 'clWeight', kind: 'float', min: 0, task: 'cf', help: 'SGL-WA w_cl of the InfoNCE term, 0 = plain LightGCN (0.1)', arg: 'x' },
  { key: 'clTemperature', kind: 'float', min: 0, open: true, task: 'cf', help: 'InfoNCE temperature (0.2)', arg: 'x' },
  { key: 'clSoftmax', kind: 'string', choices: CL_SOFTMAX_FORMS, task: 'cf', help: "InfoNCE over the batch's unique users and items: joint = one softmax over both (the benchmark's), per-side = users and items apart (SGL's) (joint)", arg: 'form' },
  { key: 'ks', kind: 'ints', min: 1, task: 'cf', help: 'ranking cut-offs, comma separated (20)', arg: 'list' },
  { key: 'hidden', kind: 'ints', min: 1, task: 'ctr', help: 'DNN hidden widths, comma separated (400,400,400)', arg: 'list' },
  { key: 'dropout', kind: 'float', min: 0, max: 1, task: 'ctr', help: 'DNN dropout (0.5; Avazu 0.2)', arg: 'p' },
  { key: 'batchNorm', kind: 'bool', task: 'ctr', help: 'BatchNorm in the DNN (true)', arg: 'bool' },
  { key: 'crossLayers', kind: 'int', min: 1, task: 'ctr', backbones: ['dcnmix'], help: 'DCN-Mix cross layers (3)', arg: 'n' },
  { key: 'experts', kind: 'int', min: 1, task: 'ctr', backbones: ['dcnmix'], help: 'DCN-Mix experts per layer (4)', arg: 'n' },
  { key: 'rank', kind: 'int', min: 1, task: 'ctr', backbones: ['dcnmix'], help: 'DCN-Mix expert rank (64)', arg: 'n' },
];

/** Settings given by the user (flags or config file), before defaults. */
export type PartialSettings = Partial<TrainSettings>;

/** camelCase -> kebab-case (the flag name). */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** kebab-case or snake_case -> camelCase. */
export function camel(key: string): string {
  return key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
}

const SPEC_BY_KEY = new Map(SETTINGS.map((s) => [s.key as string, s]));

/** Other names of settings (the protocol's w_cl; the flag names of the option maps). */
const ALIASES: Record<string, string> = { wCl: 'clWeight', methodOption: 'methodOptions', dataOption: 'dataOptions', batch: 'batchSize' };

/** The spec of a key (camelCase, kebab-case or snake_case), or undefined. */
export function specOf(key: string): SettingSpec | undefined {
  const k = camel(key);
  return SPEC_BY_KEY.get(ALIASES[k] ?? k);
}

/** Parses a method/data option value: JSON when it parses (numbers, booleans, arrays), else the string. */
export function parseOptionValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Parses `key=value` pairs into an object. */
export function parseKeyValues(pairs: readonly string[], where: string): JsonObject {
  const out: JsonObject = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new SettingsError(`${where}: expected key=value, got ${JSON.stringify(p)}`);
    out[camel(p.slice(0, eq).trim())] = parseOptionValue(p.slice(eq + 1).trim());
  }
  return out;
}

function checkRange(spec: SettingSpec, n: number, where: string): number {
  const name = where;
  if (spec.min !== undefined && (spec.open === true ? !(n > spec.min) : !(n >= spec.min))) {
    throw new SettingsError(`${name} must be ${spec.open === true ? '>' : '>='} ${spec.min}, got ${n}`);
  }
  if (spec.max !== undefined && !(n <= spec.max)) throw new SettingsError(`${name} must be <= ${spec.max}, got ${n}`);
  return n;
}

function toNumber(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new SettingsError(`${where} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/** A target sparsity: 0.8, "0.8" or "80%"; must be in (0, 1). */
export function parseTarget(v: unknown, where: string): number | null {
  if (v === null || v === 'none' || v === 'full') return null;
  let n: number;
  if (typeof v === 'string' && v.trim().endsWith('%')) n = toNumber(v.trim().slice(0, -1), where) / 100;
  else n = toNumber(v, where);
  if (n >= 1 && n < 100 && typeof v === 'number' && Number.isInteger(n)) n = n / 100;
  if (!(n > 0 && n < 1)) throw new SettingsError(`${where} must be a sparsity in (0, 1) such as 0.8 or 80%, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Parses and checks one setting from a flag (a string) or a config file (any JSON value).
 * `where` names the source in messages (e.g. "--lr" or "train.yaml: lr").
 */
export function parseSetting(spec: SettingSpec, raw: unknown, where: string): unknown {
  switch (spec.kind) {
    case 'int':
    case 'int?': {
      if (spec.kind === 'int?' && (raw === null || raw === 'none' || raw === 'off')) return null;
      const n = toNumber(raw, where);
      if (!Number.isInteger(n)) throw new SettingsError(`${where} must be an integer, got ${JSON.stringify(raw)}`);
      return checkRange(spec, n, where);
    }
    case 'float':
      return checkRange(spec, toNumber(raw, where), where);
    case 'float?':
      if (raw === null || raw === 'none' || raw === 'off') return null;
      return checkRange(spec, toNumber(raw, where), where);
    case 'target':
      return parseTarget(raw, where);
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes' || raw === undefined) return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw new SettingsError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
    case 'string': {
      if (typeof raw !== 'string' || raw === '') throw new SettingsError(`${where} must be a non-empty string, got ${JSON.stringify(raw)}`);
      if (spec.choices !== undefined && !spec.choices.includes(raw)) throw new SettingsError(`${where} must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`);
      return raw;
    }
    case 'ints': {
      const items = Array.isArray(raw) ? (raw as unknown[]) : typeof raw === 'string' ? raw.split(',').filter((s) => s.trim() !== '') : typeof raw === 'number' ? [raw] : null;
      if (items === null) throw new SettingsError(`${where} must be a list of integers, got ${JSON.stringify(raw)}`);
      return items.map((x, i) => {
        const n = toNumber(x, `${where}[${i}]`);
        if (!Number.isInteger(n)) throw new SettingsError(`${where}[${i}] must be an integer, got ${JSON.stringify(x)}`);
        return checkRange(spec, n, `${where}[${i}]`);
      });
    }
    case 'kv': {
      if (Array.isArray(raw)) return parseKeyValues(raw.map(String), where);
      if (typeof raw === 'object' && raw !== null) {
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(raw as Record<string, JsonValue>)) out[camel(k)] = v;
        return out;
      }
      throw new SettingsError(`${where} must be an object of options, got ${JSON.stringify(raw)}`);
    }
  }
}

/** The backbone's task. */
export function taskOfBackbone(b: BackboneName): Task {
  return b === 'lightgcn' ? 'cf' : 'ctr';
}

/** The protocol's defaults for a task (and, for CTR, the dataset: Avazu uses dropout 0.2). */
export function defaultSettings(task: Task, backbone: BackboneName, data: string): TrainSettings {
  const common = {
    task,
    backbone,
    method: 'full',
    target: null,
    methodOptions: {},
    data,
    dataOptions: {},
    lr: 1e-3,
    batchSize: 2048,
    evalBatchSize: null,
    optimizer: 'adam' as const,
    lazyAdam: false,
    validEvery: 1,
    patience: null,
    seed: 2023,
    budgetTolerance: 0.01,
    searchEpochs: null,
    clipGradNorm: null,
    layers: 3,
    l2: 1e-4,
    clWeight: 0.1,
    clTemperature: 0.2,
    clSoftmax: 'joint' as const,
    ks: [20],
    hidden: [400, 400, 400],
    dropout: /avazu/i.test(data) ? 0.2 : 0.5,
    batchNorm: true,
    crossLayers: 3,
    experts: 4,
    rank: 64,
  };
  return task === 'cf' ? { ...common, epochs: 40, weightDecay: 0, dim: 64 } : { ...common, epochs: 15, weightDecay: 1e-6, dim: 16 };
}

/** Infers the task from a dataset name or path (null when it does not say). */
export function taskOfData(data: string): Task | null {
  if (/^synthetic-cf$/.test(data)) return 'cf';
  if (/^synthetic-ctr$/.test(data)) return 'ctr';
  if (/criteo|avazu|\.csv(\.gz)?$|\.tsv(\.gz)?$/i.test(data)) return 'ctr';
  if (/gowalla|yelp|amazon|ml-|lastfm|movielens/i.test(data)) return 'cf';
  return null;
}

/**
 * Resolves the effective settings: user values over the defaults of the task, where the task
 * comes from --task, else the backbone, else the dataset (default cf).
 */
export function resolveSettings(given: PartialSettings, dataTask?: (data: string) => Task | null): TrainSettings {
  const data = given.data ?? (given.task === 'ctr' || (given.backbone !== undefined && given.backbone !== 'lightgcn') ? 'synthetic-ctr' : 'synthetic-cf');
  const task = given.task ?? (given.backbone !== undefined ? taskOfBackbone(given.backbone) : (dataTask?.(data) ?? taskOfData(data) ?? 'cf'));
  const backbone = given.backbone ?? (task === 'cf' ? 'lightgcn' : 'deepfm');
  if (taskOfBackbone(backbone) !== task) {
    throw new SettingsError(`--backbone ${backbone} is a ${taskOfBackbone(backbone)} model but the task is ${task} (cf: lightgcn; ctr: deepfm, dcnmix)`);
  }
  const merged: TrainSettings = { ...defaultSettings(task, backbone, data) };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  merged.task = task;
  merged.backbone = backbone;
  merged.data = data;
  if (merged.method === 'full' && merged.target !== null) {
    throw new SettingsError(`method full has no target (sparsity 0); drop --target ${merged.target} or choose a compression method`);
  }
  return merged;
}

/** The settings that matter for this task and backbone (what is printed and stored). */
export function effectiveConfig(s: TrainSettings): JsonObject {
  const out: JsonObject = {};
  for (const spec of SETTINGS) {
    if (spec.task !== undefined && spec.task !== s.task) continue;
    if (spec.backbones !== undefined && !spec.backbones.includes(s.backbone)) continue;
    out[spec.key] = s[spec.key];
  }
  return out;
}
