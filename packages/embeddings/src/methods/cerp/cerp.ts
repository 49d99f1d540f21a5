import { hash2, type Backend, type Buf, type HostBackend, type ThresholdGranularity } from '@lers/kernels';
import { checkTableShape } from '../full/full.js';
import type { TableInit } from '../../init.js';
import type { Parameter } from '../../parameter.js';
import type { CreateTableOptions, MethodDefinition, TableOptions } from '../../method.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize, TableTrainingState } from '../../table.js';
import { checkRowsLength, countNonZeros, requireHostBackend } from '../common/host-access.js';
import { cerpPerQuotient, cerpQuotientRows, everyCerpId, splitCerpIds } from './cerp-ids.js';
import { CerpServedTable } from './cerp-served.js';
import { CAPTURE_MODES, CAPTURE_SCOPES, MaskCapture, type CaptureMode, type CaptureScope, type StartProbe } from '../learned-pruning/mask-capture.js';
import { thresholdStartOption } from '../learned-pruning/search-start.js';
import { choiceOption, openRangeOption, positiveIntOption } from '../common/option-values.js';
import { PEP_DEFAULT_THRESHOLD_INIT, startValue, stepsOf } from '../pep/pep.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';
import { fractionAtCeiling, SoftThresholdPart, THRESHOLD_GRANULARITIES } from '../learned-pruning/soft-threshold-part.js';
import { csrBytes, csrSections, csrToMasked, headerShape, maskedCsr } from '../learned-pruning/sparse-form.js';
import { createWeight, MaskedPart, type TablePart } from '../learned-pruning/table-part.js';
import { numberOption, tableMask, targetsOption, thresholdLrOption } from '../learned-pruning/table-masks.js';

/** Default (b + q) / ((1 - target) N): the buckets hold this many times the target's budget before pruning. */
export const CERP_DEFAULT_BUCKET_FACTOR = 1.25;
/** Default weight decay of the thresholds (the reference configs' 1e-5). */
export const CERP_DEFAULT_THRESHOLD_DECAY = 1e-5;
/** Default initial weight of the complementarity regulariser, halved every epoch. */
export const CERP_DEFAULT_COMPLEMENTARITY = 1e-4;

/** Options of a CERP table (createTable('cerp', ...) takes the same names). */
export interface CerpTableOptions extends CreateTableOptions {
  /** Rows b of P (Q has ceil(N / ceil(N/b)) <= b rows); or give `sparsity`. */
  readonly buckets?: number;
  /** Target sparsity: b from it and `bucketFactor` (ignored when `buckets` is given); also the default target. */
  readonly sparsity?: number;
  /** b + q = bucketFactor x (1 - sparsity) x N (default 1.25). */
  readonly bucketFactor?: number;
  /** Targets whose masks the search captures (default [sparsity], else 0.5, 0.8, 0.95). */
  readonly targets?: readonly number[];
  /** Threshold granularity of P and Q (default element, as the reference). */
  readonly granularity?: ThresholdGranularity;
  /** Initial s (default -15), or 'auto' (as PEP's: P and Q each start at `autoStart` of the smallest target's pruning). */
  readonly thresholdInit?: number | 'auto';
  readonly autoStart?: number;
  /** Weight decay of s (default 1e-5). */
  readonly thresholdDecay?: number;
  /** Learning rate of s (default: the model's, as the reference); see SoftThresholdPartOptions. */
  readonly thresholdLr?: number;
  /** Initial weight gamma of the regulariser -||tanh(K e)||^2 (default 1e-4). */
  readonly complementarity?: number;
  /** gamma is multiplied by this every epoch (default 0.5). */
  readonly complementarityDecay?: number;
  /** K of tanh(K e) (default 100). */
  readonly complementaritySharpness?: number;
  readonly capture?: CaptureMode;
  /** What a target's budget counts: the model's tables together (default, as the reference) or each table alone. */
  readonly captureScope?: CaptureScope;
  readonly captureEvery?: number;
  /** Fixed masks (retraining): (b + q) x dim entries, P's rows first; or one per table name. */
  readonly masks?: Uint8Array | Readonly<Record<string, Uint8Array>>;
}

