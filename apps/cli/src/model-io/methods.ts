/**
 * The embedding methods as the CLI sees them: the uncompressed baseline, methods trained with
 * their compressed table (QR, TT-Rec, DHE, QAT, ...), post-training methods applied to a trained
 * full model by `lers compress` (MagPrune, random pruning, MagPrune + int8, PTQ), and multi-stage
 * pipelines (PEP, OptEmbed, CERP) when @lers/models provides them.
 */
import { tableMethods } from '@lers/embeddings';
import { PIPELINE_METHODS as MODEL_PIPELINE_METHODS } from '@lers/models';
import { UsageError } from '../cli/errors.js';

export type MethodKind = 'baseline' | 'train' | 'post' | 'pipeline';

/** Post-training methods (need a trained full model; `lers compress`). */
export const POST_TRAINING_METHODS: readonly string[] = ['magprune', 'randprune', 'magprune-int8', 'ptq'];

/** The protocol's multi-stage methods (search or supernet, then retraining with fixed masks). */
export const PIPELINE_METHODS: readonly string[] = ['pep', 'optembed', 'cerp'];

/** The pipelines @lers/models provides. */
const MODEL_PIPELINES: readonly string[] = [...MODEL_PIPELINE_METHODS];

/** What kind a method is, or null when it is unknown. */
export function methodKind(name: string): MethodKind | null {
  if (name === 'full') return 'baseline';
  if (POST_TRAINING_METHODS.includes(name)) return 'post';
  if (PIPELINE_METHODS.includes(name)) return 'pipeline';
  if (tableMethods().includes(name)) return 'train';
  return null;
}

/** True when a pipeline method can run here (its pipeline is in @lers/models and its table is registered). */
export function pipelineAvailable(name: string): boolean {
  return MODEL_PIPELINES.includes(name) && tableMethods().includes(name);
}

/** Every method name the CLI knows, by kind. */
export function knownMethods(): { name: string; kind: MethodKind; available: boolean }[] {
  const names = [...new Set([...tableMethods(), ...POST_TRAINING_METHODS, ...PIPELINE_METHODS])];
  return names.map((name) => {
    const kind = methodKind(name)!;
    return { name, kind, available: kind === 'pipeline' ? pipelineAvailable(name) : name === 'full' || tableMethods().includes(name) };
  });
}

/** Checks a method for `lers train`: known, trainable, available. */
export function checkTrainMethod(name: string): MethodKind {
  const kind = methodKind(name);
  if (kind === null) throw new UsageError(`unknown method "${name}" (known: ${knownMethods().map((m) => m.name).join(', ')})`);
  if (kind === 'post') {
    throw new UsageError(`${name} is a post-training method: train a full model first, then run \`lers compress model.lers --method ${name} --target <sparsity> -o out.lers\``);
  }
  if (kind === 'pipeline' && !pipelineAvailable(name)) {
    throw new UsageError(`method ${name} is not available in this build (its training pipeline is not in @lers/models yet)`);
  }
  return kind;
}

/** Checks a method for `lers compress`. */
export function checkCompressMethod(name: string): void {
  const kind = methodKind(name);
  if (kind === null) throw new UsageError(`unknown method "${name}" (post-training methods: ${POST_TRAINING_METHODS.join(', ')})`);
  if (kind !== 'post') throw new UsageError(`${name} is not a post-training method: train it with \`lers train --method ${name}\` (compress takes: ${POST_TRAINING_METHODS.join(', ')})`);
  if (!tableMethods().includes(name)) throw new UsageError(`method ${name} is not available in this build`);
}
