import type { Backend, Buf, HostBackend, ThresholdGranularity } from '@lers/kernels';
import { checkTableShape } from '../full/full.js';
import { DEFAULT_INIT } from '../../init.js';
import type { Parameter } from '../../parameter.js';
import type { CreateTableOptions, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize, TableTrainingState } from '../../table.js';
import { checkRowsLength, requireHostBackend } from '../common/host-access.js';
import { CAPTURE_MODES, CAPTURE_SCOPES, keptAtTarget, MaskCapture, type CaptureMode, type CaptureScope, type StartProbe } from '../learned-pruning/mask-capture.js';
import { thresholdStartOption, type ThresholdStart } from '../learned-pruning/search-start.js';
import { choiceOption, positiveIntOption } from '../common/option-values.js';
import { headerShape } from '../learned-pruning/sparse-form.js';
import { fractionAtCeiling, SoftThresholdPart, THRESHOLD_GRANULARITIES } from '../learned-pruning/soft-threshold-part.js';
import { numberOption, targetsOption, thresholdLrOption } from '../learned-pruning/table-masks.js';
import { searchThenMaskMethod } from '../learned-pruning/search-then-mask.js';

/** The protocol's targets, captured from one PEP search run by default. */
export const DEFAULT_TARGETS: readonly number[] = [0.5, 0.8, 0.95];
/** Default initial s (threshold sigmoid(-15) = 3e-7: nothing is pruned at the start). */
export const PEP_DEFAULT_THRESHOLD_INIT = -15;
/** Default weight decay of s. */
export const PEP_DEFAULT_THRESHOLD_DECAY = 1e-4;

/** Options of PEP's search table (createTable('pep', ...) takes the same names). */
export interface PepTableOptions extends CreateTableOptions {
  /** Granularity of s (default element). */
  readonly granularity?: ThresholdGranularity;
  /**
   * Initial value of s (default -15), or 'auto': the s that prunes `autoStart` (default 0.5) of the
   * smallest target's pruning at the start. A start that already reaches a target is an error
   * (SearchStartError) at the first training step.
   */
  readonly thresholdInit?: number | 'auto';
  /** With thresholdInit 'auto': the fraction of the smallest target's pruning done at the start. */
  readonly autoStart?: number;
  /** Weight decay of s (default 1e-4). */
  readonly thresholdDecay?: number;
  /** Learning rate of s (default: the model's, as the reference); see SoftThresholdPartOptions. */
  readonly thresholdLr?: number;
  /** Target sparsities whose masks are captured (default 0.5, 0.8, 0.95). */
  readonly targets?: readonly number[];
  /** How a mask is formed at capture (default first-reach, as the reference). */
  readonly capture?: CaptureMode;
  /** What a target's budget counts: the model's tables together (default, as the reference) or each table alone. */
  readonly captureScope?: CaptureScope;
  /** Check the non-zeros every this many training steps (default 1; each check costs one pass over the table). */
  readonly captureEvery?: number;
}

/** A table whose search stage captures masks at target sparsities (PEP, CERP). */
export interface MaskSearchTable extends EmbeddingTable {
  /** The capture state: which targets have their mask, and the masks. */
  readonly captures: MaskCapture;
  /**
   * The fraction of the table's thresholds at their decay's ceiling, sigmoid(s) = 0.5 (see
   * THRESHOLD_CEILING_S): when all are there, a longer search prunes nothing more.
   */
  thresholdsAtCeiling(): number;
}

/** True for a table that captures masks during its search stage. */
export function isMaskSearchTable(table: EmbeddingTable): table is MaskSearchTable {
  return (table as Partial<MaskSearchTable>).captures instanceof MaskCapture;
}

/**
 * PEP's search stage (Liu et al. 2021): W_hat = sign(W) * relu(|W| - sigmoid(s)) with learnable s
 * (per element by default) and s's own weight decay, trained jointly with the model. Every
 * `captureEvery` training forward passes (which see the parameters after the previous update) and
 * at each epoch end, the non-zeros of W_hat are compared with each target's budget and the mask is
 * captured when they first reach it. Retraining uses createTable('pep', { masks }) (a MaskedTable).
 */
