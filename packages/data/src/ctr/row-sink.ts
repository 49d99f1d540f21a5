import type { FieldVocab } from './vocab.js';

/**
 * Receives one parsed CTR row, token by token; a line tokenizer calls `label`, then one token method
 * per field (in any order), then `endRow`. The same tokenizer drives `TokenIdSink` (reading files)
 * and `EncodingSink` (raw rows for serving), so parsing code exists once.
 */
export interface CtrRowSink {
  label(value: 0 | 1): void;
  empty(field: number): void;
  /** An 8-digit hex hash: `key`'s low 32 bits (a u32, or the same bits as an int32). */
  hex(field: number, key: number): void;
  int(field: number, value: number): void;
  str(field: number, token: string): void;
  endRow(): void;
}

/** Rows parsed before their hex tokens are looked up field by field (see `TokenIdSink`). */
const DEFAULT_BLOCK_ROWS = 1 << 14;

/**
 * The parsing pass of the CTR readers: counts every token in its field's vocabulary and writes its
 * dense id (`FieldVocab.add*`) and the label into preallocated `rows x fields` arrays; once the
 * vocabularies are finalized, `remapToGlobalIds` turns the dense ids into global ids in place.
 *
 * Hex tokens (most of Criteo) are not looked up as they are parsed: a block of rows is parsed into a
 * column-major buffer first, then each field's keys are interned in one tight loop, so that one
 * field's hash table stays in cache instead of all 26 competing for it on every row (lookups were
 * most of the read time). Dense ids are only labels, so the order of interning changes no result.
 * Call `finish` after the last row.
 */
export class TokenIdSink implements CtrRowSink {
  row = 0;
  positives = 0;
  private readonly fields: number;
  /** Row of the block being parsed, and its first row in `x`. */
  private blockRow = 0;
  private blockStart = 0;
  /** `fields` columns of `stride` entries: a dense id, or a hex key while `pending` is 1. */
  private readonly block: Int32Array;
  /**
   * Column stride: `blockRows` plus one cache line, so that the transposition's reads, one per
   * column, do not all fall in the same cache sets (a power-of-two stride made a warm
   * transposition 1.2-1.7x slower in a micro-benchmark).
   */
  private readonly stride: number;
  private readonly pending: Uint8Array;

  /** `blockRows`: rows per block (the buffers take 5 bytes per field and row; tests use small ones). */
  constructor(
    readonly vocabs: FieldVocab[],
    readonly x: Int32Array,
    readonly labels: Uint8Array,
    private readonly blockRows = DEFAULT_BLOCK_ROWS,
  ) {
    this.fields = vocabs.length;
    if (!Number.isInteger(blockRows) || blockRows < 1) throw new RangeError(`TokenIdSink: blockRows must be a positive integer, got ${blockRows}`);
    this.stride = blockRows + 16;
    this.block = new Int32Array(this.fields * this.stride);
    this.pending = new Uint8Array(this.fields * this.stride);
  }

  label(value: 0 | 1): void {
    if (this.row >= this.labels.length) throw new RangeError('TokenIdSink: more rows than counted');
    this.labels[this.row] = value;
    this.positives += value;
  }
  empty(field: number): void {
    this.put(field, this.vocabs[field].addEmpty());
  }
  hex(field: number, key: number): void {
    const at = field * this.stride + this.blockRow;
    this.block[at] = key;
    this.pending[at] = 1;
  }
  int(field: number, value: number): void {
    this.put(field, this.vocabs[field].addInt(value));
  }
  str(field: number, token: string): void {
    this.put(field, this.vocabs[field].addStr(token));
  }
  endRow(): void {
    this.row++;
    if (++this.blockRow === this.blockRows) this.flush();
  }

  /** Interns the hex tokens of the rows not yet flushed and writes their ids into `x`. */
  finish(): void {
    this.flush();
  }

  private put(field: number, id: number): void {
    const at = field * this.stride + this.blockRow;
    this.block[at] = id;
    this.pending[at] = 0;
  }

  private flush(): void {
    const n = this.blockRow;
    const fields = this.fields;
    const block = this.block;
    const stride = this.stride;
    for (let f = 0; f < fields; f++) this.vocabs[f].addHexColumn(block, this.pending, f * stride, f * stride + n);
    // Column-major block -> row-major x.
    const x = this.x;
    for (let r = 0, base = this.blockStart * fields; r < n; r++, base += fields) {
      for (let f = 0, at = r; f < fields; f++, at += stride) x[base + f] = block[at];
    }
    this.blockStart += n;
    this.blockRow = 0;
  }
}

/**
 * Replaces the dense ids in `x` (`rows x fields`, from `TokenIdSink`) by global ids: field offset
 * plus the finalized vocabulary's index (0 = OOV). Returns the number of OOV tokens.
 */
export function remapToGlobalIds(x: Int32Array, vocabs: readonly FieldVocab[], offsets: Int32Array): number {
  const fields = vocabs.length;
  const remaps = vocabs.map((v) => v.remap);
  let oov = 0;
  // One sequential sweep (row-major): x can be gigabytes, the remaps are small.
  for (let base = 0; base < x.length; base += fields) {
    for (let f = 0; f < fields; f++) {
      const index = remaps[f][x[base + f]];
      if (index === 0) oov++;
      x[base + f] = offsets[f] + index;
    }
  }
  return oov;
}

/** Writes global ids (field offset + finalized vocabulary index) and labels into preallocated arrays. */
export class EncodingSink implements CtrRowSink {
  row = 0;
  oovTokens = 0;
  private base = 0;
  private readonly fields: number;

  constructor(
    readonly vocabs: FieldVocab[],
    readonly offsets: Int32Array,
    readonly x: Int32Array,
    readonly labels: Uint8Array,
  ) {
    this.fields = vocabs.length;
  }

  label(value: 0 | 1): void {
    if (this.row >= this.labels.length) throw new RangeError('EncodingSink: more rows than counted in pass 1');
    this.labels[this.row] = value;
  }
  empty(field: number): void {
    this.put(field, this.vocabs[field].indexEmpty());
  }
  hex(field: number, key: number): void {
    this.put(field, this.vocabs[field].indexHex(key));
  }
  int(field: number, value: number): void {
    this.put(field, this.vocabs[field].indexInt(value));
  }
  str(field: number, token: string): void {
    this.put(field, this.vocabs[field].indexStr(token));
  }
  endRow(): void {
    this.row++;
    this.base += this.fields;
  }

  private put(field: number, index: number): void {
    if (index === 0) this.oovTokens++;
    this.x[this.base + field] = this.offsets[field] + index;
  }
}
