import type { TableTrainingState } from '../../table.js';
import { searchStartError, type SearchStart } from './search-start.js';

/**
 * How a captured mask is formed when the non-zeros first reach a target:
 * - `first-reach`: the entries non-zero at that moment (the reference code; the sparsity can
 *   overshoot the target by what one step pruned);
 * - `exact`: those entries topped up to exactly the target's count with the pruned entries closest
 *   to the threshold (largest |w| - threshold), so every method lands on the same budget.
 */
export type CaptureMode = 'first-reach' | 'exact';

/** The capture modes. */
export const CAPTURE_MODES: readonly CaptureMode[] = ['first-reach', 'exact'];

/**
 * What a target's budget counts: `model`, the non-zeros of all the model's search tables together
 * against their entries together (the protocol's (users + items) x d for CF, as the reference's
 * search checks the model's sparsity), every table's mask taken at the same step; `table`, each
 * table on its own. A model with one table (CTR) is the same either way.
 */
export type CaptureScope = 'model' | 'table';

/** The capture scopes. */
export const CAPTURE_SCOPES: readonly CaptureScope[] = ['model', 'table'];

/** A mask captured for one target sparsity. */
export interface CapturedMask {
  readonly target: number;
  /** 1 = kept, over the concatenated entries of the table's parts. */
  readonly mask: Uint8Array;
  /** Kept entries (the protocol's parameter count of the retrained table). */
  readonly kept: number;
  /** 1 - kept / (rows x dim) of the table. */
  readonly sparsity: number;
  /** The table's training-step count when captured (0 = before the first update). */
  readonly step: number;
}

/** The most entries a table may keep at `target`: floor((1 - target) x entries) (tiny slack for rounding). */
export function keptAtTarget(target: number, entries: number): number {
  return Math.floor((1 - target) * entries + 1e-9);
}

/** Checks a list of target sparsities in (0, 1) and returns it sorted ascending without duplicates. */
export function checkTargets(method: string, targets: readonly number[]): number[] {
  if (targets.length === 0) throw new RangeError(`${method}: give at least one target sparsity`);
  for (const t of targets) {
    if (typeof t !== 'number' || !(t > 0 && t < 1)) throw new RangeError(`${method}: target sparsities must be numbers in (0, 1), got ${String(t)}`);
  }
  return [...new Set(targets)].sort((a, b) => a - b);
}

/** What a search table tells its capture about its start (for the step-0 record and the error that names a better start). */
export interface StartProbe {
  /** The table's name in messages. */
  readonly table: string;
  /** The stored entries' current magnitudes |w|, ascending (called at step 0 only). */
  magnitudes(): Float64Array;
  /** The current s of each part (uniform at step 0). */
  thresholds(): number[];
}

/**
 * Watches the non-zeros of a sparsifying table during its search stage and records the mask when
 * they first fall to each target's budget (PEP, CERP). Several targets can be captured from one run,
 * in increasing order; a jump past several budgets in one step captures them all from that state.
 */
export class MaskCapture {
  /** Targets, ascending. */
  readonly targets: readonly number[];
  private readonly captured = new Map<number, CapturedMask>();
  private started: SearchStart | null = null;
  /** With scope `model`, the group of the model's captures once joined (see CaptureGroup). */
  private group: CaptureGroup | null = null;

  /**
   * `entries` is the table's logical size (rows x dim), against which sparsity is counted;
   * `stored` the number of entries the masks cover (the parts' total, e.g. CERP's (b + q) x d).
   */
  constructor(
    private readonly method: string,
    targets: readonly number[],
    readonly entries: number,
    readonly stored: number,
    readonly mode: CaptureMode,
    private readonly probe?: StartProbe,
    readonly scope: CaptureScope = 'model',
  ) {
    this.targets = checkTargets(method, targets);
  }

  /** Joins a group (scope `model`): from then on the group decides the captures (CaptureGroup.join). */
  joinGroup(group: CaptureGroup): void {
    if (this.group !== null && this.group !== group) throw new Error(`${this.method}: a mask capture joins one group`);
    this.group = group;
  }

  /** The state before the first optimiser step (null until the step-0 check, or without a probe). */
  get start(): SearchStart | null {
    return this.started;
  }

  /** True when every target has its mask. */
  get done(): boolean {
    return this.captured.size === this.targets.length;
  }

  /** The smallest target without a mask yet (undefined when done). */
  get pending(): number | undefined {
    return this.targets.find((t) => !this.captured.has(t));
  }

  /** The mask captured for `target`, if any. */
  mask(target: number): CapturedMask | undefined {
    return this.captured.get(target);
  }

