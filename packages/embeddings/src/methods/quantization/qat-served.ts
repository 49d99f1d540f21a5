import { HostBackendRequiredError, type Backend, type Buf } from '@lers/kernels';
import type { Parameter } from '../../parameter.js';
import type { EmbeddingTable, LookupContext, SerializedTable } from '../../table.js';
import { checkRowsLength } from '../common/host-access.js';
import { fakeQuantForward } from './fake-quant.js';
import { signedRange } from './ptq.js';
import { parseQat, qatSize, type ParsedQat, type QatTableSize } from './qat-form.js';

/**
 * A saved QAT table served on a backend without views (WebGPU), where QatTable's fake quantizer
 * (TypeScript over views) cannot run: the evaluation forward (nearest rounding) is computed once
 * on the host from the file's master values and uploaded as an fp32 rows x dim table, which
 * lookups gather from. It answers evaluation lookups exactly as QatTable does; it does not train
 * (training lookups and backward passes throw), and it serialises back to the same QAT table.
 */
export class QatServedTable implements EmbeddingTable {
  readonly method = 'qat';
  readonly rows: number;
  readonly dim: number;
  /** The evaluation forward of every row (rows x dim fp32). */
  private readonly values: Buf<'f32'>;
  private readonly nonZeros: number;
  private disposed = false;

  private constructor(
    readonly backend: Backend,
    private readonly parsed: ParsedQat,
  ) {
    const h = parsed.header;
    this.rows = h.rows;
    this.dim = h.dim;
    const perRow = h.scaleGranularity === 'row';
    if (parsed.weight.length !== h.rows * h.dim || parsed.scale.length !== (perRow ? h.rows : 1)) {
      throw new RangeError(`qat table: sections have ${parsed.weight.length} weights and ${parsed.scale.length} scales, expected ${h.rows * h.dim} and ${perRow ? h.rows : 1}`);
    }
    const out = new Float32Array(h.rows * h.dim);
    const spec = { ...signedRange(h.bits), dim: h.dim, perRow, zeroPoint: parsed.zeroPoint, roundingSeed: null };
    fakeQuantForward(spec, parsed.weight, parsed.scale, null, h.rows, out);
    this.values = backend.upload('f32', out);
    let nz = 0;
    for (const v of parsed.weight) if (v !== 0) nz++;
    this.nonZeros = nz;
  }

  /** The served form of a serialised QAT table on `backend`. */
  static deserialize(serialized: SerializedTable, backend: Backend): QatServedTable {
    return new QatServedTable(backend, parseQat(serialized));
  }

  lookup(ids: Buf<'i32'>, out: Buf<'f32'>, ctx: LookupContext): void {
    this.servingOnly(ctx.training);
    this.backend.gather(this.values, this.rows, this.dim, ids, out);
  }

  backward(_ids: Buf<'i32'>, _dOut: Buf<'f32'>): void {
    this.servingOnly(true);
  }

  lookupAll(out: Buf<'f32'>, ctx: LookupContext): void {
    this.servingOnly(ctx.training);
    checkRowsLength('qat lookupAll', 'out', out.length, this.rows, this.dim);
    this.backend.copy(this.values, out);
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
    const h = this.parsed.header;
    return Promise.resolve(qatSize(h.rows, h.dim, h.bits, h.scaleGranularity, this.nonZeros));
  }

  serialize(): Promise<SerializedTable> {
    const { header: h, weight, scale, zeroPoint } = this.parsed;
    const header: Record<string, unknown> = {
      rows: h.rows,
      dim: h.dim,
      name: h.name ?? 'qat',
      bits: h.bits,
      scaleGranularity: h.scaleGranularity,
      rounding: h.rounding,
      roundingSeed: h.roundingSeed,
      step: h.step,
      backwardSinceForward: h.backwardSinceForward,
    };
    if (h.weightDecay !== undefined) header.weightDecay = h.weightDecay;
    return Promise.resolve({ method: 'qat', header, sections: { weight: weight.slice(), scale: scale.slice(), zeroPoint: zeroPoint.slice() } });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.free(this.values);
  }

  private servingOnly(training: boolean): void {
    if (this.disposed) throw new Error('qat table used after dispose()');
    if (training) throw new HostBackendRequiredError(`a QAT table on ${this.backend.kind} serves only: QAT trains its fake quantizer in TypeScript over views, on a host backend (wasm or reference)`);
  }
}
