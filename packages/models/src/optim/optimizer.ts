import type { Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';

/**
 * An optimizer over a fixed list of parameters. The loop calls `step()` after each backward pass,
 * then `zeroGrad()`; gradients are accumulated (+=) by backward passes in between.
 */
export interface Optimizer {
  readonly kind: string;
  readonly parameters: readonly Parameter[];
  /** Steps taken so far (Adam's bias correction uses it). */
  readonly stepCount: number;
  /** Applies one update from the accumulated gradients. */
  step(): void;
  /** Zeroes every gradient (and forgets touched rows), skipping those a lazy update already zeroed. */
  zeroGrad(): void;
  /** Internal state a checkpoint keeps, by unique name (e.g. `user.weight.m`). */
  stateBuffers(): Readonly<Record<string, Buf<'f32'>>>;
  /** Restores the step count after the state buffers were written back (checkpoint resume). */
  restoreStepCount(step: number): void;
  /** Frees the state buffers. */
  dispose(): void;
}

/** Throws unless the parameter names are unique (checkpoints and optimizer state key on them). */
export function checkUniqueNames(params: readonly Parameter[]): void {
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new Error(`two parameters are named "${p.name}"; names must be unique within a model`);
    seen.add(p.name);
  }
}