  /** Every captured mask, by target. */
  all(): ReadonlyMap<number, CapturedMask> {
    return this.captured;
  }

  /** The captures so far, for a checkpoint: their facts in the header, each mask a section `mask@<target>`. */
  state(): TableTrainingState {
    const captured = [...this.captured.values()].map(({ target, kept, sparsity, step }) => ({ target, kept, sparsity, step }));
    const sections = Object.fromEntries([...this.captured.values()].map((c) => [`mask@${c.target}`, c.mask.slice()]));
    return { header: { captured, ...(this.started !== null ? { start: { ...this.started, thresholds: [...this.started.thresholds] } } : {}) }, sections };
  }

  /** Replaces the captures with those of `state()` (from a capture of the same targets and size). */
  restore(state: TableTrainingState): void {
    const list = state.header.captured;
    if (!Array.isArray(list)) throw new TypeError('mask capture state: the header lists no captures');
    const restored = new Map<number, CapturedMask>();
    for (const entry of list as CapturedMask[]) {
      const mask = state.sections[`mask@${entry.target}`];
      if (!this.targets.includes(entry.target)) throw new RangeError(`mask capture state: target ${entry.target} is not one of ${this.targets.join(', ')}`);
      if (!(mask instanceof Uint8Array) || mask.length !== this.stored) throw new TypeError(`mask capture state: mask@${entry.target} must be a Uint8Array of ${this.stored} entries`);
      restored.set(entry.target, { target: entry.target, mask: mask.slice(), kept: entry.kept, sparsity: entry.sparsity, step: entry.step });
    }
    this.captured.clear();
    for (const [t, c] of restored) this.captured.set(t, c);
    const start = state.header.start as SearchStart | undefined;
    this.started = start !== undefined ? { sparsity: start.sparsity, pruned: start.pruned, thresholds: [...start.thresholds] } : null;
  }

  /**
   * Looks at the current state: `values` are the current transformed values of every stored entry
   * (zero = pruned), `margins` (called only when an exact capture needs it) how far each is from
   * the threshold. Captures every pending target whose budget the non-zeros now meet. At step 0
   * (before the first optimiser step) it records the start and, with a probe, throws a
   * SearchStartError when the start already meets a target's budget: such a mask would come from
   * the random initial weights, not from a search.
   */
  check(step: number, values: Float32Array, margins: () => Float64Array): void {
    if (this.done) return;
    if (values.length !== this.stored) throw new RangeError(`mask capture: expected ${this.stored} values, got ${values.length}`);
    let nonZeros = 0;
    for (let e = 0; e < values.length; e++) if (values[e] !== 0) nonZeros++;
    if (step === 0 && this.probe !== undefined) this.recordStart(nonZeros, this.probe);
    if (this.group !== null) {
      this.group.report(this, step, nonZeros, values, margins);
      return;
    }
    let order: Int32Array | null = null;
    for (const target of this.targets) {
      if (this.captured.has(target)) continue;
      const budget = keptAtTarget(target, this.entries);
      if (nonZeros > budget) break;
      const mask = new Uint8Array(this.stored);
      for (let e = 0; e < values.length; e++) if (values[e] !== 0) mask[e] = 1;
      let kept = nonZeros;
      if (this.mode === 'exact' && kept < budget) {
        order ??= prunedByMargin(values, margins());
        for (let k = 0; k < order.length && kept < budget; k++, kept++) mask[order[k]] = 1;
      }
      this.record(target, mask, kept, step);
    }
  }

  /** Records the mask of `target` (by this capture, or by its group). */
  record(target: number, mask: Uint8Array, kept: number, step: number): void {
    this.captured.set(target, { target, mask, kept, sparsity: 1 - kept / this.entries, step });
  }

  /** Records the step-0 state; throws when it already meets the smallest pending target's budget. */
  private recordStart(nonZeros: number, probe: StartProbe): void {
    const start: SearchStart = { sparsity: 1 - nonZeros / this.entries, pruned: 1 - nonZeros / this.stored, thresholds: probe.thresholds() };
    this.started = start;
    const target = this.pending;
    if (target !== undefined && nonZeros <= keptAtTarget(target, this.entries)) throw searchStartError(this.method, probe.table, target, start, probe.magnitudes(), this.entries);
  }
}

/** One member's check at a step, kept until every member of its group has checked that step. */
interface GroupReport {
  readonly step: number;
  readonly nonZeros: number;
  readonly values: Float32Array;
  readonly margins: () => Float64Array;
}