/** P's rows b for a target: ceil(factor (1 - sparsity) N / 2), at least 1 and at most N. */
export function cerpBuckets(rows: number, sparsity: number, factor = CERP_DEFAULT_BUCKET_FACTOR): number {
  return Math.min(rows, Math.max(1, Math.ceil((factor * (1 - sparsity) * rows) / 2)));
}

/** Regulariser settings. */
interface Complementarity {
  readonly initial: number;
  readonly decay: number;
  readonly sharpness: number;
}

/**
 * CERP (Liang et al. 2023): two bucket tables P (b rows) and Q composed as
 * e(x) = Q_hat[floor(x / ceil(N/b))] + P_hat[x mod b], each soft-thresholded as PEP. The search
 * form adds the complementarity regulariser -gamma ||tanh(K e)||^2 over the rows of each backward
 * pass (gamma = initial * decay^(epoch - 1)) and captures the masks of P and Q when their non-zeros
 * first reach a target (counted against N x d); with `masks`, P and Q are fixed-mask parts
 * (retraining). Q has ceil(N / ceil(N/b)) rows: the reference's extra Q rows are never looked up.
 */
export class CerpTable implements EmbeddingTable {
  readonly method = 'cerp';
  readonly rows: number;
  readonly dim: number;
  readonly backend: Backend;
  readonly buckets: number;
  readonly quotientRows: number;
  /** ceil(N / b): ids per Q row. */
  readonly perQuotient: number;
  readonly p: TablePart;
  readonly q: TablePart;
  /** P and Q of the search form (null in the fixed-mask form). */
  readonly softParts: readonly [SoftThresholdPart, SoftThresholdPart] | null;
  /** P and Q of the fixed-mask form (null in the search form). */
  readonly maskedParts: readonly [MaskedPart, MaskedPart] | null;
  /** The search's capture state (undefined in the fixed-mask form). */
  readonly captures: MaskCapture | undefined;
  readonly captureEvery: number;
  private readonly name: string;
  private readonly complementarity: Complementarity;
  private gamma: number;
  private steps = 0;
  private readonly f32: ScratchBuffer<'f32'>[];
  private readonly ids: ScratchBuffer<'i32'>[];
  private allP: Buf<'i32'> | null = null;
  private allQ: Buf<'i32'> | null = null;
  private disposed = false;

