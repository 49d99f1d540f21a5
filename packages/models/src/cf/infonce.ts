import type { Buf, HostBackend } from '@lers/kernels';
import { RowScaler } from '../layers/row-scale.js';

/** torch.nn.functional.normalize's floor on the norm. */
const NORM_EPS = 1e-12;

/**
 * SGL-WA's contrastive term over m nodes, each node's view being itself (as the benchmark's
 * `info_nce(view1, view1, 0.2)`): with z_i = x_i / max(|x_i|, eps) and S = Z Z^T / tau,
 * loss = mean_i [logsumexp_j S_ij - S_ii]. Backward: dS = (softmax(S) - I) / m,
 * dZ = (dS + dS^T) Z / tau (Z enters S twice), dx_i = (dz_i - z_i (z_i . dz_i)) / max(|x_i|, eps).
 * The m x m similarity matrix is the memory cost (m <= 2 x batch).
 */
export class InfoNceLoss {
  private readonly z: Buf<'f32'>;
  private readonly dz: Buf<'f32'>;
  private readonly tmp: Buf<'f32'>;
  private readonly s: Buf<'f32'>;
  private readonly norm: Buf<'f32'>;
  private readonly inv: Buf<'f32'>;
  private readonly dot: Buf<'f32'>;
  private readonly lse: Buf<'f32'>;
  private readonly scaler: RowScaler;

  constructor(
    private readonly backend: HostBackend,
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
    this.lse = backend.alloc('f32', maxRows);
    this.scaler = new RowScaler(backend);
  }

  /** Returns the loss over the m rows of x (m x dim) and overwrites dx (m x dim) with its gradient. */
  run(m: number, x: Buf<'f32'>, dx: Buf<'f32'>): number {
    if (!Number.isInteger(m) || m < 1 || m > this.maxRows) throw new RangeError(`InfoNCE: ${m} rows outside [1, ${this.maxRows}]`);
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
    const lse = be.slice(this.lse, 0, m);

    be.rowL2Norm(m, d, x, norm);
    const nv = be.view(norm);
    const iv = be.view(inv);
    for (let i = 0; i < m; i++) iv[i] = 1 / Math.max(nv[i], NORM_EPS);
    this.scaler.scale(m, d, inv, x, 0, z);
    be.gemm(false, true, m, m, d, 1 / tau, z, z, 0, s);
    be.logSumExp(m, m, s, lse);
    const sv = be.view(s);
    const lv = be.view(lse);
    let loss = 0;
    for (let i = 0; i < m; i++) loss += lv[i] - sv[i * m + i];
    loss /= m;

    be.softmax(m, m, s, s);
    be.scale(1 / m, s, s);
    const pv = be.view(s);
    for (let i = 0; i < m; i++) pv[i * m + i] -= 1 / m;
    be.gemm(false, false, m, d, m, 1 / tau, s, z, 0, dz);
    be.gemm(true, false, m, d, m, 1 / tau, s, z, 1, dz);
    // Through the normalisation: dx = (dz - z (z . dz)) * inv.
    be.mul(z, dz, tmp);
    be.rowSum(m, d, tmp, dot);
    this.scaler.scale(m, d, dot, z, 0, tmp);
    be.sub(dz, tmp, dz);
    this.scaler.scale(m, d, inv, dz, 0, dx);
    return loss;
  }

  /** Frees the scratch buffers. */
  dispose(): void {
    for (const b of [this.z, this.dz, this.tmp, this.s, this.norm, this.inv, this.dot, this.lse]) this.backend.free(b);
    this.scaler.dispose();
  }
}
