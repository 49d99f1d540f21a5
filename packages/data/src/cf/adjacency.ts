import type { CsrMatrix, WeightedCsrMatrix } from './csr.js';

/**
 * The symmetric normalized adjacency `D^-1/2 A D^-1/2` of the user-item bipartite graph, as CSR over
 * (users + items) nodes: users first, item i is node `users + i`. Entry (u, users+i) and its mirror
 * hold `1 / sqrt(deg(u) * deg(i))`; nodes without edges have empty rows.
 *
 * Linear time: degrees by counting, item rows filled by a counting-sort transpose, so every row comes
 * out sorted. `train` must be deduplicated (as `csrFromPairs` makes it), or repeated edges count twice.
 */
export function buildNormalizedAdjacency(train: CsrMatrix, users: number, items: number): WeightedCsrMatrix {
  if (train.rows !== users) throw new RangeError(`buildNormalizedAdjacency: train has ${train.rows} rows, expected ${users}`);
  if (train.cols > items) throw new RangeError(`buildNormalizedAdjacency: train has ${train.cols} columns, more than ${items} items`);
  const nodes = users + items;
  const nnz = train.indptr[users];
  const itemDeg = new Int32Array(items);
  for (let k = 0; k < nnz; k++) itemDeg[train.indices[k]]++;

  const indptr = new Int32Array(nodes + 1);
  for (let u = 0; u < users; u++) indptr[u + 1] = indptr[u] + train.indptr[u + 1] - train.indptr[u];
  for (let i = 0; i < items; i++) indptr[users + i + 1] = indptr[users + i] + itemDeg[i];

  const indices = new Int32Array(2 * nnz);
  const values = new Float32Array(2 * nnz);
  const itemInvSqrt = new Float64Array(items);
  for (let i = 0; i < items; i++) itemInvSqrt[i] = itemDeg[i] > 0 ? 1 / Math.sqrt(itemDeg[i]) : 0;
  // Item rows are filled while scanning users in order, so each item row is sorted by user id.
  const itemCursor = indptr.slice(users, nodes);
  for (let u = 0; u < users; u++) {
    const start = train.indptr[u];
    const end = train.indptr[u + 1];
    if (end === start) continue;
    const userInvSqrt = 1 / Math.sqrt(end - start);
    let out = indptr[u];
    for (let k = start; k < end; k++) {
      const i = train.indices[k];
      const w = userInvSqrt * itemInvSqrt[i];
      indices[out] = users + i;
      values[out++] = w;
      const back = itemCursor[i]++;
      indices[back] = u;
      values[back] = w;
    }
  }
  return { rows: nodes, cols: nodes, indptr, indices, values };
}
