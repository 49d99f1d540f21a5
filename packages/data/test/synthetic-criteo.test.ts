import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITEO_CARDINALITIES, syntheticCriteoHash, syntheticCriteoText } from '../src/index.js';
import { readCriteo, writeSyntheticCriteo } from '../src/node/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

function text(options: Parameters<typeof syntheticCriteoText>[0]): string {
  return Buffer.concat([...syntheticCriteoText(options)]).toString('latin1');
}

describe('syntheticCriteoText', () => {
  it('is a function of the seed, whatever the chunk size', () => {
    const a = text({ rows: 500, seed: 3 });
    expect(text({ rows: 500, seed: 3, chunkBytes: 1000 })).toBe(a);
    expect(text({ rows: 500, seed: 4 })).not.toBe(a);
    expect(a.endsWith('\n')).toBe(true);
    expect(a.split('\n')).toHaveLength(501);
  });

  it('writes Criteo lines: a 0/1 label, 13 integers in range, 26 known hashes, some fields empty', () => {
    const lines = text({ rows: 3000, seed: 1, integerValues: 50 }).trimEnd().split('\n');
    let positives = 0;
    let emptyInts = 0;
    let emptyCats = 0;
    const hashes = DEFAULT_CRITEO_CARDINALITIES.map((c, f) => new Set(Array.from({ length: c }, (_, v) => syntheticCriteoHash(f, v + 1).toString(16).padStart(8, '0'))));
    for (const line of lines) {
      const cols = line.split('\t');
      expect(cols).toHaveLength(40);
      expect(['0', '1']).toContain(cols[0]);
      positives += cols[0] === '1' ? 1 : 0;
      for (const v of cols.slice(1, 14)) {
        if (v === '') emptyInts++;
        else expect(Number(v) >= 0 && Number(v) < 50 && String(Number(v)) === v).toBe(true);
      }
      cols.slice(14).forEach((v, f) => {
        if (v === '') emptyCats++;
        else expect(hashes[f].has(v)).toBe(true);
      });
    }
    expect(positives / lines.length).toBeGreaterThan(0.15);
    expect(positives / lines.length).toBeLessThan(0.4);
    expect(emptyInts / (13 * lines.length)).toBeCloseTo(0.1, 1);
    expect(emptyCats / (26 * lines.length)).toBeCloseTo(0.05, 1);
  });

  it('hashes are one-to-one within a field', () => {
    for (const f of [0, 25]) {
      const seen = new Set(Array.from({ length: 100_000 }, (_, v) => syntheticCriteoHash(f, v + 1)));
      expect(seen.size).toBe(100_000);
    }
  });
});

describe('writeSyntheticCriteo', () => {
  it('writes the generated text to a file that readCriteo reads', async () => {
    const path = join(dir, 'synthetic-criteo.txt');
    const written = await writeSyntheticCriteo(path, { rows: 2000, seed: 9 });
    const bytes = readFileSync(path);
    expect(written).toEqual({ rows: 2000, bytes: bytes.length });
    expect(bytes.toString('latin1')).toBe(text({ rows: 2000, seed: 9 }));
    const { dataset } = await readCriteo(path, { minCount: 1 });
    expect(dataset.rows).toBe(2000);
    expect(dataset.fields).toBe(39);
  });
});
