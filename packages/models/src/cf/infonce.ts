import type { Backend, Buf } from '@lers/kernels';
import { RowScaler } from '../layers/row-scale.js';

/** torch.nn.functional.normalize's floor on the norm. */
const NORM_EPS = 1e-12;

/**
 * SGL-WA's contrastive term over m nodes, each node's view being itself (as the benchmark's
 * `info_nce(view1, view1, 0.2)`): with z_i = x_i / max(|x_i|, eps) and S = Z Z^T / tau,
 * loss = mean_i [logsumexp_j S_ij - S_ii]. Backward: dS = (softmax(S) - I) / m,
 * dZ = (dS + dS^T) Z / tau (Z enters S twice), dx_i = (dz_i - z_i (z_i . dz_i)) / max(|x_i|, eps).
 * Every step is a kernel (no host loop, no read-back): the caller reads the loss terms back with
 * the rest of its step (`lossOf`). The m x m similarity matrix is the memory cost (m <= 2 x batch).
 */
export class InfoNceLoss {
  private readonly z: Buf<'f32'>;
  private readonly dz: Buf<'f32'>;
  private readonly tmp: Buf<'f32'>;
  private readonly s: Buf<'f32'>;
  private readonly norm: Buf<'f32'>;
  private readonly inv: Buf<'f32'>;
  private readonly dot: Buf<'f32'>;
  private readonly ones: Buf<'f32'>;
  /** Positions i (m + 1) of the diagonal of an m x m matrix, for the m last written (diagFor). */
  private readonly diag: Buf<'i32'>;
  private diagRows = -1;
  private readonly scaler: RowScaler;

  constructor(
    private readonly backend: Backend,
    readonly maxRows: number,
    readonly dim: number,
    readonly temperature: number,
  ) {
    if (!(temperature > 0)) throw new RangeError(`InfoNCE: temperature must be > 0, got ${temperature}`);
    const md = maxRows * dim;
    this.z = backend.alloc('f32', md);
    this.dz = backend.alloc('f32', md);
    this.tmp = backend.alloc('f32', md);
    this.s = backend.alloc('f32', maxRows * maxRows);
    this.norm = backend.alloc('f32', maxRows);
    this.inv = backend.alloc('f32', maxRows);
    this.dot = backend.alloc('f32', maxRows);
    this.ones = backend.alloc('f32', maxRows);
    backend.fill(this.ones, 1);
    this.diag = backend.alloc('i32', maxRows);
    this.scaler = new RowScaler(backend);
  }

  /**
   * Overwrites dx (m x dim) with the gradient of the loss over the m rows of x, and writes the
   * loss's terms into `terms` (2m elements: logsumexp_j S_ij for each i, then S_ii): the loss is
   * `InfoNceLoss.lossOf` of them once read back.
   */
  run(m: number, x: Buf<'f32'>, dx: Buf<'f32'>, terms: Buf<'f32'>): void {
    if (!Number.isInteger(m) || m < 1 || m > this.maxRows) throw new RangeError(`InfoNCE: ${m} rows outside [1, ${this.maxRows}]`);
    if (terms.length !== 2 * m) throw new RangeError(`InfoNCE: terms must have 2 x ${m} elements, has ${terms.length}`);
    const be = this.backend;
    const d = this.dim;
    const md = m * d;
    const tau = this.temperature;
    const z = be.slice(this.z, 0, md);
    const dz = be.slice(this.dz, 0, md);
    const tmp = be.slice(this.tmp, 0, md);
    const s = be.slice(this.s, 0, m * m);
    const norm = be.slice(this.norm, 0, m);
    const inv = be.slice(this.inv, 0, m);
    const dot = be.slice(this.dot, 0, m);
    const diag = this.diagFor(m);

    be.rowL2Norm(m, d, x, norm);
    be.reciprocal(norm, NORM_EPS, inv);
    this.scaler.scale(m, d, inv, x, 0, z);
    be.gemm(false, true, m, m, d, 1 / tau, z, z, 0, s);
    be.logSumExp(m, m, s, be.slice(terms, 0, m));
    // S seen as m^2 rows of one element: its diagonal is rows i (m + 1).
    be.gather(s, m * m, 1, diag, be.slice(terms, m, m));

    be.softmax(m, m, s, s);
    be.scale(1 / m, s, s);
    be.scatterAdd(be.slice(this.ones, 0, m), diag, -1 / m, s, m * m, 1);
    be.gemm(false, false, m, d, m, 1 / tau, s, z, 0, dz);
    be.gemm(true, false, m, d, m, 1 / tau, s, z, 1, dz);
    // Through the normalisation: dx = (dz - z (z . dz)) * inv.
    be.mul(z, dz, tmp);
    be.rowSum(m, d, tmp, dot);
    this.scaler.scale(m, d, dot, z, 0, tmp);
    be.sub(dz, tmp, dz);
    this.scaler.scale(m, d, inv, dz, 0, dx);
  }

  /** The loss from `run`'s terms read back (the first 2m values of `terms`): mean_i (lse_i - S_ii), in f64. */
  static lossOf(terms: Float32Array, m: number): number {
    let loss = 0;
    for (let i = 0; i < m; i++) loss += terms[i] - terms[m + i];
    return loss / m;
  }

  /** Frees the scratch buffers. */
  dispose(): void {
    for (const b of [this.z, this.dz, this.tmp, this.s, this.norm, this.inv, this.dot, this.ones, this.diag]) this.backend.free(b);
    this.scaler.dispose();
  }

  /** The diagonal positions of an m x m matrix (rewritten only when m changes). */
  private diagFor(m: number): Buf<'i32'> {
    const diag = this.backend.slice(this.diag, 0, m);
    if (m !== this.diagRows) {
      this.backend.write(diag, Int32Array.from({ length: m }, (_, i) => i * (m + 1)));
      this.diagRows = m;
    }
    return diag;
  }
}
