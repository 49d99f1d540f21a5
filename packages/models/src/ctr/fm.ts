import type { Backend, Buf } from '@lers/kernels';
import { RowBuffer } from '../layers/row-buffer.js';
import { RowScaler } from '../layers/row-scale.js';
import type { FieldIndex } from './field-index.js';

/**
 * The second-order factorisation-machine term of DeepFM over a batch of field embeddings e
 * (rows x fields x dim): fm_b = 1/2 sum_d [(sum_f e_bfd)^2 - sum_f e_bfd^2], and its gradient
 * d fm_b / d e_bfd = s_bd - e_bfd with s_b = sum_f e_bf. Built from kernels only (embeddingBag for
 * the field sums, gather to broadcast per-sample values, a diagonal spmm to scale rows).
 */
export class FmInteraction {
  private readonly sum: RowBuffer; // s: rows x dim
  private readonly sumSq: RowBuffer; // rows x fields*dim scratch: e^2, later s broadcast - e
  private readonly sumRep: RowBuffer; // rows x fields*dim: s broadcast to every field
  private readonly fieldTerm: RowBuffer; // rows: sum_fd e^2
  private readonly out: RowBuffer; // rows: fm
  private readonly sRow: RowBuffer; // rows x dim scratch: s^2
  private readonly dzRep: RowBuffer; // rows x fields: dz broadcast
  private readonly scaler: RowScaler;
  private emb: Buf<'f32'> | null = null;

  /** An FM term over `fields` fields of `dim` values; `index` supplies the batch index arrays. */
  constructor(
    private readonly backend: Backend,
    readonly fields: number,
    readonly dim: number,
    private readonly index: FieldIndex,
  ) {
    const width = fields * dim;
    this.sum = new RowBuffer(backend, 'f32', dim);
    this.sumSq = new RowBuffer(backend, 'f32', width);
    this.sumRep = new RowBuffer(backend, 'f32', width);
    this.fieldTerm = new RowBuffer(backend, 'f32', 1);
    this.out = new RowBuffer(backend, 'f32', 1);
    this.sRow = new RowBuffer(backend, 'f32', dim);
    this.dzRep = new RowBuffer(backend, 'f32', fields);
    this.scaler = new RowScaler(backend);
  }

  /** fm (rows) for emb (rows*fields x dim, row-major by sample then field). */
  forward(emb: Buf<'f32'>, rows: number, training: boolean): Buf<'f32'> {
    const be = this.backend;
    const F = this.fields;
    const D = this.dim;
    const s = this.sum.take(rows);
    be.embeddingBag(emb, rows * F, D, this.index.iota(rows), this.index.bagOffsets(rows), 'sum', s);
    const sq = this.sumSq.take(rows);
    be.mul(emb, emb, sq);
    const q = this.fieldTerm.take(rows);
    be.rowSum(rows, F * D, sq, q);
    const s2 = this.sRow.take(rows);
    be.mul(s, s, s2);
    const fm = this.out.take(rows);
    be.rowSum(rows, D, s2, fm);
    be.sub(fm, q, fm);
    be.scale(0.5, fm, fm);
    this.emb = training ? emb : null;
    return fm;
  }

  /** dEmb (rows*fields x dim) = dz_b (s_b - e_bf), overwritten, for the per-sample gradient dz. */
  backward(dz: Buf<'f32'>, dEmb: Buf<'f32'>): void {
    const emb = this.emb;
    if (emb === null) throw new Error('FmInteraction: backward without a training forward');
    const be = this.backend;
    const F = this.fields;
    const D = this.dim;
    const rows = dz.length;
    const rep = this.index.repeat(rows);
    const sRep = this.sumRep.take(rows);
    be.gather(this.sum.take(rows), rows, D, rep, sRep);
    const t = this.sumSq.take(rows);
    be.sub(sRep, emb, t);
    const dzRep = this.dzRep.take(rows);
    be.gather(dz, rows, 1, rep, dzRep);
    this.scaler.scale(rows * F, D, dzRep, t, 0, dEmb);
  }

  /** Frees the buffers (not the shared FieldIndex). */
  dispose(): void {
    for (const b of [this.sum, this.sumSq, this.sumRep, this.fieldTerm, this.out, this.sRow, this.dzRep]) b.dispose();
    this.scaler.dispose();
    this.emb = null;
  }
}
