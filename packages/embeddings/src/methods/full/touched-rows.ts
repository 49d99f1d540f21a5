import { isHostBackend, type Backend, type Buf } from '@lers/kernels';
import type { RowSparsity } from '../../parameter.js';

/**
 * The set of rows a table's gradient touched since the last clear(), kept as a list of unique row
 * ids in a backend buffer (what lazy Adam consumes) plus a host-side mark per row for dedup.
 * On backends without zero-copy views the ids cannot be read synchronously, so every row counts
 * as touched (lazy Adam then equals dense Adam).
 */
export class TouchedRows implements RowSparsity {
  private readonly mark: Uint8Array;
  private readonly list: Buf<'i32'>;
  private count = 0;
  private all = false;
  /** 0..rows-1, built on the first rows() call after markAll(). */
  private iota: Buf<'i32'> | null = null;

  constructor(
    private readonly backend: Backend,
    readonly tableRows: number,
    readonly dim: number,
  ) {
    this.mark = new Uint8Array(tableRows);
    this.list = backend.alloc('i32', tableRows);
  }

  /** Records the ids of a lookup (already validated by the kernel that used them). */
  addIds(ids: Buf<'i32'>): void {
    if (this.all) return;
    const be = this.backend;
    if (!isHostBackend(be)) {
      this.all = true;
      return;
    }
    const idView = be.view(ids);
    const listView = be.view(this.list);
    const mark = this.mark;
    let count = this.count;
    for (let k = 0; k < idView.length; k++) {
      const id = idView[k];
      if (mark[id] === 0) {
        mark[id] = 1;
        listView[count++] = id;
      }
    }
    this.count = count;
  }

  /** Marks every row as touched (a whole-table gradient). */
  markAll(): void {
    this.all = true;
  }

  /** Number of unique touched rows. */
  get size(): number {
    return this.all ? this.tableRows : this.count;
  }

  rows(): Buf<'i32'> {
    if (!this.all) return this.backend.slice(this.list, 0, this.count);
    if (this.iota === null) {
      const ids = new Int32Array(this.tableRows);
      for (let r = 0; r < ids.length; r++) ids[r] = r;
      this.iota = this.backend.upload('i32', ids);
    }
    return this.iota;
  }

  clear(): void {
    if (this.count > 0) {
      const be = this.backend;
      // Unmark the listed rows only, unless there are so many that one fill is cheaper.
      if (this.count * 8 < this.tableRows && isHostBackend(be)) {
        const listView = be.view(this.list);
        for (let k = 0; k < this.count; k++) this.mark[listView[k]] = 0;
      } else this.mark.fill(0);
    }
    this.count = 0;
    this.all = false;
  }

  /** Frees the buffers. */
  dispose(): void {
    this.backend.free(this.list);
    if (this.iota !== null) this.backend.free(this.iota);
  }
}
