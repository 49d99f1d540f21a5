import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModelFile, type ModelContents } from '@lers/embeddings';
import { modelDifference, outputDifference, withoutModelPath } from '../arm64/compare.js';

const dir = mkdtempSync(join(tmpdir(), 'lers-arm64-compare-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A small model file; `edit` changes its contents before it is written. */
function modelFile(name: string, edit: (c: { header: Record<string, unknown>; weight: Float32Array; indptr: Int32Array }) => void = () => undefined): string {
  const c = {
    header: {
      libraryVersion: 'lers test',
      createdAt: '2026-01-01T00:00:00.000Z',
      task: 'cf',
      backbone: 'lightgcn',
      method: { name: 'full', target: null, sizes: { params: 6 } },
      config: { seed: 7, epochs: 2 },
      dataset: { name: 'synthetic-cf' },
      metrics: { 'test.ndcg@20': 0.125 },
      extra: { bestEpoch: 2, trainSeconds: 1.5 },
    } as Record<string, unknown>,
    weight: Float32Array.from([0.5, -1, 2, 0, 3.25, -0]),
    indptr: Int32Array.from([0, 1, 3]),
  };
  edit(c);
  const contents = {
    header: c.header,
    tables: { user: { method: 'full', header: { rows: 2, dim: 3, name: 'user' }, sections: { weight: c.weight } } },
    dense: { 'graph.indptr': c.indptr },
  } as unknown as ModelContents;
  const path = join(dir, name);
  writeFileSync(path, encodeModelFile(contents));
  return path;
}

describe('modelDifference', () => {
  const base = modelFile('base.lers');

  it('ignores only the save time and the training wall time', () => {
    const other = modelFile('times.lers', (c) => {
      c.header.createdAt = '2027-06-30T12:00:00.000Z';
      c.header.extra = { bestEpoch: 2, trainSeconds: 99.25 };
    });
    expect(modelDifference(base, other)).toBeNull();
  });

  it('names the section, the count and the first element that differ (one bit is enough)', () => {
    const other = modelFile('weight.lers', (c) => {
      new Uint32Array(c.weight.buffer)[4] ^= 1;
    });
    expect(modelDifference(base, other)).toMatch(/^section user\/weight: 1 of 6 elements differ, first at \[4\]: 3\.25 vs 3\.25000\d+$/);
  });

  it('tells -0 from 0 (bytes are compared, not values)', () => {
    const other = modelFile('zero.lers', (c) => {
      c.weight[5] = 0;
    });
    expect(modelDifference(base, other)).toContain('section user/weight: 1 of 6 elements differ, first at [5]');
  });

  it('reports a dense section and any other header field that differs', () => {
    const other = modelFile('header.lers', (c) => {
      c.indptr[2] = 4;
      c.header.metrics = { 'test.ndcg@20': 0.25 };
      c.header.extra = { bestEpoch: 1, trainSeconds: 1.5 };
    });
    const d = modelDifference(base, other) ?? '';
    expect(d).toContain('header metrics.test.ndcg@20: 0.125 vs 0.25');
    expect(d).toContain('header extra.bestEpoch: 2 vs 1');
    expect(d).toContain('section dense/graph.indptr: 1 of 3 elements differ, first at [2]: 3 vs 4');
  });
});

describe('outputs', () => {
  it('withoutModelPath drops the echoed model path and keeps everything else', () => {
    const a = withoutModelPath('{"model": "/tmp/a/cf.lers", "k": 5, "users": [{"user": 3, "scores": [0.1, 0.2]}]}');
    const b = withoutModelPath('{"model": "cf.lers", "k": 5, "users": [{"user": 3, "scores": [0.1, 0.2]}]}');
    expect(a).toBe(b);
    expect(a).not.toContain('model');
    expect(outputDifference(a, withoutModelPath('{"model": "x", "k": 5, "users": [{"user": 3, "scores": [0.1, 0.20000000000000004]}]}'))).toMatch(/^line \d+: .*0\.2.* vs .*0\.20000000000000004/);
  });

  it('outputDifference is null only for identical text', () => {
    expect(outputDifference('{"row":0,"p":0.5}\n{"row":1,"p":0.25}', '{"row":0,"p":0.5}\n{"row":1,"p":0.25}')).toBeNull();
    expect(outputDifference('{"row":0,"p":0.5}\n{"row":1,"p":0.25}', '{"row":0,"p":0.5}\n{"row":1,"p":0.2500001}')).toBe('line 2: "{\\"row\\":1,\\"p\\":0.25}" vs "{\\"row\\":1,\\"p\\":0.2500001}"');
  });
});