/**
 * The captures of one model's search tables with scope `model`: each table checks as before, and
 * once all have checked the same step (they do, within one training forward and at each epoch's
 * end, with no update between) a target is met when their non-zeros together fit its budget over
 * their entries together; then every table's mask is taken from that step. In `exact` mode the
 * masks are topped up to exactly that budget with the pruned entries of all tables closest to their
 * thresholds, so the split between tables is the search's, not a fixed share.
 */
export class CaptureGroup {
  private readonly reports = new Map<MaskCapture, GroupReport>();

  private constructor(private readonly members: readonly MaskCapture[]) {}

  /** Groups `members` (same targets and mode; scope `model`). One member alone needs no group: returns null. */
  static join(method: string, members: readonly MaskCapture[]): CaptureGroup | null {
    if (members.length < 2) return null;
    const [first] = members;
    for (const m of members) {
      if (m.scope !== 'model') throw new Error(`${method}: only captures of scope "model" join a group`);
      if (m.mode !== first.mode || m.targets.join() !== first.targets.join()) throw new Error(`${method}: the tables of one model must capture the same targets in the same mode`);
    }
    const group = new CaptureGroup(members);
    for (const m of members) m.joinGroup(group);
    return group;
  }

  /** A member's check (see MaskCapture.check); decides once every member has checked `step`. */
  report(member: MaskCapture, step: number, nonZeros: number, values: Float32Array, margins: () => Float64Array): void {
    const others = this.members.filter((m) => m !== member).map((m) => this.reports.get(m));
    if (others.some((r) => r === undefined || r.step !== step)) {
      // Kept until the others check this step: a copy, as the values may be a view of a buffer the
      // next lookup overwrites.
      this.reports.set(member, { step, nonZeros, values: values.slice(), margins });
      return;
    }
    // The last member to check decides at once, from its values as they are.
    this.reports.set(member, { step, nonZeros, values, margins });
    this.decide(this.members.map((m) => this.reports.get(m)!));
    this.reports.clear();
  }

  private decide(reports: readonly GroupReport[]): void {
    const members = this.members;
    const entries = members.reduce((n, m) => n + m.entries, 0);
    const nonZeros = reports.reduce((n, r) => n + r.nonZeros, 0);
    let order: { member: Int32Array; entry: Int32Array } | null = null;
    for (const target of members[0].targets) {
      if (members.every((m) => m.mask(target) !== undefined)) continue;
      const budget = keptAtTarget(target, entries);
      if (nonZeros > budget) break;
      const masks = reports.map((r) => Uint8Array.from(r.values, (v) => (v !== 0 ? 1 : 0)));
      const kept = reports.map((r) => r.nonZeros);
      let total = nonZeros;
      if (members[0].mode === 'exact' && total < budget) {
        order ??= prunedByMarginAcross(reports);
        for (let k = 0; k < order.entry.length && total < budget; k++, total++) {
          const m = order.member[k];
          masks[m][order.entry[k]] = 1;
          kept[m]++;
        }
      }
      members.forEach((m, i) => { m.record(target, masks[i], kept[i], reports[i].step); });
    }
  }
}

/** The zero entries of several members, by decreasing margin (ties: earlier member, then lower index first). */
function prunedByMarginAcross(reports: readonly GroupReport[]): { member: Int32Array; entry: Int32Array } {
  const parts = reports.map((r) => {
    const margins = r.margins();
    const entry = prunedByMargin(r.values, margins);
    return { entry, margin: Float64Array.from(entry, (e) => margins[e]) };
  });
  const n = parts.reduce((a, p) => a + p.entry.length, 0);
  const member = new Int32Array(n);
  const entry = new Int32Array(n);
  // A k-way merge of the members' sorted lists (each already by decreasing margin).
  const at = parts.map(() => 0);
  for (let k = 0; k < n; k++) {
    let best = -1;
    for (let i = 0; i < parts.length; i++) {
      if (at[i] >= parts[i].entry.length) continue;
      if (best < 0 || parts[i].margin[at[i]] > parts[best].margin[at[best]]) best = i;
    }
    member[k] = best;
    entry[k] = parts[best].entry[at[best]++];
  }
  return { member, entry };
}

/** Indices of the zero entries, by decreasing margin (ties: lower index first). */
function prunedByMargin(values: Float32Array, margins: Float64Array): Int32Array {
  const zeros: number[] = [];
  for (let e = 0; e < values.length; e++) if (values[e] === 0) zeros.push(e);
  zeros.sort((a, b) => margins[b] - margins[a] || a - b);
  return Int32Array.from(zeros);
}
