/**
 * Float64 re-implementation of LightGCN's loss, written from the formulas (not from the model's
 * code), for finite-difference checks: dense adjacency, propagation, BPR, ego L2, InfoNCE.
 */
import type { CsrMatrix } from '@lers/data';

/** Dense D^-1/2 A D^-1/2 of the bipartite graph, users first. */
export function denseAdjacency(train: CsrMatrix, users: number, items: number): Float64Array[] {
  const n = users + items;
  const a = Array.from({ length: n }, () => new Float64Array(n));
  const degU = new Float64Array(users);
  const degI = new Float64Array(items);
  for (let u = 0; u < users; u++) {
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
      degU[u]++;
      degI[train.indices[k]]++;
    }
  }
  for (let u = 0; u < users; u++) {
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
      const i = train.indices[k];
      const w = 1 / Math.sqrt(degU[u] * degI[i]);
      a[u][users + i] = w;
      a[users + i][u] = w;
    }
  }
  return a;
}

/** mean_{l=0..L} A^l X for X as n rows of d. */
export function propagate(a: Float64Array[], x: Float64Array[], layers: number): Float64Array[] {
  const n = x.length;
  const d = x[0].length;
  let cur = x.map((r) => Float64Array.from(r));
  const acc = x.map((r) => Float64Array.from(r));
  for (let l = 0; l < layers; l++) {
    const next = Array.from({ length: n }, () => new Float64Array(d));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (a[i][j] !== 0) for (let c = 0; c < d; c++) next[i][c] += a[i][j] * cur[j][c];
    cur = next;
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) acc[i][c] += cur[i][c];
  }
  return acc.map((r) => r.map((v) => v / (layers + 1)));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * (1/b) sum_k sum_j softplus(u_k . n_kj - u_k . p_k) over b pairs, with n.length / b negatives per
 * pair (pair k's j-th at k n + j): the benchmark's bpr_loss_multi; one negative is mean_k softplus.
 */
export function bpr(u: ArrayLike<number>[], p: ArrayLike<number>[], n: ArrayLike<number>[]): number {
  const per = n.length / u.length;
  let s = 0;
  for (let k = 0; k < u.length; k++) for (let j = 0; j < per; j++) s += softplus(dot(u[k], n[k * per + j]) - dot(u[k], p[k]));
  return s / u.length;
}

/** (sum of squared ego rows of users, positives, negatives) / (2b). */
export function egoL2(rows: ArrayLike<number>[], b: number): number {
  let s = 0;
  for (const r of rows) s += dot(r, r);
  return s / (2 * b);
}

/** mean_i [log sum_j exp(z_i . z_j / tau) - z_i . z_i / tau], z = rows normalised. */
export function infoNce(rows: ArrayLike<number>[], tau: number): number {
  const z = rows.map((r) => {
    const norm = Math.max(Math.sqrt(dot(r, r)), 1e-12);
    return Array.from(r, (v) => v / norm);
  });
  let loss = 0;
  for (let i = 0; i < z.length; i++) {
    const s = z.map((zj) => dot(z[i], zj) / tau);
    const max = Math.max(...s);
    const lse = max + Math.log(s.reduce((acc, v) => acc + Math.exp(v - max), 0));
    loss += lse - s[i];
  }
  return loss / z.length;
}

/** The full LightGCN (+ SGL-WA) loss of one batch at ego embeddings E0 (users then items). */
export function lightGcnLoss(
  a: Float64Array[],
  e0: Float64Array[],
  layers: number,
  users: number,
  batch: { users: Int32Array; positives: Int32Array; negatives: Int32Array },
  l2: number,
  clWeight: number,
  tau: number,
  clSoftmax: 'joint' | 'per-side' = 'joint',
): number {
  const e = propagate(a, e0, layers);
  const u = Array.from(batch.users, (x) => e[x]);
  const p = Array.from(batch.positives, (x) => e[users + x]);
  const n = Array.from(batch.negatives, (x) => e[users + x]);
  let loss = bpr(u, p, n);
  const b = batch.users.length;
  const ego = [...Array.from(batch.users, (x) => e0[x]), ...Array.from(batch.positives, (x) => e0[users + x]), ...Array.from(batch.negatives, (x) => e0[users + x])];
  loss += l2 * egoL2(ego, b);
  if (clWeight > 0) {
    const userRows = [...new Set(batch.users)].map((x) => e[x]);
    const itemRows = [...new Set(batch.positives)].map((x) => e[users + x]);
    // joint: the benchmark's info_nce(view1, view1, tau) with view1 = cat(unique users, unique
    // positives); per-side: SGL's InfoNCE over the users plus InfoNCE over the items.
    const cl = clSoftmax === 'joint' ? infoNce([...userRows, ...itemRows], tau) : infoNce(userRows, tau) + infoNce(itemRows, tau);
    loss += clWeight * cl;
  }
  return loss;
}

/** Central finite difference of f at x[k] with step h (x is restored). */
export function centralDiff(f: () => number, x: Float64Array, k: number, h: number): number {
  const x0 = x[k];
  x[k] = x0 + h;
  const up = f();
  x[k] = x0 - h;
  const down = f();
  x[k] = x0;
  return (up - down) / (2 * h);
}
