import { decodeText } from '../util/bytes.js';
import { Int32Builder } from '../util/builders.js';

/** The largest raw id kept as an integer (an Int32 index holds it). */
const MAX_INT_ID = 0x7fffffff;

/**
 * The raw ids of one column mapped to dense 0-based indices in increasing raw order. `ids` when
 * every raw id was a canonical non-negative integer; otherwise `names` (the raw ids as text,
 * integers written in decimal, sorted by code unit).
 */
export interface DenseIds {
  /** Per pushed value, its dense index. */
  dense: Int32Array;
  /** Number of distinct raw ids. */
  count: number;
  ids?: Int32Array;
  names?: string[];
}

/**
 * Raw ids of one column (users or items), collected as they are read. A canonical decimal
 * (no sign, no leading zero, at most 2^31 - 1) is kept as a number, anything else as interned text,
 * so a file of integer ids costs 4 bytes per value and no string, and "007" stays distinct from "7".
 */
export class RawIdColumn {
  // >= 0: the integer id; < 0: -(text index + 1).
  private readonly codes = new Int32Builder(1 << 16);
  private readonly textIndex = new Map<string, number>();
  private readonly texts: string[] = [];

  /** Values pushed so far. */
  get length(): number {
    return this.codes.length;
  }

  /** Whether some raw id so far is not a canonical integer. */
  get hasText(): boolean {
    return this.texts.length > 0;
  }

  /** Pushes a raw integer id (0 .. 2^31 - 1). */
  pushInt(id: number): void {
    this.codes.push(id);
  }

  /** Pushes the raw id written in `bytes[start..end)` (non-empty). */
  pushBytes(bytes: Uint8Array, start: number, end: number): void {
    const id = canonicalInt(bytes, start, end);
    if (id >= 0) this.codes.push(id);
    else this.pushText(decodeText(bytes, start, end));
  }

  /** Pushes a raw id given as text. */
  pushText(text: string): void {
    let index = this.textIndex.get(text);
    if (index === undefined) {
      index = this.texts.length;
      this.textIndex.set(text, index);
      this.texts.push(text);
    }
    this.codes.push(-(index + 1));
  }

  /** The dense indices of every pushed value (see `DenseIds`). */
  finish(): DenseIds {
    const codes = this.codes.toArray();
    if (this.texts.length === 0) {
      const ids = sortedUnique(codes);
      return { dense: denseBySearch(codes, ids), count: ids.length, ids };
    }
    // Mixed or text ids: integers join the text domain as their decimal form.
    const ints = sortedUnique(codes.filter((c) => c >= 0));
    const names = [...new Set([...this.texts, ...Array.from(ints, String)])].sort();
    const rank = new Map<string, number>();
    names.forEach((n, k) => rank.set(n, k));
    const textRank = Int32Array.from(this.texts, (t) => rank.get(t)!);
    const intRank = Int32Array.from(ints, (v) => rank.get(String(v))!);
    const dense = new Int32Array(codes.length);
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k];
      dense[k] = c < 0 ? textRank[-c - 1] : intRank[searchSorted(ints, c)];
    }
    return { dense, count: names.length, names };
  }
}

/** The canonical non-negative integer in `bytes[start..end)` (no sign, no leading zero), or -1. */
function canonicalInt(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > 10 || (n > 1 && bytes[start] === 48)) return -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const d = bytes[k] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= MAX_INT_ID ? v : -1;
}

/** The distinct values, ascending. */
export function sortedUnique(values: Int32Array): Int32Array {
  const sorted = values.slice().sort();
  let n = 0;
  for (let k = 0; k < sorted.length; k++) if (n === 0 || sorted[n - 1] !== sorted[k]) sorted[n++] = sorted[k];
  return sorted.slice(0, n);
}

/** Index of `v` in the ascending `ids` (which hold it). */
function searchSorted(ids: Int32Array, v: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Replaces each raw id by its index in the sorted distinct ids. */
function denseBySearch(raw: Int32Array, ids: Int32Array): Int32Array {
  const out = new Int32Array(raw.length);
  for (let k = 0; k < raw.length; k++) out[k] = searchSorted(ids, raw[k]);
  return out;
}
