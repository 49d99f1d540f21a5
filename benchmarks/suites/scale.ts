/**
 * Scale (issue 19): the Criteo reader on a generated Criteo-shaped file at two row counts (full:
 * 1M and 5M rows, about 1.3 GB; --quick: 100k and 600k), and full-ranking evaluation at two user
 * counts (full: 10k and 100k users x 1M items x d 64; --quick: 2k and 8k users x 100k items), each
 * run in its own child process. Targets: the reader at >= 100 MB/s with peak RSS flat in the row
 * count beyond the per-row arrays; ranking in memory bounded by the shapes (one block of scores at
 * a time), flat in the user count beyond the per-user arrays. Every row carries the 1-minute load
 * average when it started (the VM's 2 cores are shared).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CRITEO_CARDINALITIES, writeSyntheticCriteo } from '@lers/data/node';
import type { RatioCheck, Row } from '../lib/report.js';
import { runReaderChild, type ReaderRun } from './scale-reader.js';
import { runRankingChild, type RankingRun, type RankingShape } from './scale-ranking.js';

/** Why the reader's speed only reports. */
const ABSOLUTE_RATE = 'an absolute rate: it follows the shared VM\'s load (no peer in the same run to divide by); the CPU-time rate is in the table';

const MIB = 1048576;
/**
 * Full: Criteo-like cardinalities (`DEFAULT_CRITEO_CARDINALITIES`, up to 20k values per field), whose
 * vocabularies stop growing by 1M rows. Quick: at most 1000 values per field, so that the vocabularies
 * are complete by 100k rows too and the memory comparison sees the reader, not a growing vocabulary
 * (its speed is then flattered by small tables: compare speed on the full shape).
 */
const READER = {
  quick: { rows: [100_000, 600_000], cardinalities: DEFAULT_CRITEO_CARDINALITIES.map((c) => Math.min(c, 1000)) },
  full: { rows: [1_000_000, 5_000_000], cardinalities: DEFAULT_CRITEO_CARDINALITIES },
};
const RANKING: { quick: RankingShape[]; full: RankingShape[] } = {
  quick: [2_000, 8_000].map((users) => ({ users, items: 100_000, dim: 64, block: 32, threads: 2 })),
  full: [10_000, 100_000].map((users) => ({ users, items: 1_000_000, dim: 64, block: 32, threads: 2 })),
};

/** The current 1-minute load average, rounded. */
function load(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

async function readerRuns(spec: { rows: readonly number[]; cardinalities: readonly number[] }): Promise<{ rows: Row[]; runs: ReaderRun[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lers-bench-scale-'));
  const rows: Row[] = [];
  const runs: ReaderRun[] = [];
  try {
    for (const n of spec.rows) {
      const path = join(dir, `criteo-${n}.txt`);
      await writeSyntheticCriteo(path, { rows: n, seed: 2023, cardinalities: spec.cardinalities });
      const loadBefore = load();
      const r = await runReaderChild(path);
      rmSync(path);
      runs.push(r);
      const overhead = r.peakRssBytes - r.baseRssBytes - r.rowArrayBytes;
      rows.push({
        group: 'reader',
        case: `readCriteo (count pass + parse pass), up to ${Math.max(...spec.cardinalities)} values per field`,
        rows: r.rows,
        MB: r.bytes / 1e6,
        s: r.seconds,
        'MB/s': r.bytes / 1e6 / r.seconds,
        'MB/s of CPU time': r.bytes / 1e6 / r.cpuSeconds,
        'base RSS MiB': r.baseRssBytes / MIB,
        'peak RSS MiB': r.peakRssBytes / MIB,
        'row arrays MiB': r.rowArrayBytes / MIB,
        'peak - base - row arrays MiB': overhead / MIB,
        'distinct tokens': r.distinctTokens,
        load: loadBefore,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, runs };
}

async function rankingRuns(shapes: readonly RankingShape[]): Promise<{ rows: Row[]; runs: RankingRun[] }> {
  const rows: Row[] = [];
  const runs: RankingRun[] = [];
  for (const shape of shapes) {
    const loadBefore = load();
    const r = await runRankingChild(shape);
    runs.push(r);
    const held = r.peakRssBytes - r.baseRssBytes;
    rows.push({
      group: 'ranking',
      case: `${shape.users} users x ${shape.items} items x d ${shape.dim}, blocks of ${shape.block}, ${shape.threads} threads`,
      s: r.seconds,
      'ms per 1k users': (1000 * r.seconds * 1000) / shape.users,
      'base RSS MiB': r.baseRssBytes / MIB,
      'peak RSS MiB': r.peakRssBytes / MIB,
      'bound MiB': r.boundBytes / MIB,
      'peak - base MiB': held / MIB,
      'peak - base - per-user MiB': (held - r.perUserBytes) / MIB,
      'users evaluated': r.usersEvaluated,
      load: loadBefore,
    });
  }
  return { rows, runs };
}

/** Runs the scale suite. */
export async function runScaleBench(opts: { quick: boolean }): Promise<{ rows: Row[]; checks: RatioCheck[] }> {
  const reader = await readerRuns(opts.quick ? READER.quick : READER.full);
  const ranking = await rankingRuns(opts.quick ? RANKING.quick : RANKING.full);
  const [r0, r1] = reader.runs;
  const [k0, k1] = ranking.runs;
  const readerOverhead = (r: ReaderRun): number => r.peakRssBytes - r.baseRssBytes - r.rowArrayBytes;
  const rankingOverhead = (r: RankingRun): number => r.peakRssBytes - r.baseRssBytes - r.perUserBytes;
  const checks: RatioCheck[] = [
    { name: `reader >= 100 MB/s at ${r1.rows} rows (MB/s / 100)`, ratio: r1.bytes / 1e6 / r1.seconds / 100, atLeast: 1, reportOnly: ABSOLUTE_RATE },
    // Flat: what the reader needs beyond its per-row arrays may grow by at most a quarter of the extra
    // text (a reader keeping its lines would grow by all of it, twice as UTF-16 strings); growth at or
    // below 1 MiB counts as 1 MiB (the figure can even fall: Node reuses heap pages of its baseline).
    {
      name: `reader memory flat: 25% of the extra text / growth of (peak - base - row arrays), ${r0.rows} -> ${r1.rows} rows`,
      ratio: (0.25 * (r1.bytes - r0.bytes)) / Math.max(readerOverhead(r1) - readerOverhead(r0), MIB),
      atLeast: 1,
    },
    // Bounded: the child holds at most what the shapes bound (embeddings, one block, the CSRs), with
    // 32 MiB of room for Node's heap growth and the allocator's rounding (about 9 MiB seen).
    { name: `ranking memory bounded: (bound + 32 MiB) / (peak - base) at ${k1.shape.users} users`, ratio: (k1.boundBytes + 32 * MIB) / (k1.peakRssBytes - k1.baseRssBytes), atLeast: 1 },
    // Flat: beyond the per-user arrays, memory may grow by at most 1% of the score rows of the extra
    // users (what materialising the score matrix would add); growth at or below 1 MiB counts as 1 MiB
    // (Node's heap moves by a few MiB from run to run).
    {
      name: `ranking memory flat: 1% of the extra users' score rows / growth of (peak - base - per-user), ${k0.shape.users} -> ${k1.shape.users} users`,
      ratio: (0.01 * 4 * (k1.shape.users - k0.shape.users) * k1.shape.items) / Math.max(rankingOverhead(k1) - rankingOverhead(k0), MIB),
      atLeast: 1,
    },
  ];
  return { rows: [...reader.rows, ...ranking.rows], checks };
}
