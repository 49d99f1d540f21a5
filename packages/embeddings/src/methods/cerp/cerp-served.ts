import type { Backend, Buf } from '@lers/kernels';
import type { Parameter } from '../../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable, TableSize } from '../../table.js';
import { checkKnownIds, checkRowsLength } from '../common/host-access.js';
import { ScratchBuffer } from '../common/scratch-buffer.js';
import { CsrTable } from '../learned-pruning/csr-table.js';
import { headerShape } from '../learned-pruning/sparse-form.js';
import { storedCsr } from '../pruning/frozen-csr.js';
import { cerpPerQuotient, cerpQuotientRows, everyCerpId, splitCerpIds, type CerpLayout } from './cerp-ids.js';

/**
 * The inference form of a retrained CERP table: P and Q as frozen CSRs of their kept entries (a
 * model file's sections used in place when the file lies in the backend's memory), composed as
 * e(x) = Q[floor(x / ceil(N/b))] + P[x mod b]. It does not train; it serialises back to the same
 * fixed-mask sections it was loaded from.
 */
export class CerpServedTable implements EmbeddingTable, CerpLayout {
  readonly method = 'cerp';
  readonly perQuotient: number;
  private readonly tmp: ScratchBuffer<'f32'>;
  private readonly ids: [ScratchBuffer<'i32'>, ScratchBuffer<'i32'>];
  private every: [Buf<'i32'>, Buf<'i32'>] | null = null;
  private disposed = false;

  private constructor(
    readonly backend: Backend,
    readonly rows: number,
    readonly dim: number,
    readonly buckets: number,
    private readonly p: CsrTable,
    private readonly q: CsrTable,
    private readonly header: Readonly<Record<string, unknown>>,
  ) {
    this.perQuotient = cerpPerQuotient(rows, buckets);
    this.tmp = new ScratchBuffer(backend, 'f32');
    this.ids = [new ScratchBuffer(backend, 'i32'), new ScratchBuffer(backend, 'i32')];
  }

  /** The served form of a table serialised in the fixed-mask form (header form `masked`). */
  static deserialize(serialized: SerializedTable, backend: Backend): CerpServedTable {
    const { rows, dim, name } = headerShape(serialized);
    const b = serialized.header.buckets;
    if (serialized.header.form !== 'masked' || typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > rows) {
      throw new TypeError(`cerp table: a served table needs the masked form and an integer buckets in [1, ${rows}]`);
    }
    const label = name ?? 'cerp';
    const p = new CsrTable('cerp', backend, b, dim, storedCsr(serialized, backend, 'p.'), `${label}.p`);
    let q: CsrTable;
    try {
      q = new CsrTable('cerp', backend, cerpQuotientRows(rows, b), dim, storedCsr(serialized, backend, 'q.'), `${label}.q`);
    } catch (err) {
      p.dispose();
      throw err;
    }
    return new CerpServedTable(backend, rows, dim, b, p, q, { ...serialized.header });
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('cerp lookup', 'out', out.length, ids.length, this.dim);
    const [pIds, qIds] = splitCerpIds(this.backend, 'cerp lookup', ids, this, this.ids[0], this.ids[1]);
    this.compose(pIds, qIds, out, ctx);
  }

  /** Frozen values: checks the ids and the gradient's shape, accumulates nothing. */
  backward(ids: Buf<'i32'>, dOut: Buf<'f32'>): void {
    checkRowsLength('cerp backward', 'dOut', dOut.length, ids.length, this.dim);
    checkKnownIds(this.backend, 'cerp backward', ids, this.rows);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    checkRowsLength('cerp lookupAll', 'out', out.length, this.rows, this.dim);
    if (this.every === null) this.every = everyCerpId(this.backend, this);
    this.compose(this.every[0], this.every[1], out, ctx);
  }

  /** Frozen values: checks the gradient's shape only. */
  backwardAll(dOut: Buf<'f32'>): void {
    checkRowsLength('cerp backwardAll', 'dOut', dOut.length, this.rows, this.dim);
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  /** params = non-zeros of P and Q (the protocol); bytes = their CSRs (as the fixed-mask form counts them). */
  async size(): Promise<TableSize> {
    const [p, q] = await Promise.all([this.p.size(), this.q.size()]);
    return { params: p.params + q.params, nonZeros: p.nonZeros + q.nonZeros, memoryBytes: p.memoryBytes + q.memoryBytes, diskBytes: p.diskBytes + q.diskBytes };
  }

  async serialize(): Promise<SerializedTable> {
    const sections: Record<string, Int32Array | Float32Array> = {};
    for (const [key, part] of [['p', this.p], ['q', this.q]] as const) {
      const s = (await part.serialize()).sections;
      for (const name of ['indptr', 'indices', 'values']) sections[`${key}.${name}`] = s[name] as Int32Array | Float32Array;
    }
    return { method: 'cerp', header: { ...this.header }, sections };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.p.dispose();
    this.q.dispose();
    this.tmp.dispose();
    for (const s of this.ids) s.dispose();
    if (this.every !== null) for (const b of this.every) this.backend.free(b);
  }

  /** out = P[pIds] + Q[qIds]. */
  private compose(pIds: Buf<'i32'>, qIds: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    const tmp = this.tmp.take(out.length);
    this.p.lookup(pIds, out, ctx);
    this.q.lookup(qIds, tmp, ctx);
    this.backend.add(out, tmp, out);
  }
}
