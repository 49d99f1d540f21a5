/**
 * The Criteo reader at scale: `readCriteo` (parse + encode, both passes: the path `lers` takes) on a
 * generated Criteo-shaped file (`writeSyntheticCriteo`, seeded), in its own child process so that
 * its peak RSS is its own. Besides speed it reports what the read holds per row (x, labels, the
 * split's indices and the split's permutation scratch), so that peak RSS minus the baseline minus
 * those arrays shows what the reader itself needs: flat in the row count when it streams.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCriteo } from '@lers/data/node';
import { childPeakRssBytes, runJson } from '../lib/child.js';

const CHILD_FLAG = '--lers-scale-reader-child';
/** splitRows' scratch per row while the split is made: an Int32 permutation and a Uint8 membership. */
const SPLIT_SCRATCH_BYTES_PER_ROW = 5;

/** What the child measures. */
export interface ReaderRun {
  readonly rows: number;
  /** Text bytes read (once; both passes read them). */
  readonly bytes: number;
  readonly seconds: number;
  /** CPU seconds of the read (user + system): unlike wall time, it does not grow with other jobs. */
  readonly cpuSeconds: number;
  readonly baseRssBytes: number;
  readonly peakRssBytes: number;
  /** Bytes the result holds per row by construction: x, labels, split indices, split scratch. */
  readonly rowArrayBytes: number;
  readonly distinctTokens: number;
}

async function childMain(path: string): Promise<void> {
  const baseRssBytes = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { dataset, throughput } = await readCriteo(path);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const { train, valid, test } = dataset.split;
  const run: ReaderRun = {
    rows: dataset.rows,
    bytes: throughput.bytes,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    baseRssBytes,
    peakRssBytes: childPeakRssBytes(),
    rowArrayBytes: dataset.x.byteLength + dataset.labels.byteLength + train.byteLength + valid.byteLength + test.byteLength + SPLIT_SCRATCH_BYTES_PER_ROW * dataset.rows,
    distinctTokens: dataset.manifest.counts.distinctTokens ?? 0,
  };
  console.log(JSON.stringify(run));
}

/** Reads the Criteo file at `path` in a child process. */
export async function runReaderChild(path: string): Promise<ReaderRun> {
  return (await runJson(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, path])) as unknown as ReaderRun;
}

const argv = process.argv.slice(2);
if (argv[0] === CHILD_FLAG && process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await childMain(argv[1]);