export class PepTable implements MaskSearchTable {
  readonly method = 'pep';
  readonly rows: number;
  readonly dim: number;
  readonly backend: HostBackend;
  readonly part: SoftThresholdPart;
  readonly captures: MaskCapture;
  readonly captureEvery: number;
  private readonly name: string;
  /** Training forward passes so far (= optimizer updates before the next one). */
  private steps = 0;

  constructor(options: PepTableOptions) {
    checkTableShape('pep', options.rows, options.dim);
    const o = options as unknown as TableOptions;
    const granularity = choiceOption('pep', o, 'granularity', THRESHOLD_GRANULARITIES) ?? 'element';
    const mode = choiceOption('pep', o, 'capture', CAPTURE_MODES) ?? 'first-reach';
    this.captureEvery = positiveIntOption('pep', o, 'captureEvery') ?? 1;
    const targets = targetsOption('pep', o, DEFAULT_TARGETS);
    this.rows = options.rows;
    this.dim = options.dim;
    this.backend = requireHostBackend(options.backend, "PEP's search stage (it reads the table's values on the host at every step to capture masks; the retrained table runs on any backend)");
    this.name = options.name ?? 'pep';
    const entries = options.rows * options.dim;
    const probe: StartProbe = { table: this.name, magnitudes: () => this.part.magnitudes(), thresholds: () => [this.part.firstThreshold()] };
    const scope = choiceOption('pep', o, 'captureScope', CAPTURE_SCOPES) ?? 'model';
    this.captures = new MaskCapture('pep', targets, entries, entries, mode, probe, scope);
    const start = thresholdStartOption('pep', o, PEP_DEFAULT_THRESHOLD_INIT);
    const thresholdLr = thresholdLrOption('pep', o);
    this.part = new SoftThresholdPart({
      backend: this.backend,
      prefix: this.name,
      rows: options.rows,
      dim: options.dim,
      init: options.init ?? DEFAULT_INIT,
      seed: options.seed,
      granularity,
      thresholdInit: startValue(start, this.captures, entries),
      thresholdDecay: numberOption('pep', o, 'thresholdDecay') ?? PEP_DEFAULT_THRESHOLD_DECAY,
      ...(thresholdLr !== undefined ? { thresholdLr } : {}),
      ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
    });
  }

