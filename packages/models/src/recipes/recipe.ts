/**
 * The training recipe of a run: what a method table must keep equal across its methods (epochs,
 * optimiser, clipping, negatives, table initialisation) or state. Recorded in every benchmark cell
 * and model file, so a difference (CERP's reference clip and negatives) is visible, not implied.
 */
import { methodNamed } from '../methods/registry.js';
import type { TrainSettings } from '../settings/settings.js';

/** The recipe a run trains with (the effective values, method defaults resolved). */
export interface TrainingRecipe {
  readonly epochs: number;
  /** Epochs of a mask search (PEP, CERP; null for other methods; the search stops once its masks are captured). */
  readonly searchEpochs: number | null;
  readonly optimizer: string;
  readonly lr: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  /** Global gradient-norm clip of every step (null: none). */
  readonly clipGradNorm: number | null;
  /** CF: negatives per (user, positive) pair (null for CTR). */
  readonly negatives: number | null;
  /** Dense tables' initialisation (every method's dense weights; QR, TT-Rec and DHE define their own parameters). */
  readonly init: string;
}

/** LightGCN's negatives per positive unless a method says otherwise. */
const BACKBONE_NEGATIVES = 1;

/** The effective clip of a run: the settings' when given (0: none), else the method's own (CERP's 100), else none. */
export function effectiveClip(s: TrainSettings): number | null {
  if (s.clipGradNorm !== null) return s.clipGradNorm > 0 ? s.clipGradNorm : null;
  return methodNamed(s.method).recipe?.clipGradNorm ?? null;
}

/** The recipe `s` trains with. */
export function trainingRecipe(s: TrainSettings): TrainingRecipe {
  const m = methodNamed(s.method);
  const pipeline = m.kind === 'search-then-retrain';
  return {
    epochs: s.epochs,
    searchEpochs: pipeline && s.method !== 'optembed' ? (s.searchEpochs ?? s.epochs) : null,
    optimizer: s.optimizer,
    lr: s.lr,
    weightDecay: s.weightDecay,
    batchSize: s.batchSize,
    clipGradNorm: effectiveClip(s),
    negatives: s.task === 'cf' ? (m.recipe?.negatives ?? BACKBONE_NEGATIVES) : null,
    init: 'xavier-uniform',
  };
}

/** The fields where `other` differs from `reference`, as "key value (reference value)" (empty when equal). */
export function recipeDifferences(reference: TrainingRecipe, other: TrainingRecipe): string[] {
  const out: string[] = [];
  for (const key of Object.keys(reference) as (keyof TrainingRecipe)[]) {
    if (key === 'searchEpochs') continue; // only search methods have one
    const [a, b] = [reference[key], other[key]];
    if (a !== b) out.push(`${key} ${b ?? 'none'} (reference ${a ?? 'none'})`);
  }
  return out;
}
