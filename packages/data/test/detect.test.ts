import { describe, expect, it } from 'vitest';
import { FormatDetectionError } from '../src/index.js';
import { detectDataFormat } from '../src/node/index.js';
import { sharedFile, tempDir, writeText } from './helpers.js';

const dir = tempDir();
const CRITEO_HEADER = ['label', ...Array.from({ length: 13 }, (_, k) => `I${k + 1}`), ...Array.from({ length: 26 }, (_, k) => `C${k + 1}`)];
const criteoLine = (sep: string, label: string): string => [label, '', ...Array<string>(12).fill('5'), ...Array<string>(26).fill('68fd1e64')].join(sep);
const AVAZU_HEADER = 'id,click,hour,C1,banner_pos,site_id,site_domain,site_category,app_id,app_domain,app_category,device_id,device_ip,device_model,device_type,device_conn_type,C14,C15,C16,C17,C18,C19,C20,C21';
const avazuLine = '1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79';

function detect(name: string, text: string, options = {}, gzip = false): string {
  return detectDataFormat([writeText(dir, name, text, gzip)], options).format;
}

function detectError(files: string[], options = {}): FormatDetectionError {
  try {
    detectDataFormat(files, options);
  } catch (err) {
    expect(err).toBeInstanceOf(FormatDetectionError);
    return err as FormatDetectionError;
  }
  throw new Error('expected a FormatDetectionError');
}

describe('detectDataFormat', () => {
  it('recognises each layout from its first lines and says why', () => {
    expect(detect('criteo_sample.txt', [CRITEO_HEADER.join(','), criteoLine(',', '0'), criteoLine(',', '1')].join('\n') + '\n')).toBe('ctr-csv');
    expect(detect('train.csv', [AVAZU_HEADER, avazuLine, avazuLine].join('\n') + '\n')).toBe('avazu');
    expect(detect('noheader.csv', [avazuLine, avazuLine].join('\n') + '\n')).toBe('avazu');
    expect(detect('day_0.txt', [criteoLine('\t', '1'), criteoLine('\t', '0')].join('\n') + '\n')).toBe('criteo');
    expect(detect('day_0.gz', [criteoLine('\t', '1'), criteoLine('\t', '0')].join('\n') + '\n', {}, true)).toBe('criteo');
    expect(detect('ml.inter', 'user_id:token\titem_id:token\trating:float\n1\t2\t3\n')).toBe('recbole');
    expect(detect('u.data', '1\t2\t3\t4\n')).toBe('movielens');
    expect(detect('ratings.csv', 'userId,movieId,rating,timestamp\n1,2,3.5,4\n')).toBe('movielens');
    expect(detect('pairs.txt', '1 2\n1 3\n')).toBe('triplets');
    expect(detect('ratings.tsv', 'alice\tbook\t4.5\t1000\nbob\tbook\t3\t1001\n')).toBe('triplets');
    expect(detect('ratings.csv', 'user_id,item_id,score\nalice,book,4.5\n')).toBe('triplets');
    expect(detect('roles.csv', 'clk,a,b\n1,x,y\n', { rolesGiven: true })).toBe('ctr-csv');
    expect(detect('model.lersdata', 'not read')).toBe('lersdata');
    expect(detect('colons.csv', 'u0,movie:0,1,1000\nu1,movie:2,3,1001\n')).toBe('triplets'); // not a RecBole header
    const a = writeText(dir, 'train.txt', '0 1 2 3\n1 2\n');
    const b = writeText(dir, 'test.txt', '0 4\n1 5\n');
    expect(detectDataFormat([a, b])).toEqual({ format: 'lightgcn', reason: 'LightGCN lines (user item item ...) in 2 files (train test)' });
    expect(detectDataFormat([writeText(dir, 'r.csv', 'user_id,item_id,score\nalice,book,4.5\n')]).reason).toBe('user item rating: comma-separated, 3 fields per line, a header');
  });

  it('an ambiguous file is an error listing the candidates and the flag that settles it', () => {
    const file = writeText(dir, 'log.csv', 'user_id,item_id,click\n7,10,1\n8,10,0\n');
    const err = detectError([file]);
    expect(err.ambiguous).toBe(true);
    expect(err.candidates.map((c) => c.format).sort()).toEqual(['ctr-csv', 'triplets']);
    expect(err.message).toContain('ambiguous format');
    expect(err.message).toMatch(/pass --format (ctr-csv|triplets) or --format (ctr-csv|triplets)$/);
    expect(detectError([file], { flag: '--data-option format=' }).message).toMatch(/--data-option format=triplets/);
  });

  it('a file that fits no layout is an error saying what it saw', () => {
    const lone = writeText(dir, 'lone.txt', '0 1 2 3\n1 2\n');
    expect(detectError([lone]).message).toMatch(/cannot tell the format: .*LightGCN files come as train \[valid\] test; pass --format <format>/);
    const noRoles = writeText(dir, 'features.csv', 'label,a,b\n1,x,y\n');
    const err = detectError([noRoles]);
    expect(err.ambiguous).toBe(false);
    expect(err.message).toMatch(/a header with a label column "label" .* but no column roles.*declare the roles/);
    expect(detectError([writeText(dir, 'odd.txt', 'a b c d e f\n')]).candidates).toEqual([]);
  });
});

describe('detectDataFormat on the shared samples', () => {
  for (const [parts, format] of [
    [['criteo-sample', 'train.txt'], 'criteo'],
    [['avazu-sample', 'train.csv'], 'avazu'],
    [['avazu-sample', 'test_noheader.csv'], 'avazu'],
    [['ml-100k', 'u.data'], 'movielens'],
    [['ml-latest-small', 'ratings.csv'], 'movielens'],
  ] as const) {
    const f = sharedFile(...parts);
    it.skipIf(!f.exists)(`${parts.join('/')} is ${format}`, () => {
      expect(detectDataFormat([f.path]).format).toBe(format);
    });
  }
  const train = sharedFile('ml-1m-lightgcn', 'train.txt');
  const test = sharedFile('ml-1m-lightgcn', 'test.txt');
  it.skipIf(!train.exists || !test.exists)('ml-1m-lightgcn train + test is lightgcn', () => {
    expect(detectDataFormat([train.path, test.path]).format).toBe('lightgcn');
  });
});
