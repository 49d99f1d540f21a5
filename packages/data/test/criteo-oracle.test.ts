import { describe, expect, it } from 'vitest';
import { CRITEO_FIELD_NAMES, criteoIntegerToken, syntheticCriteoText } from '../src/index.js';
import { readCriteo } from '../src/node/index.js';
import { tempDir, writeText } from './helpers.js';

const dir = tempDir();

/** A typed token as the oracle sees it: kind rank (empty, int, hex, str) and key. */
interface Token {
  kind: number;
  key: number | string;
}

function tokenOf(text: string, integerField: boolean): Token {
  if (text === '') return { kind: 0, key: 0 };
  if (integerField) return { kind: 1, key: criteoIntegerToken(Number(text)) };
  if (/^[0-9a-fA-F]{8}$/.test(text)) return { kind: 2, key: parseInt(text, 16) };
  if (/^(0|[1-9][0-9]{0,8})$/.test(text)) return { kind: 1, key: Number(text) };
  return { kind: 3, key: text };
}

/**
 * The Criteo encoding written plainly (string splits, Maps, one sort per field), independent of the
 * reader's byte parsing, typed tables and dense-id remap: global ids, labels, field dims, OOV count.
 */
function oracle(text: string, minCount: number): { x: Int32Array; labels: Uint8Array; fieldDims: number[]; oov: number } {
  const lines = text.split('\n').filter((l) => l !== '');
  const fields = CRITEO_FIELD_NAMES.length;
  const tokens = lines.map((l) => l.split('\t').slice(1).map((t, f) => tokenOf(t, f < 13)));
  const name = (t: Token): string => `${t.kind}:${t.key}`;
  const fieldDims: number[] = [];
  const indexOf: Map<string, number>[] = [];
  for (let f = 0; f < fields; f++) {
    const counts = new Map<string, { t: Token; n: number }>();
    for (const row of tokens) {
      const e = counts.get(name(row[f]));
      if (e) e.n++;
      else counts.set(name(row[f]), { t: row[f], n: 1 });
    }
    const kept = [...counts.values()].filter((e) => e.n >= minCount);
    kept.sort((a, b) => b.n - a.n || a.t.kind - b.t.kind || (a.t.key < b.t.key ? -1 : a.t.key > b.t.key ? 1 : 0));
    indexOf.push(new Map(kept.map((e, i) => [name(e.t), i + 1])));
    fieldDims.push(kept.length + 1);
  }
  const offsets = fieldDims.map((_, f) => fieldDims.slice(0, f).reduce((a, b) => a + b, 0));
  const x = new Int32Array(lines.length * fields);
  let oov = 0;
  tokens.forEach((row, r) => {
    row.forEach((t, f) => {
      const index = indexOf[f].get(name(t)) ?? 0;
      if (index === 0) oov++;
      x[r * fields + f] = offsets[f] + index;
    });
  });
  return { x, labels: Uint8Array.from(lines, (l) => (l[0] === '1' ? 1 : 0)), fieldDims, oov };
}

describe('readCriteo against a plain re-implementation', () => {
  // Generated rows (Zipf hex hashes, integers, empties) plus rows with every other token kind:
  // upper-case hex, decimal and text categories, large and negative integers, a CRLF ending.
  const generated = Buffer.concat([...syntheticCriteoText({ rows: 4000, seed: 5, integerValues: 300 })]).toString('latin1');
  const odd = (label: string, i1: string, c: string): string => [label, i1, ...Array<string>(12).fill('7'), ...Array<string>(26).fill(c)].join('\t');
  const extra = [odd('1', '123456789012', 'ABCDEF01'), odd('0', '-4', '12345'), odd('0', '', 'news'), odd('1', '0', '0abc'), odd('0', '3', 'ABCDEF01'), `${odd('1', '5', '12345')}\r`, odd('0', '9', 'news')];
  const text = `${generated}${extra.join('\n')}\n`;
  const file = writeText(dir, 'oracle.txt', text);

  for (const minCount of [1, 3, 10]) {
    it(`gives the same global ids, labels and dims (minCount ${minCount})`, async () => {
      const want = oracle(text.replace(/\r/g, ''), minCount);
      const { dataset } = await readCriteo(file, { minCount, split: { kind: 'chronological' } });
      expect(dataset.rows).toBe(4000 + extra.length);
      expect(Array.from(dataset.fieldDims)).toEqual(want.fieldDims);
      expect(dataset.labels).toEqual(want.labels);
      expect(dataset.x).toEqual(want.x);
      expect(dataset.manifest.counts.oovTokens).toBe(want.oov);
    });
  }
});
