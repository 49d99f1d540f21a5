import { describe, expect, it } from 'vitest';
import { EvalArgumentError, formatTable, toCsv } from '../src/index.js';

describe('formatTable', () => {
  it('aligns columns, right-aligns numbers, escapes pipes and bolds the best', () => {
    const md = formatTable(
      [
        { method: 'Full', recall: 0.18301, n: 3 },
        { method: 'QR|2', recall: 0.2, n: 10 },
      ],
      { best: { recall: 'higher' } },
    );
    expect(md).toBe(
      [
        '| method |     recall |   n |',
        '| ------ | ---------: | --: |',
        '| Full   |     0.1830 |   3 |',
        '| QR\\|2  | **0.2000** |  10 |',
        '',
      ].join('\n'),
    );
  });

  it('marks the best per group with a star, ties all marked, NaN and missing cells ignored', () => {
    const rows = [
      { dataset: 'gowalla', method: 'PEP', logloss: 0.5 },
      { dataset: 'gowalla', method: 'QR', logloss: 0.4 },
      { dataset: 'yelp', method: 'PEP', logloss: 0.3 },
      { dataset: 'yelp', method: 'QR', logloss: 0.3 },
      { dataset: 'yelp', method: 'DHE', logloss: NaN },
      { dataset: 'yelp', method: 'TT', logloss: null },
      { dataset: 'yelp', method: 'MP' },
    ];
    const md = formatTable(rows, { best: { logloss: 'lower' }, mark: 'star', groupBy: 'dataset', digits: 2 });
    expect(md.split('\n')).toEqual([
      '| dataset | method | logloss |',
      '| ------- | ------ | ------: |',
      '| gowalla | PEP    |    0.50 |',
      '| gowalla | QR     |   0.40* |',
      '| yelp    | PEP    |   0.30* |',
      '| yelp    | QR     |   0.30* |',
      '| yelp    | DHE    |     NaN |',
      '| yelp    | TT     |         |',
      '| yelp    | MP     |         |',
      '',
    ]);
    // without grouping only the global best (0.3, twice) is marked
    const flat = formatTable(rows, { best: { logloss: 'lower' }, mark: 'star', digits: 2 });
    expect(flat.match(/\*/g)?.length).toBe(2);
    expect(flat).toContain('|    0.40 |');
  });

  it('compares raw values (not rounded), uses per-column digits and the given column order', () => {
    const md = formatTable(
      [
        { m: 'a', auc: 0.80014, t: 1.5 },
        { m: 'b', auc: 0.80006, t: 2.25 },
      ],
      { columns: ['auc', 'm'], digits: { auc: 3 }, best: { auc: 'higher' } },
    );
    expect(md.split('\n')).toEqual(['|       auc | m   |', '| --------: | --- |', '| **0.800** | a   |', '|     0.800 | b   |', '']);
  });

  it('mixed columns are left-aligned text; no columns is an error', () => {
    const md = formatTable([{ x: 1 }, { x: 'two' }]);
    expect(md.split('\n')).toEqual(['| x   |', '| --- |', '| 1   |', '| two |', '']);
    expect(() => formatTable([])).toThrow(EvalArgumentError);
  });
});

describe('toCsv', () => {
  it('quotes commas, quotes, line breaks and edge spaces; keeps full precision', () => {
    const csv = toCsv([
      { a: 'x,y', b: 0.1 + 0.2 },
      { a: 'say "hi"', c: 'multi\nline' },
      { a: ' pad', b: NaN, c: null },
    ]);
    expect(csv).toBe('a,b,c\n"x,y",0.30000000000000004,\n"say ""hi""",,"multi\nline"\n" pad",NaN,\n');
  });

  it('honours columns and eol', () => {
    expect(toCsv([{ a: 1, b: 2 }], { columns: ['b', 'a'], eol: '\r\n' })).toBe('b,a\r\n2,1\r\n');
    expect(() => toCsv([])).toThrow(EvalArgumentError);
  });
});
