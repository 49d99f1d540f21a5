import type { RankingOps } from '../ops/ranking.js';
import { dims, dtypeOf, ensure, exactly } from './common.js';
import { csrShape } from './sparse.js';

/** The largest k that topk supports (per-row heaps stay small and fast). */
export const TOPK_MAX_K = 100;

/** Wraps a RankingOps implementation with shape and dtype checks (user ids are checked by each implementation). */
export function checkedRanking(impl: RankingOps): RankingOps {
  return {
    scores(users, items, dim, u, it, out) {
      dims('scores', { users, items, dim });
      exactly('scores', 'U', u, users * dim, 'f32');
      exactly('scores', 'I', it, items * dim, 'f32');
      exactly('scores', 'out', out, users * items, 'f32');
      ensure('scores', out !== u && out !== it, 'out must not alias U or I');
      impl.scores(users, items, dim, u, it, out);
    },
    maskSeen(scores, items, userIds, seen) {
      dims('maskSeen', { items });
      csrShape('maskSeen', seen);
      ensure('maskSeen', seen.cols === items, `seen must have items = ${items} columns, has ${seen.cols}`);
      dtypeOf('maskSeen', 'userIds', userIds, 'i32');
      exactly('maskSeen', 'scores', scores, userIds.length * items, 'f32');
      impl.maskSeen(scores, items, userIds, seen);
    },
    topk(rows, cols, x, k, outIdx, outVal) {
      dims('topk', { rows, cols, k });
      ensure('topk', k <= cols, `k = ${k} exceeds cols = ${cols}`);
      ensure('topk', k <= TOPK_MAX_K, `k = ${k} exceeds the maximum ${TOPK_MAX_K}`);
      exactly('topk', 'x', x, rows * cols, 'f32');
      exactly('topk', 'outIdx', outIdx, rows * k, 'i32');
      exactly('topk', 'outVal', outVal, rows * k, 'f32');
      impl.topk(rows, cols, x, k, outIdx, outVal);
    },
  };
}
