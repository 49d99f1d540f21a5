/**
 * The benchmark grid: methods x targets x datasets x backbones, with the settings of a profile.
 * `default` runs the synthetic CF and CTR data with every method at 50/80/95% in under 10 minutes
 * on 2 cores; `quick` (CI) under 2 minutes. Real datasets use the protocol's settings.
 */
import type { JsonObject } from '@lers/data';
import { UsageError } from '../cli/errors.js';
import { settingsDigest } from '../config/digest.js';
import type { MethodKind } from '@lers/embeddings';
import { BACKBONES, methodNames, methodRegistrations, resolveSettings, taskOfBackbone, taskOfData, type BackboneName as Backbone, type PartialSettings, type Task, type TrainSettings } from '@lers/models';
import { dataTask } from '../data/datasets.js';
import type { TuneOptions } from '@lers/models/tuning';

/** A registered method's kind, or null for an unknown name. */
function methodKind(name: string): MethodKind | null {
  return methodRegistrations().find((m) => m.name === name)?.kind ?? null;
}

export type ProfileName = 'default' | 'quick';

/** A bench profile: what runs by default and the settings of the synthetic data. */
export interface BenchProfile {
  readonly name: ProfileName;
  readonly datasets: readonly string[];
  readonly backbones: readonly Backbone[];
  readonly targets: readonly number[];
  /** Settings of the synthetic datasets (data sizes included), per task. */
  readonly synthetic: Readonly<Record<Task, PartialSettings>>;
  /** Settings of real datasets (on top of the protocol's defaults), per task. */
  readonly real: Readonly<Record<Task, PartialSettings>>;
  /** Method options of the synthetic datasets per task and method (PEP/CERP thresholds that prune within the profile's epochs). */
  readonly methodOptions: Readonly<Record<Task, Readonly<Record<string, JsonObject>>>>;
  /** Timed repeats of the per-cell latency probe. */
  readonly profileRepeats: number;
}

/**
 * PEP and CERP on the small synthetic tables: the protocol's initial threshold (-15) does not prune
 * within a few epochs; these start at 80% of the target's pruning (thresholdInit 'auto': s from the
 * initial weights; the short searches of these profiles do the rest, as the capture table shows)
 * and capture masks at exactly the target, so every method is compared at the same budget.
 */
const AUTO_START: JsonObject = { thresholdInit: 'auto', autoStart: 0.8, capture: 'exact' };
const SYNTHETIC_METHOD_OPTIONS: Readonly<Record<Task, Readonly<Record<string, JsonObject>>>> = {
  // PEP does not reach 95% on synthetic CF: s decays towards 0, so its threshold stays below
  // sigmoid(0) = 0.5, and about 6% of the trained user entries grow past it (an n/a cell).
  cf: { pep: AUTO_START, cerp: AUTO_START },
  ctr: { pep: AUTO_START, cerp: AUTO_START },
};

const SYNTHETIC_CF: PartialSettings = { lr: 0.01, batchSize: 1024, clWeight: 0, validEvery: 1 };
const SYNTHETIC_CTR: PartialSettings = { lr: 0.01, batchSize: 512, hidden: [64, 64], dropout: 0.2, crossLayers: 2, experts: 2, rank: 16, validEvery: 1 };

export const PROFILES: Readonly<Record<ProfileName, BenchProfile>> = {
  default: {
    name: 'default',
    datasets: ['synthetic-cf', 'synthetic-ctr'],
    backbones: ['lightgcn', 'deepfm', 'dcnmix'],
    targets: [0.5, 0.8, 0.95],
    synthetic: {
      cf: { ...SYNTHETIC_CF, epochs: 10, searchEpochs: 20, dataOptions: { users: 1000, items: 1500 } },
      ctr: { ...SYNTHETIC_CTR, epochs: 5, searchEpochs: 10, dataOptions: { rows: 30000 } },
    },
    real: { cf: {}, ctr: {} },
    methodOptions: SYNTHETIC_METHOD_OPTIONS,
    profileRepeats: 10,
  },
  quick: {
    name: 'quick',
    datasets: ['synthetic-cf', 'synthetic-ctr'],
    backbones: ['lightgcn', 'deepfm'],
    targets: [0.5, 0.8, 0.95],
    synthetic: {
      cf: { ...SYNTHETIC_CF, epochs: 4, searchEpochs: 16, dataOptions: { users: 500, items: 800 } },
      ctr: { ...SYNTHETIC_CTR, epochs: 4, searchEpochs: 8, dataOptions: { rows: 20000 } },
    },
    real: { cf: { epochs: 2 }, ctr: { epochs: 1 } },
    methodOptions: SYNTHETIC_METHOD_OPTIONS,
    profileRepeats: 5,
  },
};

/** One cell of the grid. */
export interface Cell {
  readonly dataset: string;
  readonly backbone: Backbone;
  readonly method: string;
  readonly kind: MethodKind;
  /** null for the uncompressed baseline. */
  readonly target: number | null;
  readonly settings: TrainSettings;
  /** File-name-safe id, e.g. `synthetic-cf__lightgcn__qr__80`. */
  readonly id: string;
  /** Hash of everything that determines the result (a finished cell with another hash is re-run). */
  readonly hash: string;
  /** Tuning before the cell trains (null: the settings as given). Post-training cells inherit their baseline's. */
  readonly tune: TuneOptions | null;
  /**
   * A trained cell left out of --tune-methods while the full baseline is tuned: it trains with the
   * baseline's tuned backbone settings (learning rate, ...), so that no method keeps the untuned ones.
   */
  readonly inheritTuned: boolean;
}

