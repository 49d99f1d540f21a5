import { HostBackendRequiredError, isHostBackend, type Backend, type Buf } from '@lers/kernels';
import type { Parameter } from '../../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable } from '../../table.js';
import { checkRowsLength } from '../common/host-access.js';
import { fakeQuantForward } from './fake-quant.js';
import { signedRange, type PtqTable } from './ptq.js';
import { hasServingFormat, qatServingTable } from './qat-codes.js';
import { parseQat, qatHeader, qatSize, type ParsedQat, type QatTableSize } from './qat-form.js';

/**
 * A saved QAT table served: its evaluation forward (nearest rounding), computed once on load from
 * the file's master values. Where QAT has a serving format that is the real integer codes (a
 * PtqTable, see qatServingTable: int8 / int16 / row-wise, a quarter of fp32 at 8 bits or less);
 * a per-row scale with 16 bits has none and is served as the fp32 forward. It answers evaluation
 * lookups as QatTable does; it does not train (training lookups and backward passes throw). It
 * keeps no master values: `serialize()` writes the served values as the masters (their eval
 * forward is the same values, so a re-load serves the same table).
 */
export class QatServedTable implements EmbeddingTable {
  readonly method = 'qat';
  readonly rows: number;
  readonly dim: number;
  private readonly header: ParsedQat['header'];
  private readonly scale: Float32Array;
  private readonly zeroPoint: Int32Array;
  /** The codes, or (no serving format) the fp32 forward of every row. */
  private readonly served: PtqTable | Buf<'f32'>;
  private readonly nonZeros: number;
  private disposed = false;

  private constructor(
    readonly backend: Backend,
    parsed: ParsedQat,
  ) {
    const h = parsed.header;
    this.rows = h.rows;
    this.dim = h.dim;
    this.header = h;
    const perRow = h.scaleGranularity === 'row';
    if (parsed.weight.length !== h.rows * h.dim || parsed.scale.length !== (perRow ? h.rows : 1)) {
      throw new RangeError(`qat table: sections have ${parsed.weight.length} weights and ${parsed.scale.length} scales, expected ${h.rows * h.dim} and ${perRow ? h.rows : 1}`);
    }
    this.scale = parsed.scale.slice();
    this.zeroPoint = parsed.zeroPoint.slice();
    // Counted before anything is allocated: `weight` may be a view of backend memory.
    let nz = 0;
    for (const v of parsed.weight) if (v !== 0) nz++;
    this.nonZeros = nz;
    if (hasServingFormat(h.bits, h.scaleGranularity)) {
      this.served = qatServingTable(backend, { ...h, weight: parsed.weight, scale: this.scale, zeroPoint: this.zeroPoint }, h.name ?? 'qat');
    } else {
      const out = new Float32Array(h.rows * h.dim);
      fakeQuantForward({ ...signedRange(h.bits), dim: h.dim, perRow, zeroPoint: this.zeroPoint, roundingSeed: null }, parsed.weight, this.scale, null, h.rows, out);
      this.served = backend.upload('f32', out);
    }
  }

  /**
   * The served form of a serialised QAT table on `backend`; a resident master section (a file in
   * this host backend's memory) is read through a view, never copied.
   */
  static deserialize(serialized: SerializedTable, backend: Backend): QatServedTable {
    const resident = serialized.resident?.weight;
    const weight = resident?.dtype === 'f32' && isHostBackend(backend) ? backend.view(resident as Buf<'f32'>) : undefined;
    return new QatServedTable(backend, parseQat(serialized, weight));
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    this.servingOnly(ctx.training);
    if (isBuf(this.served)) this.backend.gather(this.served, this.rows, this.dim, ids, out);
    else this.served.lookup(ids, out, ctx);
  }

  backward(_ids: Buf<'i32'>, _dOut: Buf<'f32'>): void {
    this.servingOnly(true);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    this.servingOnly(ctx.training);
    checkRowsLength('qat lookupAll', 'out', out.length, this.rows, this.dim);
    if (isBuf(this.served)) this.backend.copy(this.served, out);
    else this.served.lookupAll(out, ctx);
  }

  backwardAll(_dOut: Buf<'f32'>): void {
    this.servingOnly(true);
  }

  /** None: the served form does not train. */
  parameters(): readonly Parameter[] {
    return [];
  }

  /** The sizes of the QAT table it serves (as QatTable.size()). */
  size(): Promise<QatTableSize> {
    const h = this.header;
    return Promise.resolve(qatSize(h.rows, h.dim, h.bits, h.scaleGranularity, this.nonZeros));
  }

  /** The QAT form with the served values as masters (see the class comment). */
  async serialize(): Promise<SerializedTable> {
    const h = this.header;
    const weight = new Float32Array(h.rows * h.dim);
    const values = this.backend.alloc('f32', weight.length);
    try {
      this.lookupAll(values, { training: false });
      weight.set(await this.backend.read(values));
    } finally {
      this.backend.free(values);
    }
    return { method: 'qat', header: qatHeader(h), sections: { weight, scale: this.scale.slice(), zeroPoint: this.zeroPoint.slice() } };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (isBuf(this.served)) this.backend.free(this.served);
    else this.served.dispose();
  }

  private servingOnly(training: boolean): void {
    if (this.disposed) throw new Error('qat table used after dispose()');
    if (training) throw new HostBackendRequiredError(`a served QAT table does not train: QAT trains its fake quantizer in TypeScript over views, in its training form on a host backend (wasm or reference)`);
  }
}

function isBuf(served: PtqTable | Buf<'f32'>): served is Buf<'f32'> {
  return !('lookup' in served);
}
