/**
 * The search spaces of `lers tune` and `lers bench --tune`: the protocol's (section 5 of the
 * benchmark protocol) per backbone and method, by parameter name. Names are run-settings keys
 * (`lr`, `l2`, ...) or `method.<option>` for a method option (`method.thresholdInit`).
 */
import type { Params, ParamSpec, SearchSpace } from '@lers/tune';
import type { BackboneName } from '../settings/settings.js';

/** The prefix of parameters that are method options. */
export const METHOD_PARAM = 'method.';

/** The protocol's backbone spaces (all of them; the learning rate alone by default). */
const BACKBONE_SPACES: Readonly<Record<BackboneName, SearchSpace>> = {
  // LightGCN: lr U[5e-4, 1e-2], lambda U[1e-5, 1e-2], layers {1..4}, w_cl {0, 0.05, ..., 1}.
  lightgcn: {
    lr: { type: 'float', low: 5e-4, high: 1e-2 },
    l2: { type: 'float', low: 1e-5, high: 1e-2 },
    layers: { type: 'int', low: 1, high: 4 },
    clWeight: { type: 'float', low: 0, high: 1, step: 0.05 },
  },
  // DeepFM (and DCN-Mix alike): lr logU[1e-5, 1e-2], wd logU[1e-5, 1e-2], dropout U[0, 1].
  deepfm: {
    lr: { type: 'float', low: 1e-5, high: 1e-2, log: true },
    weightDecay: { type: 'float', low: 1e-5, high: 1e-2, log: true },
    dropout: { type: 'float', low: 0, high: 1 },
  },
  dcnmix: {
    lr: { type: 'float', low: 1e-5, high: 1e-2, log: true },
    weightDecay: { type: 'float', low: 1e-5, high: 1e-2, log: true },
    dropout: { type: 'float', low: 0, high: 1 },
  },
};

/** PEP and CERP as the protocol has them: initial threshold s in [-50, -5], threshold decay logU[1e-5, 1]. */
const SOFT_THRESHOLD_PROTOCOL: SearchSpace = {
  'method.thresholdInit': { type: 'float', low: -50, high: -5 },
  'method.thresholdDecay': { type: 'float', low: 1e-5, high: 1, log: true },
};

/**
 * PEP and CERP with the initial threshold as a start (`thresholdInit: 'auto'`): `autoStart` in
 * [0.05, 0.5] is the fraction of the smallest target's pruning done before the first update (the
 * s is solved from the initial weights), so every trial starts below its target and leaves the
 * search at least half of the pruning; the threshold decay as the protocol's. Why not the
 * protocol's s in [-50, -5]: with Adam, s moves by at most about lr per step, so in a run of T steps
 * only starts above about -5 - lr T can reach the weights' magnitudes (Xavier: 0.01-0.06 on the CF
 * tables, s about -4.8 to -2.8); at lr 1e-3 and 40 epochs of lastfm (1,280 steps) PEP from -5
 * reached sparsity 0.53, not 0.95, and starts below -6.3 prune nothing.
 */
const SOFT_THRESHOLD_START: SearchSpace = {
  'method.autoStart': { type: 'float', low: 0.05, high: 0.5 },
  'method.thresholdDecay': { type: 'float', low: 1e-5, high: 1, log: true },
};

/**
 * PEP and CERP also tune the weight decay of the embedding weights: under Adam a weight the loss
 * keeps pushing outgrows any threshold, so without a pull back the searches plateau short of the
 * targets (lastfm: 76% sparsity at lambda 1e-4; criteo-sample DeepFM: 75% at weight decay 1e-6).
 * LightGCN: lambda over the reference's own range for these methods (its PEP and CERP scripts use
 * [1e-5, 1e-1], not the backbone's [1e-5, 1e-2]); at 0.1 PEP reaches 95% on lastfm. Drawn
 * log-uniformly, a stated deviation from the reference's uniform draw: uniformly, 90% of the draws
 * fall above 1e-2, where accuracy suffers (lastfm PEP 50%: valid NDCG@20 0.13-0.145 at lambda
 * 0.008-0.03, 0.10-0.11 at 0.05-0.1), so 8 trials never tried the small lambda a 50% target wants.
 * DeepFM and DCN-Mix: the protocol's weight decay logU[1e-5, 1e-2]; at 1e-2 PEP reaches 92% on
 * criteo-sample.
 */
const SOFT_THRESHOLD_DECAY: Readonly<Record<BackboneName, SearchSpace>> = {
  lightgcn: { l2: { type: 'float', low: 1e-5, high: 1e-1, log: true } },
  deepfm: { weightDecay: BACKBONE_SPACES.deepfm.weightDecay },
  dcnmix: { weightDecay: BACKBONE_SPACES.dcnmix.weightDecay },
};

