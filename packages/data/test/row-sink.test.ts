import { describe, expect, it } from 'vitest';
import { CRITEO_FIELD_NAMES, FieldVocab, fieldOffsetsFrom, remapToGlobalIds, syntheticCriteoText, tokenizeCriteoLine, TokenIdSink } from '../src/index.js';

/** Global ids of Criteo `lines` through a TokenIdSink of `blockRows` rows per block. */
function encode(lines: string[], blockRows: number, minCount: number): { x: Int32Array; labels: Uint8Array; positives: number } {
  const vocabs = CRITEO_FIELD_NAMES.map(() => new FieldVocab());
  const x = new Int32Array(lines.length * vocabs.length);
  const labels = new Uint8Array(lines.length);
  const sink = new TokenIdSink(vocabs, x, labels, blockRows);
  lines.forEach((line, i) => {
    const bytes = Buffer.from(line, 'latin1');
    tokenizeCriteoLine(bytes, 0, bytes.length, i + 1, 'test.txt', sink);
  });
  sink.finish();
  expect(sink.row).toBe(lines.length);
  const dims = Int32Array.from(vocabs, (v) => v.finalize(minCount));
  remapToGlobalIds(x, vocabs, fieldOffsetsFrom(dims));
  return { x, labels, positives: sink.positives };
}

describe('TokenIdSink', () => {
  // Zipf hashes and integers, plus rows whose categorical fields are not hex (interned at once).
  const generated = Buffer.concat([...syntheticCriteoText({ rows: 700, seed: 8, integerValues: 100 })]).toString('latin1').trimEnd().split('\n');
  const odd = (c: string): string => ['1', '5', ...Array<string>(12).fill(''), ...Array<string>(26).fill(c)].join('\t');
  const lines = [...generated.slice(0, 300), odd('12345'), odd('news'), ...generated.slice(300), odd('news')];

  it('gives the same global ids whatever the block size (block boundaries inside and at the end)', () => {
    const oneRow = encode(lines, 1, 2); // every row's hex tokens interned before the next row
    expect(oneRow.positives).toBeGreaterThan(0);
    for (const blockRows of [7, 64, lines.length, lines.length + 5, 1 << 14]) {
      const got = encode(lines, blockRows, 2);
      expect(got.labels).toEqual(oneRow.labels);
      expect(got.x).toEqual(oneRow.x);
    }
  });

  it('rejects a block size that is not a positive integer', () => {
    expect(() => new TokenIdSink([new FieldVocab()], new Int32Array(1), new Uint8Array(1), 0)).toThrow(/blockRows/);
  });
});
