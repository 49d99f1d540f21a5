import { describe, expect, it } from 'vitest';
import { AVAZU_COLUMNS, DataFormatError } from '../src/index.js';
import { readAvazu } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();
const HEADER = 'id,click,hour,C1,site_id';
const ROWS = ['1,0,14102100,1005,1fbe01fe', '2,1,14102100,1005,1fbe01fe', '3,0,14102523,1002,85f751fd', '4,1,14102523,1005,'];

describe('readAvazu on generated files', () => {
  const file = writeText(dir, 'train.csv', [HEADER, ...ROWS].join('\n') + '\n');

  it('drops id, takes click as label, min count 2 -> OOV', async () => {
    const { dataset, vocabs } = await readAvazu(file, { split: { kind: 'chronological' } });
    expect(dataset.fieldNames).toEqual(['hour', 'C1', 'site_id']);
    expect(Array.from(dataset.fieldDims)).toEqual([3, 2, 2]);
    expect(Array.from(dataset.fieldOffsets)).toEqual([0, 3, 5]);
    expect(Array.from(dataset.x)).toEqual([1, 4, 6, 1, 4, 6, 2, 3, 5, 2, 4, 5]);
    expect(Array.from(dataset.labels)).toEqual([0, 1, 0, 1]);
    expect(vocabs[0].tokens()).toEqual([null, '14102100', '14102523']);
    expect(vocabs[1].tokens()).toEqual([null, '1005']);
    expect(dataset.manifest.params).toMatchObject({ minCount: 2, expandHour: false });
  });

  it('expands hour into hour-of-day, weekday and is-weekend', async () => {
    const { dataset, vocabs } = await readAvazu(file, { expandHour: true });
    expect(dataset.fieldNames).toEqual(['hour_of_day', 'weekday', 'is_weekend', 'C1', 'site_id']);
    // 2014-10-21 is a Tuesday (2), 2014-10-25 a Saturday (6).
    expect(vocabs[0].tokens()).toEqual([null, '0', '23']);
    expect(vocabs[1].tokens()).toEqual([null, '2', '6']);
    expect(vocabs[2].tokens()).toEqual([null, '0', '1']);
    expect(Array.from(dataset.x.subarray(0, 5))).toEqual([1, 4, 7, 10, 12]);
  });

  it('continues with a headerless file using the first header\'s columns', async () => {
    const more = writeText(dir, 'more.csv', '5,1,14102100,1005,1fbe01fe\n');
    const { dataset } = await readAvazu([file, more]);
    expect(dataset.rows).toBe(5);
    expect(dataset.manifest.counts.positives).toBe(3);
    expect(dataset.manifest.sources.length).toBe(2);
    expect(AVAZU_COLUMNS.length).toBe(24);
  });

  it('names file, line and value for malformed input', async () => {
    const cases: [string, RegExp][] = [
      ['5,1,14102100,1005', /:3: expected 5 comma-separated fields, found 4/],
      ['5,2,14102100,1005,1fbe01fe', /:3: label \(click\) must be 0 or 1 \(value: "2"\)/],
    ];
    for (const [k, [bad, message]] of cases.entries()) {
      const path = writeText(dir, `bad${k}.csv`, `${HEADER}\n${ROWS[0]}\n${bad}\n`);
      const err = await readAvazu(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(message);
    }
    const badHour = writeText(dir, 'hour.csv', `${HEADER}\n1,0,14132100,1005,a\n`);
    await expect(readAvazu(badHour, { expandHour: true })).rejects.toThrow(/hour\.csv:2: hour must be YYMMDDHH \(value: "14132100"\)/);
    await expect(readAvazu(writeText(dir, 'noclick.csv', 'id,hour,C1\n1,2,3\n'))).rejects.toThrow(/no "click" column/);
    await expect(readAvazu(writeText(dir, 'empty.csv', ''))).rejects.toThrow(/empty\.csv:0: empty file/);
    await expect(readAvazu(writeText(dir, 'header-only.csv', `${HEADER}\n`))).rejects.toThrow(/header-only\.csv:0: no data rows/);
  });
});

describe('readAvazu on the shared avazu-sample', () => {
  const train = sharedFile('avazu-sample', 'train.csv');
  const rest = sharedFile('avazu-sample', 'test_noheader.csv');
  it.skipIf(!train.exists)('train.csv: 8,999 rows, 1,563 clicks, 22 fields', async () => {
    const { dataset } = await readAvazu(train.path);
    expect(dataset.rows).toBe(8999);
    expect(dataset.fields).toBe(22);
    expect(dataset.manifest.counts.positives).toBe(1563);
  });
  it.skipIf(!train.exists || !rest.exists)('with the headerless continuation: 9,999 rows, 24 fields with hour expanded', async () => {
    const { dataset } = await readAvazu([train.path, rest.path], { expandHour: true });
    expect(dataset.rows).toBe(9999);
    expect(dataset.fields).toBe(24);
    expect(dataset.manifest.counts.positives).toBe(1563 + 143);
  });
});
