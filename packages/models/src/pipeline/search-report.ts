/**
 * What a search-then-retrain run says about its search (PEP, CERP, OptEmbed): for every table, how
 * many training steps passed before the target's mask was captured (and in epochs), the state
 * before the first optimiser step, and the seconds of searching and of retraining. Built from the
 * stages' info, so a resumed pipeline reports the same.
 */
import type { SearchStart } from '@lers/embeddings';
import type { StageRecord } from './stage.js';

/** One table's capture at one target. */
export interface CaptureRecord {
  /** Optimiser steps before the mask was captured (0 would be the random initial weights). */
  readonly step: number;
  /** `step` in epochs (null when the model does not say how many batches an epoch has). */
  readonly epoch: number | null;
  /** The captured mask's sparsity over the table's rows x dim (null for OptEmbed's supernet: the dims are searched after). */
  readonly sparsity: number | null;
  /** Kept entries of the captured mask (null as `sparsity`). */
  readonly kept: number | null;
}

/** The record of a capture after `step` optimiser steps. */
export function captureRecord(step: number, batchesPerEpoch: number | null, sparsity: number | null, kept: number | null): CaptureRecord {
  return { step, epoch: batchesPerEpoch !== null && batchesPerEpoch > 0 ? step / batchesPerEpoch : null, sparsity, kept };
}

/** The search of one target, as a benchmark cell and a model file record it. */
export interface SearchReport {
  readonly method: string;
  readonly target: number;
  /** Per table: the capture at this target. */
  readonly captures: Readonly<Record<string, CaptureRecord>>;
  /** Per table: the state before the first optimiser step (null when the table does not record it). */
  readonly start: Readonly<Record<string, SearchStart | null>>;
  /** The largest capture epoch over the tables (null when unknown). */
  readonly captureEpoch: number | null;
  /** Seconds of the stages before retraining (search; OptEmbed: supernet and evolutionary search). */
  readonly searchSeconds: number;
  /** Seconds of the retraining at this target. */
  readonly retrainSeconds: number;
}

/** The stages of a target: those named `<kind>@<target>` and those shared by every target (no `@`). */
function stagesOf(stages: readonly StageRecord[], target: number): StageRecord[] {
  return stages.filter((s) => {
    const at = s.name.split('@')[1];
    return at === undefined || Number(at) === target;
  });
}

/**
 * The search report of `target` from a completed pipeline's stage records: the stage whose info
 * holds `captured[target]` gives the captures (and `start`), the retrain stage its seconds, the
 * others the search seconds. Throws when no stage recorded a capture at the target.
 */
export function searchReport(method: string, target: number, stages: readonly StageRecord[]): SearchReport {
  const own = stagesOf(stages, target);
  let captures: Record<string, CaptureRecord> | undefined;
  let start: Record<string, SearchStart | null> = {};
  for (const s of own) {
    const captured = s.info.captured as Record<string, Record<string, CaptureRecord>> | undefined;
    const c = captured?.[String(target)];
    if (c === undefined) continue;
    captures = c;
    start = (s.info.start as Record<string, SearchStart | null> | undefined) ?? {};
  }
  if (captures === undefined) throw new Error(`${method}: no stage recorded a capture at target ${target}`);
  const epochs = Object.values(captures).map((c) => c.epoch);
  const captureEpoch = epochs.length > 0 && epochs.every((e) => e !== null) ? Math.max(...epochs.map((e) => e ?? 0)) : null;
  let searchSeconds = 0;
  let retrainSeconds = 0;
  for (const s of own) {
    if (s.name.startsWith('retrain@')) retrainSeconds += s.seconds;
    else searchSeconds += s.seconds;
  }
  return { method, target, captures, start, captureEpoch, searchSeconds, retrainSeconds };
}
