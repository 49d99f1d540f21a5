import { describe, expect, it } from 'vitest';
import { FieldVocab, scanCategorical, U32Table, type CtrRowSink } from '../src/index.js';

describe('U32Table', () => {
  it('counts keys including 0 and keys above 2^31, through many growths', () => {
    const t = new U32Table();
    const keys = [0, 1, 0xffffffff, 0x80000000, 12345];
    for (let rep = 0; rep < 3; rep++) for (const k of keys) t.increment(k);
    for (let k = 100; k < 5100; k++) t.increment(k * 2654435761 >>> 0);
    expect(t.size).toBe(5 + 5000);
    for (const k of keys) expect(t.get(k, -1)).toBe(3);
    expect(t.get(7, -1)).toBe(-1);
    expect(t.get(100 * 2654435761 >>> 0, -1)).toBe(1);
    expect(t.set(0xffffffff, 42)).toBe(true);
    expect(t.set(8, 1)).toBe(false);
    expect(t.get(0xffffffff, -1)).toBe(42);
    let sum = 0;
    t.forEach((_k, v) => (sum += v));
    expect(sum).toBe(3 * 4 + 42 + 5000);
  });
});

describe('FieldVocab', () => {
  it('keeps tokens with count >= minCount, ranked by count then kind then key', () => {
    const v = new FieldVocab();
    for (let k = 0; k < 3; k++) v.countHex(0xdeadbeef);
    for (let k = 0; k < 2; k++) {
      v.countInt(-3);
      v.countInt(7);
      v.countEmpty();
      v.countStr('b');
      v.countInt(2 ** 40); // not int32: kept apart, same kind
    }
    v.countStr('a');
    v.countHex(0);
    expect(v.distinct).toBe(8);
    expect(v.finalize(2)).toBe(7);
    expect(v.tokens()).toEqual([null, 'deadbeef', '', '-3', '7', String(2 ** 40), 'b']);
    expect(v.indexHex(0xdeadbeef)).toBe(1);
    expect(v.indexEmpty()).toBe(2);
    expect(v.indexInt(-3)).toBe(3);
    expect(v.indexInt(2 ** 40)).toBe(5);
    expect(v.indexStr('b')).toBe(6);
    expect(v.indexStr('a')).toBe(0);
    expect(v.indexHex(0)).toBe(0);
    expect(v.indexInt(99)).toBe(0);
    expect(v.size).toBe(7);
  });
});

describe('scanCategorical', () => {
  it('types tokens one-to-one: 8 hex digits, canonical decimals, other text, empty', () => {
    const seen: string[] = [];
    const sink: CtrRowSink = {
      label: () => undefined,
      empty: (f) => seen.push(`${f}:empty`),
      hex: (f, k) => seen.push(`${f}:hex:${k.toString(16)}`),
      int: (f, v) => seen.push(`${f}:int:${v}`),
      str: (f, s) => seen.push(`${f}:str:${s}`),
      endRow: () => undefined,
    };
    const line = new TextEncoder().encode('68fd1e64,1005,007,0,,12345678,ab,héllo,0000000A');
    let p = 0;
    for (let f = 0; p <= line.length; f++) p = scanCategorical(line, p, line.length, 44, f, sink) + 1;
    expect(seen).toEqual([
      '0:hex:68fd1e64',
      '1:int:1005',
      '2:str:007',
      '3:int:0',
      '4:empty',
      '5:hex:12345678',
      '6:str:ab',
      '7:str:héllo',
      '8:hex:a',
    ]);
  });
});
