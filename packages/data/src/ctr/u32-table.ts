/**
 * An open-addressing hash table from u32 keys to int32 values in one interleaved typed array
 * (key, value, key, value, ...), so a lookup touches one cache line. Criteo's categorical values
 * are 32-bit hashes; keeping them as numbers off the JS heap (8 bytes per slot, load <= 1/2) lets a
 * field hold millions of distinct values without string keys or Map's 2^24-entry limit.
 * Key 0 marks an empty slot, so the key 0 itself is kept aside.
 */
export class U32Table {
  private slots: Int32Array;
  private shift: number;
  private count = 0;
  private hasZero = false;
  private zeroValue = 0;

  constructor(initialCapacity = 8) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = new Int32Array(2 * cap);
    this.shift = 32 - Math.log2(cap);
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  /** Adds 1 to the value of `key` (inserting it with 1). */
  increment(key: number): void {
    const k = key | 0;
    if (k === 0) {
      this.hasZero = true;
      this.zeroValue++;
      return;
    }
    const at = this.find(k);
    if (this.slots[at] === k) this.slots[at + 1]++;
    else this.insertAt(at, k, 1);
  }

  /** The value of `key`; when absent, inserts it with `value` and returns that. */
  intern(key: number, value: number): number {
    const k = key | 0;
    if (k === 0) {
      if (!this.hasZero) {
        this.hasZero = true;
        this.zeroValue = value;
      }
      return this.zeroValue;
    }
    // The probe of `find`, written out: this is the hot path of the CTR readers.
    const slots = this.slots;
    const mask = slots.length - 1;
    let at = (Math.imul(k, 0x9e3779b1) >>> this.shift) << 1;
    for (;;) {
      const s = slots[at];
      if (s === k) return slots[at + 1];
      if (s === 0) break;
      at = (at + 2) & mask;
    }
    this.insertAt(at, k, value);
    return value;
  }

  /** The value of `key`, or `missing` when absent. */
  get(key: number, missing: number): number {
    const k = key | 0;
    if (k === 0) return this.hasZero ? this.zeroValue : missing;
    const at = this.find(k);
    return this.slots[at] === k ? this.slots[at + 1] : missing;
  }

  /** Sets the value of a key that is present (e.g. replacing counts by indices); returns false if absent. */
  set(key: number, value: number): boolean {
    const k = key | 0;
    if (k === 0) {
      if (this.hasZero) this.zeroValue = value;
      return this.hasZero;
    }
    const at = this.find(k);
    if (this.slots[at] !== k) return false;
    this.slots[at + 1] = value;
    return true;
  }

  /** Calls `fn(key, value)` for every entry (keys as u32). */
  forEach(fn: (key: number, value: number) => void): void {
    if (this.hasZero) fn(0, this.zeroValue);
    for (let at = 0; at < this.slots.length; at += 2) if (this.slots[at] !== 0) fn(this.slots[at] >>> 0, this.slots[at + 1]);
  }

  /** Replaces every value by `fn(key, value)`. */
  mapValues(fn: (key: number, value: number) => number): void {
    if (this.hasZero) this.zeroValue = fn(0, this.zeroValue);
    for (let at = 0; at < this.slots.length; at += 2) if (this.slots[at] !== 0) this.slots[at + 1] = fn(this.slots[at] >>> 0, this.slots[at + 1]);
  }

  /** Linear probing from a Fibonacci hash: the index of `k`'s slot, or of the empty slot where it goes. */
  private find(k: number): number {
    const mask = this.slots.length - 1;
    let at = (Math.imul(k, 0x9e3779b1) >>> this.shift) << 1;
    for (;;) {
      const s = this.slots[at];
      if (s === k || s === 0) return at;
      at = (at + 2) & mask;
    }
  }

  private insertAt(at: number, k: number, value: number): void {
    if ((this.count + 1) * 4 > this.slots.length) {
      this.grow();
      at = this.find(k);
    }
    this.slots[at] = k;
    this.slots[at + 1] = value;
    this.count++;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.shift--;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at] !== 0) {
        const to = this.find(old[at]);
        this.slots[to] = old[at];
        this.slots[to + 1] = old[at + 1];
      }
    }
  }
}