  constructor(options: CerpTableOptions) {
    checkTableShape('cerp', options.rows, options.dim);
    const o = options as unknown as TableOptions;
    const N = options.rows;
    const d = options.dim;
    const be = options.backend;
    this.backend = be;
    this.rows = N;
    this.dim = d;
    this.name = options.name ?? 'cerp';
    const sparsity = openRangeOption('cerp', o, 'sparsity', 0, 1);
    const factor = numberOption('cerp', o, 'bucketFactor') ?? CERP_DEFAULT_BUCKET_FACTOR;
    const buckets = positiveIntOption('cerp', o, 'buckets') ?? (sparsity !== undefined ? cerpBuckets(N, sparsity, factor) : undefined);
    if (buckets === undefined) throw new RangeError('cerp: give option buckets or sparsity');
    if (buckets > N) throw new RangeError(`cerp: buckets (${buckets}) must not exceed rows (${N})`);
    this.buckets = buckets;
    this.perQuotient = cerpPerQuotient(N, buckets);
    this.quotientRows = cerpQuotientRows(N, buckets);
    this.complementarity = {
      initial: numberOption('cerp', o, 'complementarity') ?? CERP_DEFAULT_COMPLEMENTARITY,
      decay: numberOption('cerp', o, 'complementarityDecay') ?? 0.5,
      sharpness: numberOption('cerp', o, 'complementaritySharpness') ?? 100,
    };
    this.gamma = this.complementarity.initial;
    this.captureEvery = positiveIntOption('cerp', o, 'captureEvery') ?? 1;
    const stored = (buckets + this.quotientRows) * d;
    const mask = tableMask('cerp', o, stored);
    const seedP = hash2(options.seed, 1);
    const seedQ = hash2(options.seed, 2);
    const init: TableInit = options.init ?? { kind: 'xavier-uniform' };
    if (mask === undefined) {
      const granularity = choiceOption('cerp', o, 'granularity', THRESHOLD_GRANULARITIES) ?? 'element';
      const defaultTargets = sparsity !== undefined ? [sparsity] : [0.5, 0.8, 0.95];
      const mode = choiceOption('cerp', o, 'capture', CAPTURE_MODES) ?? 'first-reach';
      const probe: StartProbe = {
        table: this.name,
        magnitudes: () => {
          const [p, q] = this.softParts!;
          const pm = p.magnitudes();
          const qm = q.magnitudes();
          const all = new Float64Array(pm.length + qm.length);
          all.set(pm);
          all.set(qm, pm.length);
          return all.sort();
        },
        thresholds: () => this.softParts!.map((part) => part.firstThreshold()),
      };
      const scope = choiceOption('cerp', o, 'captureScope', CAPTURE_SCOPES) ?? 'model';
      const captures = new MaskCapture('cerp', targetsOption('cerp', o, defaultTargets), N * d, stored, mode, probe, scope);
      this.captures = captures;
      const thresholdLr = thresholdLrOption('cerp', o);
      const common = {
        backend: requireHostBackend(be, "CERP's search stage (it reads P and Q on the host at every step to capture masks; the retrained table runs on any backend)"),
        dim: d,
        init,
        granularity,
        thresholdInit: startValue(thresholdStartOption('cerp', o, PEP_DEFAULT_THRESHOLD_INIT), captures, N * d),
        thresholdDecay: numberOption('cerp', o, 'thresholdDecay') ?? CERP_DEFAULT_THRESHOLD_DECAY,
        ...(thresholdLr !== undefined ? { thresholdLr } : {}),
        ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      };
      const p = new SoftThresholdPart({ ...common, prefix: `${this.name}.p`, rows: buckets, seed: seedP });
      const q = new SoftThresholdPart({ ...common, prefix: `${this.name}.q`, rows: this.quotientRows, seed: seedQ });
      this.softParts = [p, q];
      this.maskedParts = null;
      this.p = p;
      this.q = q;
    } else {
      const split = buckets * d;
      const make = (part: string, rows: number, seed: number, m: Uint8Array): MaskedPart => {
        const { weight, touched } = createWeight(be, `${this.name}.${part}.weight`, rows, d, init, seed, options.weightDecay);
        return new MaskedPart(be, weight, touched, m);
      };
      const p = make('p', buckets, seedP, mask.subarray(0, split));
      const q = make('q', this.quotientRows, seedQ, mask.subarray(split));
      this.maskedParts = [p, q];
      this.softParts = null;
      this.p = p;
      this.q = q;
      this.captures = undefined;
    }
    this.f32 = Array.from({ length: 5 }, () => new ScratchBuffer(be, 'f32'));
    this.ids = Array.from({ length: 2 }, () => new ScratchBuffer(be, 'i32'));
  }

  /** Restores a table serialised by `serialize()` (search or fixed-mask form). */
  static deserialize(serialized: SerializedTable, backend: Backend): CerpTable {
    const h = serialized.header;
    const { rows, dim, name } = headerShape(serialized);
    const common = {
      rows,
      dim,
      backend,
      seed: 0,
      init: { kind: 'zeros' } as TableInit,
      buckets: h.buckets as number,
      ...(name !== undefined ? { name } : {}),
      ...(typeof h.weightDecay === 'number' ? { weightDecay: h.weightDecay } : {}),
    };
    if (h.form === 'masked') {
      const b = h.buckets as number;
      const qRows = cerpQuotientRows(rows, b);
      const p = csrToMasked('cerp P', csrSections(serialized, 'p.'), b, dim);
      const q = csrToMasked('cerp Q', csrSections(serialized, 'q.'), qRows, dim);
      const mask = new Uint8Array(p.mask.length + q.mask.length);
      mask.set(p.mask);
      mask.set(q.mask, p.mask.length);
      const table = new CerpTable({ ...common, masks: mask });
      backend.write(table.p.weight.value, p.values);
      backend.write(table.q.weight.value, q.values);
      return table;
    }
    const c = h.complementarity as Complementarity;
    const table = new CerpTable({
      ...common,
      granularity: h.granularity as ThresholdGranularity,
      thresholdDecay: h.thresholdDecay as number,
      ...(typeof h.thresholdLr === 'number' ? { thresholdLr: h.thresholdLr } : {}),
      targets: h.targets as number[],
      capture: h.capture as CaptureMode,
      ...(typeof h.captureScope === 'string' ? { captureScope: h.captureScope as CaptureScope } : {}),
      captureEvery: h.captureEvery as number,
      complementarity: c.initial,
      complementarityDecay: c.decay,
      complementaritySharpness: c.sharpness,
    });
    table.gamma = h.gamma as number;
    const parts = table.softParts!;
    const keys = ['p.weight', 'p.threshold', 'q.weight', 'q.threshold'];
    const params = [parts[0].weight, parts[0].threshold, parts[1].weight, parts[1].threshold];
    keys.forEach((key, i) => {
      const values = serialized.sections[key];
      if (!(values instanceof Float32Array) || values.length !== params[i].value.length) {
        table.dispose();
        throw new TypeError(`cerp table: section "${key}" must be a Float32Array of ${params[i].value.length} values`);
      }
      backend.write(params[i].value, values);
    });
    return table;
  }

