import type { RankingOps } from '../../ops/ranking.js';
import type { Buf } from '../../types.js';
import { idOutOfRange } from '../../validate/common.js';
import type { ReferenceCore } from '../core.js';

/** Plain TypeScript ranking kernels: f64 dot products, and top-k by a full stable sort of each row. */
export function referenceRanking(core: ReferenceCore): RankingOps {
  const f32 = (b: Buf) => core.data(b) as Float32Array;
  const i32 = (b: Buf) => core.data(b) as Int32Array;
  return {
    scores(users, items, dim, u, it, out) {
      const U = f32(u), I = f32(it), O = f32(out);
      for (let a = 0; a < users; a++) {
        for (let j = 0; j < items; j++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += U[a * dim + d] * I[j * dim + d];
          O[a * items + j] = s;
        }
      }
    },
    maskSeen(scores, items, userIds, seen) {
      const S = f32(scores), Ids = i32(userIds), P = i32(seen.indptr), C = i32(seen.indices);
      for (let b = 0; b < Ids.length; b++) {
        if (Ids[b] < 0 || Ids[b] >= seen.rows) throw idOutOfRange('maskSeen', b, Ids[b], seen.rows);
      }
      for (let b = 0; b < Ids.length; b++) {
        for (let p = P[Ids[b]]; p < P[Ids[b] + 1]; p++) S[b * items + C[p]] = -Infinity;
      }
    },
    topk(rows, cols, x, k, outIdx, outVal) {
      const X = f32(x), OI = i32(outIdx), OV = f32(outVal);
      for (let r = 0; r < rows; r++) {
        const key = (j: number) => (Number.isNaN(X[r * cols + j]) ? -Infinity : X[r * cols + j]);
        const order = Array.from({ length: cols }, (_, j) => j);
        // Array.prototype.sort is stable, so equal scores keep ascending column order.
        order.sort((p, q) => {
          const a = key(p), b = key(q);
          return a === b ? 0 : a > b ? -1 : 1;
        });
        for (let t = 0; t < k; t++) {
          OI[r * k + t] = order[t];
          OV[r * k + t] = key(order[t]);
        }
      }
    },
  };
}
