import type { FieldVocab } from './vocab.js';

/**
 * Receives one parsed CTR row, token by token; a line tokenizer calls `label`, then one token method
 * per field (in any order), then `endRow`. The same tokenizer drives both passes: `CountingSink`
 * (pass 1) and `EncodingSink` (pass 2), so parsing code exists once.
 */
export interface CtrRowSink {
  label(value: 0 | 1): void;
  empty(field: number): void;
  hex(field: number, key: number): void;
  int(field: number, value: number): void;
  str(field: number, token: string): void;
  endRow(): void;
}

/** Pass 1: counts tokens per field, rows and positives. */
export class CountingSink implements CtrRowSink {
  rows = 0;
  positives = 0;
  constructor(readonly vocabs: FieldVocab[]) {}

  label(value: 0 | 1): void {
    this.positives += value;
  }
  empty(field: number): void {
    this.vocabs[field].countEmpty();
  }
  hex(field: number, key: number): void {
    this.vocabs[field].countHex(key);
  }
  int(field: number, value: number): void {
    this.vocabs[field].countInt(value);
  }
  str(field: number, token: string): void {
    this.vocabs[field].countStr(token);
  }
  endRow(): void {
    this.rows++;
  }
}

/** Pass 2: writes global ids (field offset + vocabulary index) and labels into preallocated arrays. */
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
