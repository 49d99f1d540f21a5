import { U32Table } from './u32-table.js';

/** Token kinds, in the order they are ranked among equal counts. */
export const TokenKind = { Empty: 0, Int: 1, Hex: 2, Str: 3 } as const;
/** One of `TokenKind`'s values. */
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];
const Kind = TokenKind;

interface Kept {
  count: number;
  kind: TokenKind;
  key: number | string;
  /** The dense id the token had while counting. */
  id: number;
}

/**
 * A vocabulary's kept tokens in index order (entry k has index k + 1): their kinds and keys (0 for
 * the empty value, the integer, the hash as a u32, or the text).
 */
export interface KeptTokens {
  kinds: Uint8Array;
  keys: (number | string)[];
}

/**
 * One field's vocabulary, built in two phases: add tokens (each distinct token gets a dense id in
 * order of first appearance, and a count), then `finalize(minCount)` assigns indices, after which
 * lookups return them and `remap` turns dense ids into indices. Index 0 is the OOV bucket (tokens
 * seen fewer than `minCount` times, or never); kept tokens get 1.. in order of decreasing count
 * (ties: empty, integers, hex, strings, then by key), so the order does not depend on the order of
 * the rows. Tokens are typed (see `scanCategorical`): the empty value, an integer, an 8-digit hex
 * hash (kept as a u32 in a typed table) or any other string; memory grows with distinct values,
 * never with rows.
 */
export class FieldVocab {
  // Before finalize the tables map tokens to dense ids (counts[id] is the count); after, to indices.
  private emptyId = -1;
  private emptyIndex = 0;
  private readonly hex = new U32Table();
  // Integer tokens: int32 ones in a typed table (keyed by their bits), larger ones in a Map.
  private readonly ints = new U32Table();
  private readonly bigInts = new Map<number, number>();
  private readonly strs = new Map<string, number>();
  private counts = new Int32Array(16);
  private ids = 0;
  private dim = 0;
  private remapIds: Int32Array | null = null;

  /** Counts one empty value; returns its dense id. */
  addEmpty(): number {
    if (this.emptyId < 0) this.emptyId = this.newId();
    this.counts[this.emptyId]++;
    return this.emptyId;
  }

  /** Counts one hex-hash value (as its u32); returns its dense id. */
  addHex(key: number): number {
    const id = this.hex.intern(key, this.ids);
    if (id === this.ids) this.newId();
    this.counts[id]++;
    return id;
  }

  /**
   * Counts the hex keys `column[k]` for which `pending[k]` is 1 (k in `from..to`), replacing each
   * by its dense id: `addHex` over a column, in one loop.
   */
  addHexColumn(column: Int32Array, pending: Uint8Array, from: number, to: number): void {
    const hex = this.hex;
    for (let k = from; k < to; k++) {
      if (pending[k] === 0) continue;
      const id = hex.intern(column[k], this.ids);
      if (id === this.ids) this.newId();
      this.counts[id]++;
      column[k] = id;
    }
  }

  /** Counts one integer token; returns its dense id. */
  addInt(value: number): number {
    let id: number;
    if ((value | 0) === value) {
      id = this.ints.intern(value, this.ids);
      if (id === this.ids) this.newId();
    } else {
      id = this.bigInts.get(value) ?? -1;
      if (id < 0) this.bigInts.set(value, (id = this.newId()));
    }
    this.counts[id]++;
    return id;
  }

  /** Counts one string token; returns its dense id. */
  addStr(token: string): number {
    let id = this.strs.get(token) ?? -1;
    if (id < 0) this.strs.set(token, (id = this.newId()));
    this.counts[id]++;
    return id;
  }

  /** Counts one empty value. */
  countEmpty(): void {
    this.addEmpty();
  }

  /** Counts one hex-hash value (as its u32). */
  countHex(key: number): void {
    this.addHex(key);
  }

  /** Counts one integer token. */
  countInt(value: number): void {
    this.addInt(value);
  }

  /** Counts one string token. */
  countStr(token: string): void {
    this.addStr(token);
  }

  /** Number of distinct tokens counted. */
  get distinct(): number {
    return (this.emptyId >= 0 ? 1 : 0) + this.ints.size + this.bigInts.size + this.hex.size + this.strs.size;
  }

  /** The field dimension after `finalize`: kept tokens + 1 (the OOV bucket). */
  get size(): number {
    return this.dim;
  }

  /** After `finalize`: the index (0 = OOV) of each dense id handed out by the `add*` methods. */
  get remap(): Int32Array {
    if (this.remapIds === null) throw new Error('FieldVocab.remap: call finalize first');
    return this.remapIds;
  }

  /** Keeps tokens seen at least `minCount` times and assigns their indices; returns the field dim. */
  finalize(minCount: number): number {
    const kept: Kept[] = [];
    const counts = this.counts;
    const keep = (kind: TokenKind, key: number | string, id: number): void => {
      const count = counts[id];
      if (count >= minCount && count > 0) kept.push({ count, kind, key, id });
    };
    if (this.emptyId >= 0) keep(Kind.Empty, 0, this.emptyId);
    this.ints.forEach((key, id) => {
      keep(Kind.Int, key | 0, id);
    });
    for (const [key, id] of this.bigInts) keep(Kind.Int, key, id);
    this.hex.forEach((key, id) => {
      keep(Kind.Hex, key, id);
    });
    for (const [key, id] of this.strs) keep(Kind.Str, key, id);
    kept.sort(compareKept);

    // Dense ids become indices: 0 (OOV) for every token, then 1.. for the kept ones.
    const remap = new Int32Array(this.ids);
    kept.forEach((t, i) => {
      remap[t.id] = i + 1;
    });
    this.emptyIndex = this.emptyId >= 0 ? remap[this.emptyId] : 0;
    this.ints.mapValues((_, id) => remap[id]);
    this.hex.mapValues((_, id) => remap[id]);
    for (const [k, id] of this.bigInts) this.bigInts.set(k, remap[id]);
    for (const [k, id] of this.strs) this.strs.set(k, remap[id]);
    this.remapIds = remap;
    this.counts = new Int32Array(0);
    this.dim = kept.length + 1;
    return this.dim;
  }

