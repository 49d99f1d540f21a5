/**
 * The LFU bookkeeping of a TT-Rec cache (host side): lookup counts while warming up, then the
 * chosen hot rows, each with a slot in the cache weight. Selection is deterministic: the
 * `capacity` most frequently looked-up ids, ties broken by the smaller id; slots follow
 * ascending id order.
 */
export class TtLfuCache {
  /** Lookup counts per row while warming up (null once the cache is filled). */
  private counts: Uint32Array | null;
  /** Cache slot of every row (-1: served by the TT cores); null until filled. */
  private slotOf: Int32Array | null = null;
  /** The cached row ids in slot order (ascending); null until filled. */
  private ids: Int32Array | null = null;

  /** Bookkeeping for `capacity` cached rows of a `rows`-row table, warming up. */
  constructor(
    readonly rows: number,
    /** Number of cached rows. */
    readonly capacity: number,
  ) {
    this.counts = new Uint32Array(rows);
  }

  /** True once the hot rows are chosen. */
  get filled(): boolean {
    return this.ids !== null;
  }

  /** The cached ids in slot order (after filling). */
  get cachedIds(): Int32Array {
    if (this.ids === null) throw new Error('ttrec cache: not filled yet');
    return this.ids;
  }

  /** The warm-up counts (before filling), e.g. for serialization. */
  get warmupCounts(): Uint32Array | null {
    return this.counts;
  }

  /** Host bytes of the bookkeeping: the counts while warming up, then the slot map and the ids. */
  get bytes(): number {
    return 4 * ((this.counts?.length ?? 0) + (this.slotOf?.length ?? 0) + (this.ids?.length ?? 0));
  }

  /** Counts one lookup of each id (ids already range-checked); a no-op once filled. */
  count(ids: Int32Array): void {
    const counts = this.counts;
    if (counts === null) return;
    for (let i = 0; i < ids.length; i++) if (counts[ids[i]] !== 0xffffffff) counts[ids[i]]++;
  }

  /** Replaces the warm-up counts (restoring a serialised table). */
  setCounts(counts: Uint32Array): void {
    if (this.counts === null || counts.length !== this.rows) throw new RangeError(`ttrec cache: counts need ${this.rows} entries before filling`);
    this.counts.set(counts);
  }

  /** Chooses the hot rows from the counts and frees them; returns the ids in slot order. */
  select(): Int32Array {
    const counts = this.counts;
    if (counts === null) throw new Error('ttrec cache: already filled');
    const c = this.capacity;
    const chosen = new Int32Array(c);
    if (c > 0) {
      // The count of the c-th hottest row: ids above it all go in, ids equal to it by ascending id.
      const sorted = Uint32Array.from(counts).sort();
      const threshold = sorted[this.rows - c];
      let n = 0;
      for (let id = 0; id < this.rows; id++) if (counts[id] > threshold) chosen[n++] = id;
      for (let id = 0; id < this.rows && n < c; id++) if (counts[id] === threshold) chosen[n++] = id;
      chosen.sort();
    }
    this.assign(chosen);
    return chosen;
  }

  /** Sets the cached ids directly (ascending, distinct, in range), ending the warm-up. */
  assign(ids: Int32Array): void {
    if (ids.length !== this.capacity) throw new RangeError(`ttrec cache: need ${this.capacity} cached ids, got ${ids.length}`);
    const slotOf = new Int32Array(this.rows).fill(-1);
    for (let s = 0; s < ids.length; s++) {
      const id = ids[s];
      if (!(id >= 0 && id < this.rows) || (s > 0 && id <= ids[s - 1])) throw new RangeError('ttrec cache: cached ids must be ascending, distinct and in range');
      slotOf[id] = s;
    }
    this.slotOf = slotOf;
    this.ids = ids.slice();
    this.counts = null;
  }

  /**
   * Splits a batch: positions served by the cores go to (ttIds, ttPos), cached ones to
   * (slots, cachePos). Returns the two counts.
   */
  split(ids: Int32Array, ttIds: Int32Array, ttPos: Int32Array, slots: Int32Array, cachePos: Int32Array): [number, number] {
    const slotOf = this.slotOf;
    if (slotOf === null) throw new Error('ttrec cache: not filled yet');
    let nt = 0;
    let nc = 0;
    for (let i = 0; i < ids.length; i++) {
      const s = slotOf[ids[i]];
      if (s < 0) {
        ttIds[nt] = ids[i];
        ttPos[nt++] = i;
      } else {
        slots[nc] = s;
        cachePos[nc++] = i;
      }
    }
    return [nt, nc];
  }
}
