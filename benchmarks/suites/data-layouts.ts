/**
 * Reader throughput per file layout: one generated file of a few tens of MB per layout (the same
 * rows written in each CTR layout, the same interactions in each CF layout), read in this process
 * so the MB/s figures compare. MB is the text size; a CF read includes the id remap and the split,
 * a CTR read both passes.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@lers/kernels';
import { readCriteo, readCtrCsv, readMovieLens, readRecBole, readTriplets } from '@lers/data/node';

type Row = Record<string, string | number>;

/** Median-of-`repeats` timing after one warm-up (the suite's own helper). */
export type Timed = <T>(repeats: number, fn: () => Promise<T>) => Promise<{ ms: number; result: T }>;

/** Criteo-like rows: a label, 13 counts (10% empty) and 26 hashes (5% empty) with skewed values. */
function ctrRows(rows: number, rng: Rng): string[][] {
  const skew = (n: number): number => Math.floor(n * rng.nextFloat() ** 3);
  return Array.from({ length: rows }, () => [
    rng.nextFloat() < 0.25 ? '1' : '0',
    ...Array.from({ length: 13 }, () => (rng.nextFloat() < 0.1 ? '' : String(skew(2000)))),
    ...Array.from({ length: 26 }, (_, f) => (rng.nextFloat() < 0.05 ? '' : ((Math.imul(skew(20_000 * (1 + (f % 5))) + 1, 0x9e3779b1) ^ f) >>> 0).toString(16).padStart(8, '0'))),
  ]);
}

/** (user, item, rating, timestamp) with popular items and active users. */
function interactions(n: number, users: number, items: number, rng: Rng): [number, number, number, number][] {
  return Array.from({ length: n }, () => [
    Math.floor(users * rng.nextFloat() ** 2),
    Math.floor(items * rng.nextFloat() ** 3),
    1 + Math.floor(rng.nextFloat() * 10) / 2,
    1_500_000_000 + Math.floor(rng.nextFloat() * 1e8),
  ]);
}

function write(dir: string, name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Throughput rows of every layout's reader on generated files of about `targetMb` each. */
export async function runLayoutBench(dir: string, quick: boolean, timed: Timed): Promise<Row[]> {
  const repeats = quick ? 1 : 3;
  const rng = new Rng(2023);
  const ctrCount = quick ? 10_000 : 110_000; // ~3 MB / ~30 MB of Criteo-like text
  const cfCount = quick ? 100_000 : 1_000_000; // ~3 MB / ~30 MB of triplets
  const rows = ctrRows(ctrCount, rng);
  const header = ['label', ...Array.from({ length: 13 }, (_, k) => `I${k + 1}`), ...Array.from({ length: 26 }, (_, k) => `C${k + 1}`)];
  const inter = interactions(cfCount, cfCount / 20, cfCount / 10, rng);
  // A generic CTR file: a label, 5 fractional dense columns, 10 text categories, one ignored column.
  const genericHeader = ['clicked', ...Array.from({ length: 5 }, (_, k) => `f${k + 1}`), ...Array.from({ length: 10 }, (_, k) => `cat${k + 1}`), 'request_id'];
  const generic = rows.map((r, i) => [r[0], ...r.slice(1, 6).map((v) => (v === '' ? '' : (Number(v) / 7).toFixed(3))), ...r.slice(14, 24).map((v) => (v === '' ? '' : `v_${v.slice(0, 5)}`)), `req-${i}`]);

  const files = {
    criteo: write(dir, 'criteo.txt', rows.map((r) => r.join('\t'))),
    criteoCsv: write(dir, 'criteo_header.csv', [header.join(','), ...rows.map((r) => r.join(','))]),
    generic: write(dir, 'generic.csv', [genericHeader.join(','), ...generic.map((r) => r.join(','))]),
    movielens: write(dir, 'ratings.csv', ['userId,movieId,rating,timestamp', ...inter.map((t) => t.join(','))]),
    tripletsInt: write(dir, 'triplets-int.csv', ['userId,movieId,rating,timestamp', ...inter.map((t) => t.join(','))]),
    tripletsText: write(dir, 'triplets-text.tsv', inter.map(([u, i, r, t]) => `user_${u}\titem_${i}\t${r}\t${t}`)),
    recbole: write(dir, 'bench.inter', ['user_id:token\titem_id:token\trating:float\ttimestamp:float', ...inter.map(([u, i, r, t]) => `user_${u}\titem_${i}\t${r}\t${t}`)]),
  };
  const genericRoles = { label: 'clicked', dense: 'f1-f5', sparse: 'cat1-cat10', ignore: 'request_id' };
  const cases: { layout: string; reader: string; path: string; read: () => Promise<{ throughput: { rows: number } }> }[] = [
    { layout: 'Criteo TSV (reference)', reader: 'readCriteo', path: files.criteo, read: () => readCriteo(files.criteo) },
    { layout: 'CSV with Criteo header', reader: 'readCtrCsv', path: files.criteoCsv, read: () => readCtrCsv(files.criteoCsv) },
    { layout: 'CSV with declared roles (5 dense, 10 sparse, 1 ignored)', reader: 'readCtrCsv', path: files.generic, read: () => readCtrCsv(files.generic, genericRoles) },
    { layout: 'MovieLens ratings.csv (reference)', reader: 'readMovieLens', path: files.movielens, read: () => readMovieLens(files.movielens) },
    { layout: 'triplets, integer ids, comma, header', reader: 'readTriplets', path: files.tripletsInt, read: () => readTriplets(files.tripletsInt) },
    { layout: 'triplets, text ids, tab', reader: 'readTriplets', path: files.tripletsText, read: () => readTriplets(files.tripletsText) },
    { layout: 'RecBole .inter, token ids', reader: 'readRecBole', path: files.recbole, read: () => readRecBole(files.recbole) },
  ];
  const out: Row[] = [];
  for (const c of cases) {
    const { ms, result } = await timed(repeats, c.read);
    const mb = statSync(c.path).size / 1e6;
    out.push({ group: 'layouts', case: c.layout, source: c.reader, rows: result.throughput.rows, MB: mb, 'median ms': ms, 'MB/s': (mb * 1000) / ms, 'rows/s': (result.throughput.rows * 1000) / ms });
  }
  return out;
}