/** `lers bench --tune`: which cells are tuned and how. */
export interface BenchTune {
  readonly options: TuneOptions;
  /** The methods whose cells are tuned (null: every trained method; post-training cells start from the tuned full model). */
  readonly methods: readonly string[] | null;
  /** Space changes per method (`{pep: {lr: null}}`), over `options.space.overrides`. */
  readonly perMethod?: Readonly<Record<string, NonNullable<NonNullable<TuneOptions['space']>['overrides']>>>;
}

/** The tuning of one method's cells under `tune` (null: not tuned). */
export function cellTune(method: string, kind: MethodKind, tune: BenchTune | null): TuneOptions | null {
  if (tune === null || kind === 'post-training') return null;
  if (tune.methods !== null && !tune.methods.includes(method)) return null;
  const own = tune.perMethod?.[method];
  if (own === undefined) return tune.options;
  return { ...tune.options, space: { ...tune.options.space, overrides: { ...tune.options.space?.overrides, ...own } } };
}

/** The grid's axes. */
export interface GridSpec {
  readonly datasets: readonly string[];
  readonly backbones: readonly Backbone[];
  readonly methods: readonly string[];
  readonly targets: readonly number[];
}

/** File-name-safe text. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** 0.8 -> "80", 0.95 -> "95", 0.125 -> "12.5". */
export function targetLabel(t: number | null): string {
  return t === null ? 'full' : String(Math.round(t * 1000) / 10);
}

/** The id of the baseline cell of a dataset x backbone (post-training cells start from its model). */
export function baselineId(dataset: string, backbone: Backbone): string {
  return `${safeName(dataset)}__${backbone}__full__full`;
}

/** The task of a dataset name or path. */
function datasetTask(data: string): Task {
  return dataTask(data) ?? taskOfData(data) ?? 'cf';
}

/**
 * The user's method options of one method's cells: flat keys apply to every method, a key that
 * names a method with an object value (`methodOptions: {pep: {thresholdInit: -5}}` in a config
 * file) to that method only, so tuning one method leaves the other cells (and their hashes) alone,
 * and `<method>@<target>` to that method's cell at that target (`{"ttrec@0.95": {"cache": true}}`).
 */
export function optionsFor(method: string, options: JsonObject, target: number | null = null): JsonObject {
  const out: JsonObject = {};
  let own: JsonObject = {};
  let atTarget: JsonObject = {};
  for (const [key, value] of Object.entries(options)) {
    const [name, at] = key.split('@');
    if (methodKind(name) !== null && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (name !== method) continue;
      if (at === undefined) own = value;
      else if (target !== null && Number(at) === target) atTarget = value;
    } else out[key] = value;
  }
  return { ...out, ...own, ...atTarget };
}

/** Every method the bench runs by default: all available ones. */
export function defaultMethods(): string[] {
  return methodNames();
}

/**
 * Expands the grid into cells: for each dataset, the backbones of its task; the full baseline
 * once; every other method at every target. `user` settings (flags, config file) apply to all.
 */
export function expandGrid(spec: GridSpec, profile: BenchProfile, user: PartialSettings, tune: BenchTune | null = null): Cell[] {
  for (const m of spec.methods) if (methodKind(m) === null) throw new UsageError(`unknown method "${m}" (known: ${methodNames().join(', ')})`);
  for (const b of spec.backbones) if (!BACKBONES.includes(b)) throw new UsageError(`unknown backbone "${b}" (${BACKBONES.join(', ')})`);
  const cells: Cell[] = [];
  for (const data of spec.datasets) {
    const task = datasetTask(data);
    const backbones = spec.backbones.filter((b) => taskOfBackbone(b) === task);
    if (backbones.length === 0) throw new UsageError(`no backbone of --backbones (${spec.backbones.join(', ')}) fits ${data}, a ${task} dataset`);
    const synthetic = data === 'synthetic-cf' || data === 'synthetic-ctr';
    const base = synthetic ? profile.synthetic[task] : profile.real[task];
    for (const backbone of backbones) {
      // The full baseline is always there: the reference row, and the start of post-training methods.
      const methods = ['full', ...spec.methods];
      for (const method of [...new Set(methods)]) {
        const kind = methodKind(method)!;
        const targets = kind === 'baseline' ? [null] : spec.targets;
        for (const target of targets) {
          const merged: PartialSettings = {
            ...base,
            ...user,
            dataOptions: { ...(base.dataOptions ?? {}), ...(user.dataOptions ?? {}) },
            methodOptions: { ...(synthetic ? (profile.methodOptions[task][method] ?? {}) : {}), ...optionsFor(method, user.methodOptions ?? {}, target) },
            data,
            backbone,
            task,
            method: kind === 'post-training' ? 'full' : method,
            target: kind === 'post-training' ? null : target,
          };
          const s = resolveSettings(merged, dataTask);
          const settings: TrainSettings = { ...s, method, target };
          const id = `${safeName(data)}__${backbone}__${safeName(method)}__${targetLabel(target)}`;
          const ownTune = cellTune(method, kind, tune);
          const baselineTune = cellTune('full', 'baseline', tune);
          const inheritTuned = ownTune === null && kind !== 'post-training' && baselineTune !== null;
          // A post-training cell starts from the baseline (an inheriting cell takes its settings), so the baseline's tuning is part of its result.
          const resultTune = kind === 'post-training' || inheritTuned ? baselineTune : ownTune;
          const hash = settingsDigest({ settings: settings as unknown as JsonObject, repeats: profile.profileRepeats, version: 1, ...(resultTune !== null ? { tune: resultTune as unknown as JsonObject } : {}) }, 16);
          cells.push({ dataset: data, backbone, method, kind, target, settings, id, hash, tune: ownTune, inheritTuned });
        }
      }
    }
  }
  return cells;
}