  /** Restores a search table serialised by `serialize()` (parameters and settings; capture progress is not kept). */
  static deserialize(serialized: SerializedTable, backend: Backend): PepTable {
    const h = serialized.header;
    const { rows, dim, name } = headerShape(serialized);
    const table = new PepTable({
      rows,
      dim,
      backend,
      seed: 0,
      init: { kind: 'zeros' },
      granularity: h.granularity as ThresholdGranularity,
      thresholdDecay: h.thresholdDecay as number,
      ...(typeof h.thresholdLr === 'number' ? { thresholdLr: h.thresholdLr } : {}),
      targets: h.targets as number[],
      capture: h.capture as CaptureMode,
      ...(typeof h.captureScope === 'string' ? { captureScope: h.captureScope as CaptureScope } : {}),
      captureEvery: h.captureEvery as number,
      ...(name !== undefined ? { name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    });
    const { weight, threshold } = serialized.sections;
    for (const [key, values, param] of [['weight', weight, table.part.weight], ['threshold', threshold, table.part.threshold]] as const) {
      if (!(values instanceof Float32Array) || values.length !== param.value.length) {
        table.dispose();
        throw new TypeError(`pep table: section "${key}" must be a Float32Array of ${param.value.length} values`);
      }
      backend.write(param.value, values);
    }
    return table;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('pep.lookup', 'out', out.length, ids.length, this.dim);
    this.part.forwardRows(ids, out);
    if (ctx.training) this.afterTrainingForward(null);
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('pep.backward', 'dOut', dOut.length, ids.length, this.dim);
    this.part.backwardRows(ids, dOut);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('pep.lookupAll', 'out', out.length, this.rows, this.dim);
    this.part.forwardAll(out);
    if (ctx.training) this.afterTrainingForward(out);
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('pep.backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    this.part.backwardAll(dOut);
  }

  parameters(): readonly Parameter[] {
    return this.part.parameters();
  }

  thresholdsAtCeiling(): number {
    return fractionAtCeiling([this.part]);
  }

  /** Checks the state after the epoch's last update. */
  onEpochEnd(_epoch: number): void {
    if (!this.captures.done) this.captures.check(this.steps, this.part.values(), () => this.part.margins());
  }

  /** The captures so far and the step count (the rest of the search state is the parameters). */
  trainingState(): TableTrainingState {
    const c = this.captures.state();
    return { header: { ...c.header, steps: this.steps }, sections: c.sections };
  }

  restoreTrainingState(state: TableTrainingState): void {
    this.captures.restore(state);
    this.steps = stepsOf(state, 'pep');
  }

  /** params = non-zeros of W_hat (the protocol); memory and disk hold W and s in fp32. */
  size(): Promise<TableSize> {
    const values = this.part.values();
    let nonZeros = 0;
    for (const v of values) if (v !== 0) nonZeros++;
    const bytes = 4 * (this.part.weight.value.length + this.part.threshold.value.length);
    return Promise.resolve({ params: nonZeros, nonZeros, memoryBytes: bytes, diskBytes: bytes });
  }

  async serialize(): Promise<SerializedTable> {
    const weight = await this.backend.read(this.part.weight.value);
    const threshold = await this.backend.read(this.part.threshold.value);
    const header: Record<string, unknown> = {
      form: 'search',
      rows: this.rows,
      dim: this.dim,
      name: this.name,
      granularity: this.part.granularity,
      thresholdDecay: this.part.threshold.weightDecay,
      targets: [...this.captures.targets],
      capture: this.captures.mode,
      captureScope: this.captures.scope,
      captureEvery: this.captureEvery,
    };
    if (this.part.weight.weightDecay !== undefined) header.weightDecay = this.part.weight.weightDecay;
    if (this.part.threshold.update !== undefined) header.thresholdLr = this.part.threshold.update.lr;
    return { method: 'pep', header, sections: { weight, threshold } };
  }

  dispose(): void {
    this.part.dispose();
  }

  /** Counts a training step and, when one is due, checks the targets (`out` holds W_hat already for lookupAll). */
  private afterTrainingForward(out: Buf<'f32'> | null): void {
    const step = this.steps++;
    if (this.captures.done || step % this.captureEvery !== 0) return;
    const values = out !== null ? this.backend.view(out) : this.part.values();
    this.captures.check(step, values, () => this.part.margins());
  }
}

/**
 * A part's thresholdInit from the table's start option: the fixed s, or for 'auto' the pruned
 * fraction of the stored entries that does `fraction` of the smallest target's pruning (its budget
 * counted over the table's logical entries: CERP stores fewer than it serves).
 */
export function startValue(start: ThresholdStart, captures: MaskCapture, entries: number): number | { pruned: number } {
  if (start.kind === 'fixed') return start.value;
  const needed = Math.max(0, 1 - keptAtTarget(captures.targets[0], entries) / captures.stored);
  return { pruned: start.fraction * needed };
}

/** The step count kept in a search table's training state. */
export function stepsOf(state: TableTrainingState, method: string): number {
  const steps = state.header.steps;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) throw new TypeError(`${method}: the training state has no step count`);
  return steps;
}

/**
 * Registry entry: the search table, or with option `masks` (a Uint8Array of rows x dim, or one
 * per table name) the fixed-mask retraining table.
 */
export const pepMethod: MethodDefinition = searchThenMaskMethod(
  { name: 'pep', summary: 'learnable soft thresholds prune entries until the target, then retraining with the mask (lottery ticket)', servedAs: 'the masked table (CSR of the kept entries when converted)' },
  (o) => new PepTable(o),
  (s, be) => PepTable.deserialize(s, be),
);
