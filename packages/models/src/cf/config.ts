import type { TableInit } from '@lers/embeddings';

/** The embedding method of LightGCN's user and item tables, created through the registry. */
export interface CfTableSpec {
  /** A registered method name (default `full`). */
  readonly method?: string;
  /** Method-specific options (e.g. QR's buckets). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Initial values (default Xavier-uniform, as the protocol). */
  readonly init?: TableInit;
}

/** The InfoNCE forms of LightGcnConfig.clSoftmax. */
export type ClSoftmax = 'joint' | 'per-side';
export const CL_SOFTMAX_FORMS: readonly ClSoftmax[] = ['joint', 'per-side'];

/** LightGCN / SGL-WA hyperparameters; defaults are the protocol's (d 64, 3 layers, batch 2048, lambda 1e-4). */
export interface LightGcnConfig {
  /** Embedding width (default 64). */
  readonly dim?: number;
  /** Propagation layers L (default 3). */
  readonly layers?: number;
  /** Training pairs per batch (default 2048). */
  readonly batchSize?: number;
  /** lambda of the ego L2 term (default 1e-4). */
  readonly l2?: number;
  /**
   * Uniform negatives per (user, positive) pair (default 1). With n > 1 the BPR sums a pair's n
   * terms and averages over pairs, and the ego L2 counts every negative row, both divided by the
   * pairs b, as the benchmark's CERP training (`bpr_loss_multi`, `get_reg_loss`).
   */
  readonly negatives?: number;
  /** w_cl of the SGL-WA InfoNCE term (default 0: plain LightGCN). */
  readonly clWeight?: number;
  /** InfoNCE temperature (default 0.2). */
  readonly clTemperature?: number;
  /**
   * How the InfoNCE term contrasts the batch's unique users and unique positive items (default
   * 'joint'): 'joint' is one softmax over their concatenation, the benchmark's
   * `info_nce(cat(users, items), same, 0.2)`; 'per-side' is two softmaxes (users among users,
   * items among items, summed), SGL's form.
   */
  readonly clSoftmax?: ClSoftmax;
  /** Ranking cut-offs (default [20]). */
  readonly ks?: readonly number[];
  /** The K of the selection metric ndcg@K (default 20; must be in ks). */
  readonly selectK?: number;
  /** Users scored per evaluation batch (default 256). */
  readonly evalBatchUsers?: number;
  /** Also mask each user's valid items when ranking the test split (default false: train only). */
  readonly maskValidOnTest?: boolean;
  /** The tables (default full, Xavier-uniform). */
  readonly table?: CfTableSpec;
  /** Seed of the tables' initial values (default 2023). */
  readonly seed?: number;
}

/** LightGcnConfig with every default filled in. */
export interface ResolvedLightGcnConfig {
  readonly dim: number;
  readonly layers: number;
  readonly batchSize: number;
  readonly l2: number;
  readonly negatives: number;
  readonly clWeight: number;
  readonly clTemperature: number;
  readonly clSoftmax: ClSoftmax;
  readonly ks: readonly number[];
  readonly selectK: number;
  readonly evalBatchUsers: number;
  readonly maskValidOnTest: boolean;
  readonly table: Required<Pick<CfTableSpec, 'method' | 'options'>> & Pick<CfTableSpec, 'init'>;
  readonly seed: number;
}

/** Fills the defaults and checks the ranges. */
export function resolveLightGcnConfig(c: LightGcnConfig = {}): ResolvedLightGcnConfig {
  const posInt = (name: string, v: number): number => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`LightGCN: ${name} must be a positive integer, got ${v}`);
    return v;
  };
  const nonNeg = (name: string, v: number): number => {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`LightGCN: ${name} must be a finite number >= 0, got ${v}`);
    return v;
  };
  const ks = c.ks ?? [20];
  ks.forEach((k) => posInt('every K', k));
  const selectK = c.selectK ?? (ks.includes(20) ? 20 : ks[0]);
  if (!ks.includes(selectK)) throw new RangeError(`LightGCN: selectK ${selectK} is not among ks [${ks.join(', ')}]`);
  const layers = c.layers ?? 3;
  if (!Number.isInteger(layers) || layers < 0) throw new RangeError(`LightGCN: layers must be an integer >= 0, got ${layers}`);
  const temperature = c.clTemperature ?? 0.2;
  if (!(temperature > 0)) throw new RangeError(`LightGCN: clTemperature must be > 0, got ${temperature}`);
  const clSoftmax = c.clSoftmax ?? 'joint';
  if (!CL_SOFTMAX_FORMS.includes(clSoftmax)) throw new RangeError(`LightGCN: clSoftmax must be one of ${CL_SOFTMAX_FORMS.join(', ')}, got ${JSON.stringify(clSoftmax)}`);
  return {
    dim: posInt('dim', c.dim ?? 64),
    layers,
    batchSize: posInt('batchSize', c.batchSize ?? 2048),
    l2: nonNeg('l2', c.l2 ?? 1e-4),
    negatives: posInt('negatives', c.negatives ?? 1),
    clWeight: nonNeg('clWeight', c.clWeight ?? 0),
    clTemperature: temperature,
    clSoftmax,
    ks: [...ks],
    selectK,
    evalBatchUsers: posInt('evalBatchUsers', c.evalBatchUsers ?? 256),
    maskValidOnTest: c.maskValidOnTest ?? false,
    table: { method: c.table?.method ?? 'full', options: c.table?.options ?? {}, ...(c.table?.init !== undefined ? { init: c.table.init } : {}) },
    seed: posIntOrZero(c.seed ?? 2023),
  };
}

function posIntOrZero(v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`LightGCN: seed must be an integer >= 0, got ${v}`);
  return v;
}