  private newId(): number {
    if (this.ids === this.counts.length) {
      const grown = new Int32Array(this.counts.length * 2);
      grown.set(this.counts);
      this.counts = grown;
    }
    return this.ids++;
  }

  /** Index of the empty value (0 = OOV). */
  indexEmpty(): number {
    return this.emptyIndex;
  }

  /** Index of a hex value (0 = OOV). */
  indexHex(key: number): number {
    return this.hex.get(key, 0);
  }

  /** Index of an integer token (0 = OOV). */
  indexInt(value: number): number {
    return (value | 0) === value ? this.ints.get(value, 0) : (this.bigInts.get(value) ?? 0);
  }

  /** Index of a string token (0 = OOV). */
  indexStr(token: string): number {
    return this.strs.get(token) ?? 0;
  }

  private setIntIndex(value: number, index: number): void {
    if ((value | 0) === value) this.ints.set(value, index);
    else this.bigInts.set(value, index);
  }

  /** The kept tokens in index order, typed: what `FieldVocab.fromKept` restores. */
  keptTokens(): KeptTokens {
    const n = Math.max(0, this.dim - 1);
    const kinds = new Uint8Array(n);
    const keys = new Array<number | string>(n).fill(0);
    const put = (index: number, kind: TokenKind, key: number | string): void => {
      if (index === 0) return;
      kinds[index - 1] = kind;
      keys[index - 1] = key;
    };
    put(this.emptyIndex, Kind.Empty, 0);
    this.ints.forEach((k, i) => {
      put(i, Kind.Int, k | 0);
    });
    for (const [k, i] of this.bigInts) put(i, Kind.Int, k);
    this.hex.forEach((k, i) => {
      put(i, Kind.Hex, k);
    });
    for (const [k, i] of this.strs) put(i, Kind.Str, k);
    return { kinds, keys };
  }

  /**
   * A finalized vocabulary whose index k + 1 is token k of `kept` (the inverse of `keptTokens`,
   * for stored vocabularies). Throws RangeError for a malformed or repeated token.
   */
  static fromKept(kept: KeptTokens): FieldVocab {
    const v = new FieldVocab();
    const n = kept.kinds.length;
    if (kept.keys.length !== n) throw new RangeError(`FieldVocab.fromKept: ${n} kinds but ${kept.keys.length} keys`);
    for (let k = 0; k < n; k++) {
      const kind = kept.kinds[k];
      const key = kept.keys[k];
      const index = k + 1;
      const fresh =
        kind === Kind.Empty ? v.emptyIndex === 0
        : kind === Kind.Int && typeof key === 'number' && Number.isInteger(key) ? v.indexInt(key) === 0
        : kind === Kind.Hex && typeof key === 'number' && key >>> 0 === key ? v.indexHex(key) === 0
        : kind === Kind.Str && typeof key === 'string' && key.length > 0 ? v.indexStr(key) === 0
        : null;
      if (fresh === null) throw new RangeError(`FieldVocab.fromKept: token ${index} has kind ${kind} and key ${JSON.stringify(key)}`);
      if (!fresh) throw new RangeError(`FieldVocab.fromKept: token ${index} (${JSON.stringify(key)}) is repeated`);
      if (kind === Kind.Empty) v.emptyIndex = index;
      else if (kind === Kind.Int) {
        v.countInt(key as number);
        v.setIntIndex(key as number, index);
      } else if (kind === Kind.Hex) {
        v.hex.increment(key as number);
        v.hex.set(key as number, index);
      } else v.strs.set(key as string, index);
    }
    v.dim = n + 1;
    return v;
  }

  /**
   * The kept tokens as text, by index (entry 0 is `null`, the OOV bucket): `''` for the empty value,
   * decimal for integers, 8 lowercase hex digits for hashes. For inspection and serving.
   */
  tokens(): (string | null)[] {
    const out: (string | null)[] = new Array<string | null>(this.dim).fill(null);
    if (this.emptyIndex > 0) out[this.emptyIndex] = '';
    this.ints.forEach((k, i) => {
      if (i > 0) out[i] = String(k | 0);
    });
    for (const [k, i] of this.bigInts) if (i > 0) out[i] = String(k);
    this.hex.forEach((k, i) => {
      if (i > 0) out[i] = k.toString(16).padStart(8, '0');
    });
    for (const [k, i] of this.strs) if (i > 0) out[i] = k;
    return out;
  }
}

function compareKept(a: Kept, b: Kept): number {
  if (a.count !== b.count) return b.count - a.count;
  if (a.kind !== b.kind) return a.kind - b.kind;
  if (typeof a.key === 'number' && typeof b.key === 'number') return a.key - b.key;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