/**
 * DeepFM and DCN-Mix: s's own learning rate too (lers's addition; the reference trains s at the
 * model's lr). With Adam s moves about its lr per step, and the reference's Criteo runs take
 * hundreds of thousands of steps, where criteo-sample's search takes 400 (100 epochs of 4
 * batches): at the model's lr drawn from logU[1e-5, 1e-2], 7 of the 8 seeded trials of DeepFM's PEP
 * at 50% stopped at 18-47% sparsity. At lr 5e-4, PEP's search reached 34% (50% target) and 45%
 * (95%) with s at the model's lr, and both targets with s at 0.01 or 0.05. LightGCN's searches take
 * thousands of steps, where a faster s helped little (soft-threshold-part.ts), so its space is
 * unchanged.
 */
const SOFT_THRESHOLD_LR: Readonly<Record<BackboneName, SearchSpace>> = {
  lightgcn: {},
  deepfm: { 'method.thresholdLr': { type: 'float', low: 1e-3, high: 1e-1, log: true } },
  dcnmix: { 'method.thresholdLr': { type: 'float', low: 1e-3, high: 1e-1, log: true } },
};

/** How PEP's and CERP's initial threshold is tuned: as a start (default) or the protocol's s range. */
export type ThresholdSpace = 'start' | 'protocol';
export const THRESHOLD_SPACES: readonly ThresholdSpace[] = ['start', 'protocol'];

/**
 * Method spaces besides PEP's and CERP's: lers's choice where the protocol names no range: QR's
 * combining op, DHE's depth (at a fixed budget the solver sets the widths, so depth trades width
 * for layers), OptEmbed's threshold learning rate and regulariser weight.
 */
const METHOD_SPACES: Readonly<Record<string, SearchSpace>> = {
  qr: { 'method.op': { type: 'categorical', choices: ['mult', 'add', 'concat'] } },
  dhe: { 'method.depth': { type: 'int', low: 1, high: 4 } },
  optembed: {
    'method.thresholdLr': { type: 'float', low: 1e-5, high: 1e-2, log: true },
    'method.thresholdReg': { type: 'float', low: 1e-6, high: 1e-2, log: true },
  },
};

const SOFT_THRESHOLD_METHODS = ['pep', 'cerp'];

/** What a tuning space covers. */
export interface SpaceOptions {
  /** Every backbone hyperparameter of the protocol (default false: the learning rate only). */
  readonly backbone?: boolean;
  /** PEP / CERP: the initial threshold as a start (default) or the protocol's s in [-50, -5]. */
  readonly thresholds?: ThresholdSpace;
  /** Changes by parameter name: a spec replaces or adds a parameter, null removes it. */
  readonly overrides?: Readonly<Record<string, ParamSpec | null>>;
}

/** A search space and the values every trial of it sets besides (e.g. `method.thresholdInit: 'auto'`). */
export interface TuningSpace {
  readonly space: SearchSpace;
  readonly fixed: Params;
}

/** The space of a method on a backbone (see SpaceOptions); `space` may be empty (nothing to tune). */
export function tuningSpace(method: string, backbone: BackboneName, options: SpaceOptions = {}): TuningSpace {
  const b = BACKBONE_SPACES[backbone];
  const space = new Map<string, ParamSpec>(Object.entries(options.backbone === true ? b : { lr: b.lr }));
  let fixed: Params = {};
  if (SOFT_THRESHOLD_METHODS.includes(method)) {
    const protocol = (options.thresholds ?? 'start') === 'protocol';
    for (const [name, spec] of Object.entries(protocol ? SOFT_THRESHOLD_PROTOCOL : SOFT_THRESHOLD_START)) space.set(name, spec);
    for (const [name, spec] of Object.entries(SOFT_THRESHOLD_DECAY[backbone])) space.set(name, spec);
    for (const [name, spec] of Object.entries(SOFT_THRESHOLD_LR[backbone])) space.set(name, spec);
    if (!protocol) fixed = { 'method.thresholdInit': 'auto' };
  }
  for (const [name, spec] of Object.entries(METHOD_SPACES[method] ?? {})) space.set(name, spec);
  for (const [name, spec] of Object.entries(options.overrides ?? {})) {
    if (spec === null) space.delete(name);
    else space.set(name, spec);
  }
  return { space: Object.fromEntries(space), fixed };
}

/** The methods with parameters of their own (besides the backbone's). */
export function methodsWithSpaces(): string[] {
  return [...SOFT_THRESHOLD_METHODS, ...Object.keys(METHOD_SPACES)];
}
