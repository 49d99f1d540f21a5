import type { CsrMatrix, WeightedCsrMatrix } from './csr.js';

/**
 * Where `fillNormalizedBipartite` writes (caller-allocated, e.g. views of backend memory):
 * `userValues` (nnz) are the user rows' values over the train graph's own indptr and indices;
 * `itemIndptr` (items + 1), `itemIndices` and `itemValues` (nnz) are the item rows.
 */
export interface BipartiteArrays {
  readonly userValues: Float32Array;
  readonly itemIndptr: Int32Array;
  readonly itemIndices: Int32Array;
  readonly itemValues: Float32Array;
}

/**
 * The two off-diagonal blocks of the normalized bipartite adjacency `D^-1/2 A D^-1/2`: `userRows`
 * (users x items, the train graph's own indptr and indices with value `1 / sqrt(deg(u) deg(i))`)
 * and `itemRows` (items x users, its transpose, each row sorted by user). Propagating each side
 * from the other with these gives the same sums, term by term, as the symmetric matrix of
 * `buildNormalizedAdjacency`. Linear time (counting-sort transpose). `train` must be deduplicated.
 */
export function buildNormalizedBipartite(train: CsrMatrix, users: number, items: number): { userRows: WeightedCsrMatrix; itemRows: WeightedCsrMatrix } {
  const nnz = checkBipartiteShape(train, users, items);
  const out: BipartiteArrays = { userValues: new Float32Array(nnz), itemIndptr: new Int32Array(items + 1), itemIndices: new Int32Array(nnz), itemValues: new Float32Array(nnz) };
  fillNormalizedBipartite(train, users, items, out);
  return {
    userRows: { rows: users, cols: items, indptr: train.indptr.subarray(0, users + 1), indices: train.indices.subarray(0, nnz), values: out.userValues },
    itemRows: { rows: items, cols: users, indptr: out.itemIndptr, indices: out.itemIndices, values: out.itemValues },
  };
}

/** Checks `train` against the graph's shape; returns its number of entries. */
function checkBipartiteShape(train: CsrMatrix, users: number, items: number): number {
  if (train.rows !== users) throw new RangeError(`normalized adjacency: train has ${train.rows} rows, expected ${users}`);
  if (train.cols > items) throw new RangeError(`normalized adjacency: train has ${train.cols} columns, more than ${items} items`);
  return train.indptr[users];
}

/**
 * `buildNormalizedBipartite` into arrays the caller allocated (sizes as `BipartiteArrays` says), so
 * that a loader can build the graph straight into backend memory: the only other memory is two
 * scratch arrays of `items` entries.
 */
export function fillNormalizedBipartite(train: CsrMatrix, users: number, items: number, out: BipartiteArrays): void {
  const nnz = checkBipartiteShape(train, users, items);
  const { userValues, itemIndptr, itemIndices, itemValues } = out;
  if (userValues.length !== nnz || itemIndices.length !== nnz || itemValues.length !== nnz || itemIndptr.length !== items + 1) {
    throw new RangeError(`normalized adjacency: output arrays must hold ${nnz} entries and ${items + 1} item row pointers`);
  }
  // Item degrees counted into the row pointers, then their prefix sums.
  itemIndptr.fill(0);
  for (let k = 0; k < nnz; k++) itemIndptr[train.indices[k] + 1]++;
  const itemInvSqrt = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    const degree = itemIndptr[i + 1];
    itemInvSqrt[i] = degree > 0 ? 1 / Math.sqrt(degree) : 0;
    itemIndptr[i + 1] += itemIndptr[i];
  }
  // Item rows are filled while scanning users in order, so each item row is sorted by user id.
  const itemCursor = itemIndptr.slice(0, items);
  for (let u = 0; u < users; u++) {
    const start = train.indptr[u];
    const end = train.indptr[u + 1];
    if (end === start) continue;
    const userInvSqrt = 1 / Math.sqrt(end - start);
    for (let k = start; k < end; k++) {
      const i = train.indices[k];
      const w = userInvSqrt * itemInvSqrt[i];
      userValues[k] = w;
      const back = itemCursor[i]++;
      itemIndices[back] = u;
      itemValues[back] = w;
    }
  }
}

/**
 * The symmetric normalized adjacency `D^-1/2 A D^-1/2` of the user-item bipartite graph, as CSR over
 * (users + items) nodes: users first, item i is node `users + i`. Entry (u, users+i) and its mirror
 * hold `1 / sqrt(deg(u) * deg(i))`; nodes without edges have empty rows; every row is sorted.
 * The two blocks of `buildNormalizedBipartite`, stacked. `train` must be deduplicated (as
 * `csrFromPairs` makes it), or repeated edges count twice.
 */
export function buildNormalizedAdjacency(train: CsrMatrix, users: number, items: number): WeightedCsrMatrix {
  const { userRows, itemRows } = buildNormalizedBipartite(train, users, items);
  const nodes = users + items;
  const nnz = userRows.indices.length;
  const indptr = new Int32Array(nodes + 1);
  indptr.set(userRows.indptr, 0);
  for (let i = 1; i <= items; i++) indptr[users + i] = nnz + itemRows.indptr[i];
  const indices = new Int32Array(2 * nnz);
  for (let k = 0; k < nnz; k++) indices[k] = users + userRows.indices[k];
  indices.set(itemRows.indices, nnz);
  const values = new Float32Array(2 * nnz);
  values.set(userRows.values, 0);
  values.set(itemRows.values, nnz);
  return { rows: nodes, cols: nodes, indptr, indices, values };
}
