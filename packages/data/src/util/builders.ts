/** An append-only Int32 buffer that doubles its capacity: collects ids without per-item objects. */
export class Int32Builder {
  private data: Int32Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(16, initialCapacity));
  }

  /** Number of values pushed so far. */
  get length(): number {
    return this.size;
  }

  /** Appends one value. */
  push(value: number): void {
    if (this.size === this.data.length) this.grow();
    this.data[this.size++] = value;
  }

  /** A right-sized copy of the values. */
  toArray(): Int32Array {
    return this.data.slice(0, this.size);
  }

  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}

/** The Float64 counterpart of `Int32Builder` (timestamps, ratings). */
export class Float64Builder {
  private data: Float64Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  /** Number of values pushed so far. */
  get length(): number {
    return this.size;
  }

  /** Appends one value. */
  push(value: number): void {
    if (this.size === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size++] = value;
  }

  /** A right-sized copy of the values. */
  toArray(): Float64Array {
    return this.data.slice(0, this.size);
  }
}
