import { hostIds, isHostBackend, type Backend, type Buf, type HostBackend } from '@lers/kernels';
import type { RowSparsity } from '../../parameter.js';

/**
 * The set of rows a table's gradient touched since the last clear(), kept as a list of unique row
 * ids in a backend buffer (what lazy Adam consumes) plus a host-side mark per row for dedup. The
 * ids are read on the host without a read-back: through a view on host backends (the list is
 * written in place), through WebGPU's copy of host-written ids elsewhere (the new list entries
 * are written to the device). Ids a kernel wrote on the device have no host copy: the set is then
 * unknown, and rows() says so instead of guessing.
 */
export class TouchedRows implements RowSparsity {
  private readonly mark: Uint8Array;
  private readonly list: Buf<'i32'>;
  /** The backend when it has views (the list is then written in place), else null. */
  private readonly host: HostBackend | null;
  /** The list on the host, for backends without views (null on host backends: the view is the list). */
  private readonly hostList: Int32Array | null;
  private count = 0;
  private all = false;
  /** An id buffer without a host copy was added since the last clear(). */
  private unknown = false;
  /** 0..rows-1, built on the first rows() call after markAll(). */
  private iota: Buf<'i32'> | null = null;

  constructor(
    private readonly backend: Backend,
    readonly tableRows: number,
    readonly dim: number,
  ) {
    this.mark = new Uint8Array(tableRows);
    this.list = backend.alloc('i32', tableRows);
    this.host = isHostBackend(backend) ? backend : null;
    this.hostList = this.host === null ? new Int32Array(tableRows) : null;
  }

  /** Records the ids of a lookup (already validated by the kernel that used them). */
  addIds(ids: Buf<'i32'>): void {
    if (this.all) return;
    const be = this.backend;
    const idView = hostIds(be, ids);
    if (idView === null) {
      this.markUnknown();
      return;
    }
    const listView = this.listArray();
    const mark = this.mark;
    const before = this.count;
    let count = before;
    for (let k = 0; k < idView.length; k++) {
      const id = idView[k];
      if (mark[id] === 0) {
        mark[id] = 1;
        listView[count++] = id;
      }
    }
    this.count = count;
    if (this.hostList !== null && count > before) be.write(this.list, this.hostList.subarray(before, count), before);
  }

  /** Records that rows were touched through ids without a host copy (rows() then refuses to guess). */
  markUnknown(): void {
    this.unknown = true;
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
    if (this.all) {
      if (this.iota === null) {
        const ids = new Int32Array(this.tableRows);
        for (let r = 0; r < ids.length; r++) ids[r] = r;
        this.iota = this.backend.upload('i32', ids);
      }
      return this.iota;
    }
    if (this.unknown) {
      throw new Error(`the rows touched since the last step are unknown: a backward pass got ids a kernel wrote on the ${this.backend.kind} device (no host copy); use dense Adam (lazy: false) for this table`);
    }
    return this.backend.slice(this.list, 0, this.count);
  }

  clear(): void {
    if (this.count > 0) {
      // Unmark the listed rows only, unless there are so many that one fill is cheaper.
      if (this.count * 8 < this.tableRows) {
        const listView = this.listArray();
        for (let k = 0; k < this.count; k++) this.mark[listView[k]] = 0;
      } else this.mark.fill(0);
    }
    this.count = 0;
    this.all = false;
    this.unknown = false;
  }

  /** The list's elements on the host: a view of the backend buffer, or the host list that mirrors it. */
  private listArray(): Int32Array {
    return this.host !== null ? this.host.view(this.list) : this.hostList!;
  }

  /** Frees the buffers. */
  dispose(): void {
    this.backend.free(this.list);
    if (this.iota !== null) this.backend.free(this.iota);
  }
}