  /** True in the search form (soft thresholds, regulariser, mask capture). */
  get searching(): boolean {
    return this.captures !== undefined;
  }

  /** The current regulariser weight gamma. */
  get complementarityWeight(): number {
    return this.gamma;
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('cerp.lookup', 'out', out.length, ids.length, this.dim);
    const [pIds, qIds] = this.splitIds('cerp.lookup', ids);
    this.composeRows(pIds, qIds, out);
    if (ctx.training && this.captures !== undefined) {
      const step = this.steps++;
      if (step % this.captureEvery === 0) this.checkCapture(step, null);
    }
  }

  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('cerp.backward', 'dOut', dOut.length, ids.length, this.dim);
    const [pIds, qIds] = this.splitIds('cerp.backward', ids);
    let g = dOut;
    if (this.regularizing()) {
      const e = this.f32[2].take(dOut.length);
      this.composeRows(pIds, qIds, e);
      g = this.withRegularizer(e, dOut);
    }
    this.p.backwardRows(pIds, g);
    this.q.backwardRows(qIds, g);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('cerp.lookupAll', 'out', out.length, this.rows, this.dim);
    const [pHat, qHat] = this.composeAll(out);
    if (ctx.training && this.captures !== undefined) {
      const step = this.steps++;
      if (step % this.captureEvery === 0) this.checkCapture(step, [pHat, qHat]);
    }
  }

  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('cerp.backwardAll', 'dOut', dOut.length, this.rows, this.dim);
    const be = this.backend;
    const d = this.dim;
    let g = dOut;
    if (this.regularizing()) {
      const e = this.f32[2].take(dOut.length);
      this.composeAll(e);
      g = this.withRegularizer(e, dOut);
    }
    const [allP, allQ] = this.everyId();
    const dP = this.f32[0].take(this.buckets * d);
    const dQ = this.f32[1].take(this.quotientRows * d);
    be.fill(dP, 0);
    be.fill(dQ, 0);
    be.scatterAdd(g, allP, 1, dP, this.buckets, d);
    be.scatterAdd(g, allQ, 1, dQ, this.quotientRows, d);
    this.p.backwardAll(dP);
    this.q.backwardAll(dQ);
  }

  /** The fraction of P's and Q's thresholds at their decay's ceiling (0 in the fixed-mask form). */
  thresholdsAtCeiling(): number {
    return this.softParts === null ? 0 : fractionAtCeiling(this.softParts);
  }

  parameters(): readonly Parameter[] {
    return [...this.p.parameters(), ...this.q.parameters()];
  }

  /** Sets gamma = initial x decay^(epoch - 1) (epochs are 1-based). */
  onEpochStart(epoch: number): void {
    const c = this.complementarity;
    this.gamma = c.initial * Math.pow(c.decay, epoch - 1);
  }

  /** Checks the capture after the epoch's last update. */
  onEpochEnd(_epoch: number): void {
    if (this.captures !== undefined && !this.captures.done) this.checkCapture(this.steps, null);
  }

  /** The search's captures, step count and regulariser weight (empty in the fixed-mask form). */
  trainingState(): TableTrainingState {
    if (this.captures === undefined) return { header: {}, sections: {} };
    const c = this.captures.state();
    return { header: { ...c.header, steps: this.steps, gamma: this.gamma }, sections: c.sections };
  }

  restoreTrainingState(state: TableTrainingState): void {
    if (this.captures === undefined) return;
    this.captures.restore(state);
    this.steps = stepsOf(state, 'cerp');
    if (typeof state.header.gamma !== 'number') throw new TypeError('cerp: the training state has no regulariser weight');
    this.gamma = state.header.gamma;
  }

  /**
   * params = non-zeros of P_hat and Q_hat (the protocol); memory and disk: fp32 P, Q and their
   * thresholds in the search form, CSR of the kept entries of P and Q in the fixed-mask form.
   */
  async size(): Promise<TableSize> {
    const be = this.backend;
    const pHat = be.alloc('f32', this.buckets * this.dim);
    const qHat = be.alloc('f32', this.quotientRows * this.dim);
    let nonZeros: number;
    try {
      this.p.forwardAll(pHat);
      this.q.forwardAll(qHat);
      nonZeros = await countNonZeros(be, [pHat, qHat]);
    } finally {
      be.free(pHat);
      be.free(qHat);
    }
    let bytes = 0;
    const masked = this.maskedParts;
    if (masked !== null) bytes = csrBytes(this.buckets, masked[0].kept) + csrBytes(this.quotientRows, masked[1].kept);
    else for (const param of this.parameters()) bytes += 4 * param.value.length;
    return { params: nonZeros, nonZeros, memoryBytes: bytes, diskBytes: bytes };
  }

  /** P_hat and Q_hat on the host (b x d and q x d), synchronously (a host backend: the search form). */
  partValues(): [Float32Array, Float32Array] {
    const be = this.hostBackend();
    const pv = this.f32[0].take(this.buckets * this.dim);
    this.p.forwardAll(pv);
    const pCopy = be.view(pv).slice();
    const qv = this.f32[1].take(this.quotientRows * this.dim);
    this.q.forwardAll(qv);
    return [pCopy, be.view(qv).slice()];
  }

  async serialize(): Promise<SerializedTable> {
    const be = this.backend;
    const header: Record<string, unknown> = { rows: this.rows, dim: this.dim, name: this.name, buckets: this.buckets };
    if (this.p.weight.weightDecay !== undefined) header.weightDecay = this.p.weight.weightDecay;
    const masked = this.maskedParts;
    if (masked !== null) {
      header.form = 'masked';
      const sections: Record<string, Int32Array | Float32Array> = {};
      for (const [key, part] of [['p', masked[0]], ['q', masked[1]]] as const) {
        const csr = maskedCsr(await be.read(part.weight.value), part.mask, part.rows, this.dim);
        sections[`${key}.indptr`] = csr.indptr;
        sections[`${key}.indices`] = csr.indices;
        sections[`${key}.values`] = csr.values;
      }
      return { method: 'cerp', header, sections };
    }
    const [p, q] = this.softParts!;
    const captures = this.captures!;
    Object.assign(header, {
      form: 'search',
      granularity: p.granularity,
      thresholdDecay: p.threshold.weightDecay,
      ...(p.threshold.update !== undefined ? { thresholdLr: p.threshold.update.lr } : {}),
      targets: [...captures.targets],
      capture: captures.mode,
      captureScope: captures.scope,
      captureEvery: this.captureEvery,
      complementarity: this.complementarity,
      gamma: this.gamma,
    });
    const sections = {
      'p.weight': await be.read(p.weight.value),
      'p.threshold': await be.read(p.threshold.value),
      'q.weight': await be.read(q.weight.value),
      'q.threshold': await be.read(q.threshold.value),
    };
    return { method: 'cerp', header, sections };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.p.dispose();
    this.q.dispose();
    for (const s of [...this.f32, ...this.ids]) s.dispose();
    if (this.allP !== null) this.backend.free(this.allP);
    if (this.allQ !== null) this.backend.free(this.allQ);
  }

  /** Checked ids split into P rows and Q rows (scratch). */
  private splitIds(op: string, ids: Buf<'i32'>): [Buf<'i32'>, Buf<'i32'>] {
    return splitCerpIds(this.backend, op, ids, this, this.ids[0], this.ids[1]);
  }

  /** The backend as a host backend: the search form requires one (its constructor checked). */
  private hostBackend(): HostBackend {
    return requireHostBackend(this.backend, "CERP's search stage");
  }

  /** out = P_hat[pIds] + Q_hat[qIds]. */
  private composeRows(pIds: Buf<'i32'>, qIds: Buf<'i32'>, out: Buf<'f32'>): void {
    const tmp = this.f32[3].take(out.length);
    this.p.forwardRows(pIds, out);
    this.q.forwardRows(qIds, tmp);
    this.backend.add(out, tmp, out);
  }

  /** out (N x d) = every composed row; returns P_hat and Q_hat (scratch, valid until the next call). */
  private composeAll(out: Buf<'f32'>): [Buf<'f32'>, Buf<'f32'>] {
    const be = this.backend;
    const d = this.dim;
    const pHat = this.f32[0].take(this.buckets * d);
    const qHat = this.f32[1].take(this.quotientRows * d);
    this.p.forwardAll(pHat);
    this.q.forwardAll(qHat);
    const [allP, allQ] = this.everyId();
    const tmp = this.f32[3].take(this.rows * d);
    be.gather(pHat, this.buckets, d, allP, out);
    be.gather(qHat, this.quotientRows, d, allQ, tmp);
    be.add(out, tmp, out);
    return [pHat, qHat];
  }

  private regularizing(): boolean {
    return this.captures !== undefined && this.gamma !== 0;
  }

  /** dOut + d/de of -gamma sum tanh(K e)^2 = dOut - 2 gamma K tanh(K e) (1 - tanh(K e)^2), in scratch. */
  private withRegularizer(e: Buf<'f32'>, dOut: Buf<'f32'>): Buf<'f32'> {
    const be = this.hostBackend();
    const g = this.f32[4].take(dOut.length);
    const ev = be.view(e);
    const dv = be.view(dOut);
    const gv = be.view(g);
    const k = this.complementarity.sharpness;
    const c = 2 * this.gamma * k;
    for (let i = 0; i < gv.length; i++) {
      const th = Math.tanh(k * ev[i]);
      gv[i] = dv[i] - c * th * (1 - th * th);
    }
    return g;
  }

  /** Compares the current non-zeros of P_hat and Q_hat with the targets' budgets. */
  private checkCapture(step: number, hats: [Buf<'f32'>, Buf<'f32'>] | null): void {
    const captures = this.captures!;
    if (captures.done) return;
    const be = this.hostBackend();
    const [pv, qv] = hats === null ? this.partValues() : [be.view(hats[0]), be.view(hats[1])];
    const values = new Float32Array(pv.length + qv.length);
    values.set(pv);
    values.set(qv, pv.length);
    const [p, q] = this.softParts!;
    captures.check(step, values, () => {
      const pm = p.margins();
      const qm = q.margins();
      const m = new Float64Array(pm.length + qm.length);
      m.set(pm);
      m.set(qm, pm.length);
      return m;
    });
  }

  /** x mod b and floor(x / ceil(N/b)) for every row x (built once). */
  private everyId(): [Buf<'i32'>, Buf<'i32'>] {
    if (this.allP === null || this.allQ === null) [this.allP, this.allQ] = everyCerpId(this.backend, this);
    return [this.allP, this.allQ];
  }
}

/** Registry entry: the search form, or with option `masks` the fixed-mask retraining form. */
export const cerpMethod: MethodDefinition = {
  name: 'cerp',
  kind: 'search-then-retrain',
  summary: 'two soft-thresholded bucket tables summed per row, pruned until the target, then retrained',
  servedAs: 'the pruned bucket tables',
  create: (options: TableOptions) => new CerpTable(options),
  load(serialized, backend, purpose) {
    if (serialized.method !== 'cerp') throw new TypeError(`cerp: cannot load a ${serialized.method} table`);
    // Served, a retrained table is its kept entries: P and Q as frozen CSRs (no dense copy, no mask).
    if (purpose === 'serve' && serialized.header.form === 'masked') return CerpServedTable.deserialize(serialized, backend);
    return CerpTable.deserialize(serialized, backend);
  },
};
