import { csrFromPairs, type CfDataset, type CsrMatrix } from '@lers/data';

/** A CSR matrix from per-row lists. */
export function csrOf(rows: number, cols: number, lists: readonly (readonly number[])[]): CsrMatrix {
  const r: number[] = [];
  const c: number[] = [];
  lists.forEach((items, u) => {
    for (const i of items) {
      r.push(u);
      c.push(i);
    }
  });
  return csrFromPairs(rows, cols, Int32Array.from(r), Int32Array.from(c)).matrix;
}

/** A hand-made CF dataset from per-user train/valid/test item lists. */
export function tinyDataset(items: number, train: number[][], valid: number[][], test: number[][]): CfDataset {
  const users = train.length;
  return {
    kind: 'cf',
    users,
    items,
    train: csrOf(users, items, train),
    valid: csrOf(users, items, valid),
    test: csrOf(users, items, test),
    manifest: { name: 'tiny', task: 'cf', format: 'test', sources: [], params: {}, counts: {}, splitSeed: null, createdBy: 'test' },
  };
}

/** 5 users, 7 items: a small connected bipartite graph with uneven degrees. */
export function fiveBySeven(): CfDataset {
  return tinyDataset(
    7,
    [[0, 1, 2], [1, 3], [0, 4, 5, 6], [2, 3, 6], [5]],
    [[3], [], [1], [], [0]],
    [[4], [0, 6], [], [5], [1, 2]],
  );
}
