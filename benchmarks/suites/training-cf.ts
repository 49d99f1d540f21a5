/**
 * CF training benchmark: lers' LightGCN (WASM SIMD, 1 and 2 threads) against the PyTorch peer
 * (benchmarks/peers/lightgcn.py, same protocol) on ../shared/datasets/lastfm-lightgcn, or on
 * generated data written in the same format when that folder is absent. Quick mode times 2 epochs;
 * full mode trains 40 epochs and ranks the test split (Recall@20 in both definitions, NDCG@20).
 *
 * Every run is a child process, so that its peak RSS and WASM memory are its own:
 * `tsx benchmarks/suites/training-cf.ts [--quick]` also runs the suite on its own and writes
 * benchmarks/results/training-cf[-quick].json.
 */
import { PEER_PROCESS, SECOND_CORE, type RatioCheck as Check } from '../lib/report.js';
import { PYTHON, torchAvailable } from '../peers/torch.js';
import { childPeakRssBytes, runJson } from '../lib/child.js';
import { pairedChild, pairedRows, spawnPaired } from '../lib/paired.js';
import { median } from '../lib/stats.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Row = Record<string, string | number>;

/** What one child run does. */
interface RunSpec {
  readonly threads: number;
  readonly epochs: number;
  readonly evaluate: boolean;
  /** Folder with train.txt / valid.txt / test.txt. */
  readonly data: string;
  readonly seed: number;
}

/** What one run reports (ours and the peer alike). */
interface RunResult {
  readonly impl: 'lers' | 'pytorch';
  readonly threads: number;
  readonly seed: number;
  readonly epochSeconds: readonly number[];
  readonly pairs: number;
  readonly maxRssBytes: number;
  readonly wasmBytes: number | null;
  readonly metrics: Readonly<Record<string, number>> | null;
  readonly finalLoss: number;
}

const CHILD_FLAG = '--lers-cf-child';
const PAIRED_FLAG = '--lers-cf-paired';
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

/** The thread comparison (lib/paired.ts): a LightGCN with 1 and with 2 threads, epochs in turns. */
interface PairedSpec {
  readonly data: string;
  readonly seed: number;
  readonly rounds: number;
}

/** `folder` when given (a LightGCN folder), else the lastfm folder, else generated data written as LightGCN text files (with the reason). */
async function benchData(folder?: string): Promise<{ dir: string; name: string; note: string }> {
  if (folder !== undefined) {
    if (!existsSync(join(folder, 'train.txt')) || !existsSync(join(folder, 'test.txt'))) throw new Error(`training-cf: ${folder} needs train.txt and test.txt`);
    return { dir: folder, name: basename(resolve(folder)), note: '' };
  }
  const lastfm = join(ROOT, '..', 'shared', 'datasets', 'lastfm-lightgcn');
  if (existsSync(join(lastfm, 'train.txt')) && existsSync(join(lastfm, 'test.txt'))) return { dir: lastfm, name: 'lastfm-lightgcn', note: '' };
  const { generateSyntheticCf } = await import('@lers/data');
  const { dataset } = generateSyntheticCf({ seed: 2023 });
  const dir = join(ROOT, 'benchmarks', 'results', 'tmp', 'synthetic-cf');
  mkdirSync(dir, { recursive: true });
  for (const split of ['train', 'valid', 'test'] as const) {
    const m = dataset[split];
    const lines: string[] = [];
    for (let u = 0; u < m.rows; u++) lines.push([u, ...m.indices.subarray(m.indptr[u], m.indptr[u + 1])].join(' '));
    writeFileSync(join(dir, `${split}.txt`), `${lines.join('\n')}\n`);
  }
  return { dir, name: 'synthetic-cf (3000 x 4000)', note: `${lastfm} is absent: generated data instead` };
}

async function runOurs(spec: RunSpec): Promise<RunResult> {
  const r = await runJson(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, JSON.stringify(spec)]);
  return r as unknown as RunResult;
}

async function runPeer(spec: RunSpec): Promise<RunResult> {
  const args = [join(ROOT, 'benchmarks', 'peers', 'lightgcn.py'), '--data', spec.data, '--epochs', String(spec.epochs), '--threads', String(spec.threads), '--seed', String(spec.seed)];
  if (!spec.evaluate) args.push('--no-eval');
  const r = await runJson(PYTHON, args);
  const metrics = spec.evaluate ? { 'recall@20': Number(r['recall@20']), 'recallT@20': Number(r['recallT@20']), 'ndcg@20': Number(r['ndcg@20']) } : null;
  return {
    impl: 'pytorch',
    threads: spec.threads,
    seed: spec.seed,
    epochSeconds: r.epoch_seconds as number[],
    pairs: Number(r.pairs),
    maxRssBytes: Number(r.max_rss_bytes),
    wasmBytes: null,
    metrics,
    finalLoss: Number(r.final_loss),
  };
}

/** The child side: one training run of ours, reported as one JSON line on stdout. */
async function childMain(spec: RunSpec): Promise<void> {
  const { createWasmBackend } = await import('@lers/kernels');
  const { readLightGcn } = await import('@lers/data/node');
  const { LightGcn, train } = await import('@lers/models');
  const valid = join(spec.data, 'valid.txt');
  const { dataset } = await readLightGcn({ train: join(spec.data, 'train.txt'), ...(existsSync(valid) ? { valid } : {}), test: join(spec.data, 'test.txt') });
  const be = await createWasmBackend({ threads: spec.threads });
  const model = LightGcn.create(be, dataset, { seed: spec.seed });
  const result = await train(
    model,
    { epochs: spec.epochs, seed: spec.seed, optimizer: { kind: 'adam', lr: 1e-3 }, validEvery: 0, test: spec.evaluate },
    {
      onEvent: (e) => {
        if (e.type === 'epoch-end') console.error(`lers ${spec.threads}t epoch ${e.record.epoch}: loss ${e.record.loss.toFixed(4)}, ${e.record.seconds.toFixed(2)} s`);
      },
    },
  );
  const out: RunResult = {
    impl: 'lers',
    threads: spec.threads,
    seed: spec.seed,
    epochSeconds: result.history.map((h) => h.seconds),
    pairs: result.history[0]?.samples ?? 0,
    maxRssBytes: childPeakRssBytes(),
    wasmBytes: be.memory.buffer.byteLength,
    metrics: result.test,
    finalLoss: result.history[result.history.length - 1]?.loss ?? NaN,
  };
  model.dispose();
  be.dispose();
  console.log(JSON.stringify(out));
}

/** The child side of the paired thread comparison (see PairedSpec). */
async function pairedChildMain(spec: PairedSpec): Promise<void> {
  const { createWasmBackend } = await import('@lers/kernels');
  const { readLightGcn } = await import('@lers/data/node');
  const { LightGcn, train } = await import('@lers/models');
  const { dataset } = await readLightGcn({ train: join(spec.data, 'train.txt'), test: join(spec.data, 'test.txt') });
  await pairedChild(async (threads) => {
    const be = await createWasmBackend({ threads });
    const model = LightGcn.create(be, dataset, { seed: spec.seed });
    return {
      epoch: async (seed) => (await train(model, { epochs: 1, seed, optimizer: { kind: 'adam', lr: 1e-3 }, validEvery: 0, test: false })).history[0].seconds,
      dispose: () => {
        model.dispose();
        be.dispose();
      },
    };
  }, spec.rounds, spec.seed, 'lers');
}

/** Median epoch time, the first epoch (JIT and allocator warm-up) left out when there are more. */
function epochTime(r: RunResult): number {
  return median(r.epochSeconds.length > 1 ? r.epochSeconds.slice(1) : r.epochSeconds);
}

function rowOf(dataName: string, r: RunResult): Row {
  const epoch = epochTime(r);
  const row: Row = {
    data: dataName,
    impl: r.impl === 'lers' ? 'lers (WASM SIMD)' : 'PyTorch (COO sparse.mm)',
    threads: r.threads,
    seed: r.seed,
    epochs: r.epochSeconds.length,
    'epoch s (median, epochs 2+)': Number(epoch.toFixed(3)),
    'samples/s': Math.round(r.pairs / epoch),
    'WASM MB': r.wasmBytes === null ? '' : Number((r.wasmBytes / 2 ** 20).toFixed(1)),
    'max RSS MB': Number((r.maxRssBytes / 2 ** 20).toFixed(1)),
    'final loss': Number(r.finalLoss.toFixed(4)),
  };
  if (r.metrics !== null) {
    row['Recall@20'] = Number(r.metrics['recall@20'].toFixed(4));
    row['RecallT@20'] = Number(r.metrics['recallT@20'].toFixed(4));
    row['NDCG@20'] = Number(r.metrics['ndcg@20'].toFixed(4));
  }
  return row;
}

/** Options of the suite; only `quick` is set by `pnpm bench`, the rest by the standalone run. */
export interface TrainingCfOptions {
  readonly quick: boolean;
  /** A LightGCN folder (default ../shared/datasets/lastfm-lightgcn, else generated data). */
  readonly data?: string;
  /** Default 2 (quick) or 40. */
  readonly epochs?: number;
  /** Default [1, 2]. */
  readonly threads?: readonly number[];
  /** Seeds of the runs (default [2023]); metrics are reported per run and as the mean over seeds. */
  readonly seeds?: readonly number[];
  /** Run the PyTorch peer when torch imports (default true). */
  readonly peer?: boolean;
  /**
   * Epochs of the peer (default: `epochs`, with test ranking, every seed). Fewer makes the peer a
   * timing-only run of the first seed (for data where a PyTorch epoch takes minutes).
   */
  readonly peerEpochs?: number;
  /** Rounds of the paired 1-vs-2-thread comparison (default 3 quick, 8 otherwise; 0 skips it). */
  readonly pairedRounds?: number;
}

/** The mean metrics of the runs of one implementation and thread count (null without metrics). */
function meanMetrics(runs: readonly RunResult[]): Record<string, number> | null {
  const withMetrics = runs.filter((r) => r.metrics !== null);
  if (withMetrics.length === 0) return null;
  const keys = ['recall@20', 'recallT@20', 'ndcg@20'];
  return Object.fromEntries(keys.map((k) => [k, withMetrics.reduce((a, r) => a + r.metrics![k], 0) / withMetrics.length]));
}

/** One row per (implementation, threads): mean metrics over its seeds and the median epoch time over its runs. */
function meanRows(dataName: string, results: readonly RunResult[]): Row[] {
  const rows: Row[] = [];
  for (const impl of ['lers', 'pytorch'] as const) {
    for (const threads of [...new Set(results.map((r) => r.threads))]) {
      const runs = results.filter((r) => r.impl === impl && r.threads === threads);
      if (runs.length === 0) continue;
      const m = meanMetrics(runs);
      const row: Row = {
        data: dataName,
        impl: impl === 'lers' ? 'lers (WASM SIMD)' : 'PyTorch (COO sparse.mm)',
        threads,
        seeds: runs.map((r) => r.seed).join(','),
        epochs: runs[0].epochSeconds.length,
        'epoch s (median of runs)': Number(median(runs.map(epochTime)).toFixed(3)),
      };
      if (m !== null) {
        row['mean Recall@20'] = Number(m['recall@20'].toFixed(4));
        row['mean RecallT@20'] = Number(m['recallT@20'].toFixed(4));
        row['mean NDCG@20'] = Number(m['ndcg@20'].toFixed(4));
      }
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Trains ours with 1 and 2 threads and the PyTorch peer (when `import torch` works) on the same
 * files: 2 epochs (timing only) in quick mode, 40 epochs plus test ranking otherwise; with several
 * seeds, every seed of both (or, with `peerEpochs`, a timing-only peer run).
 */
export async function runTrainingCfBench(opts: TrainingCfOptions): Promise<{ rows: Row[]; means: Row[]; paired: Row[]; tables: Record<string, Row[]>; checks: Check[] }> {
  const data = await benchData(opts.data);
  if (data.note) console.log(`training-cf: ${data.note}`);
  const epochs = opts.epochs ?? (opts.quick ? 2 : 40);
  const seeds = opts.seeds ?? [2023];
  const evaluate = !opts.quick;
  const peerEpochs = opts.peerEpochs ?? epochs;
  const peerAccuracy = peerEpochs === epochs;
  const withPeer = opts.peer !== false && torchAvailable();
  if (!withPeer) console.log(`training-cf: skipping the PyTorch peer (${opts.peer === false ? 'not asked for' : `${PYTHON} -c 'import torch' failed`})`);
  const results: RunResult[] = [];
  const done = (r: RunResult): void => {
    results.push(r);
    console.log(`training-cf: ${JSON.stringify(rowOf(data.name, r))}`);
  };
  // Interleaved, so that a change in machine load hits both sides alike.
  for (const [s, seed] of seeds.entries()) {
    for (const threads of opts.threads ?? [1, 2]) {
      done(await runOurs({ epochs, evaluate, data: data.dir, seed, threads }));
      if (withPeer && (peerAccuracy || s === 0)) done(await runPeer({ epochs: peerEpochs, evaluate: evaluate && peerAccuracy, data: data.dir, seed, threads }));
    }
  }
  const rows = results.map((r) => rowOf(data.name, r));
  const epochOf = (impl: RunResult['impl'], threads: number): number | null => {
    const runs = results.filter((x) => x.impl === impl && x.threads === threads);
    return runs.length === 0 ? null : median(runs.map(epochTime));
  };
  const checks: Check[] = [];
  const paired: Row[] = [];
  const rounds = opts.pairedRounds ?? (opts.quick ? 3 : 8);
  if (rounds > 0) {
    const spec: PairedSpec = { data: data.dir, seed: seeds[0], rounds };
    const { rows: roundRows, ratio } = pairedRows(await spawnPaired(fileURLToPath(import.meta.url), PAIRED_FLAG, spec));
    paired.push(...roundRows);
    checks.push({ name: 'lers epoch time, 1 thread / 2 threads (paired epochs, medians)', ratio, atLeast: 1.3, reportOnly: SECOND_CORE });
  }
  for (const t of [1, 2]) {
    const peer = epochOf('pytorch', t);
    const ours = epochOf('lers', t);
    if (peer !== null && ours !== null) checks.push({ name: `PyTorch / lers epoch time, ${t} thread${t > 1 ? 's' : ''}`, ratio: peer / ours, atLeast: 2, reportOnly: PEER_PROCESS });
  }
  if (evaluate && withPeer && peerAccuracy) {
    for (const t of [1, 2]) {
      const ours = meanMetrics(results.filter((x) => x.impl === 'lers' && x.threads === t));
      const peer = meanMetrics(results.filter((x) => x.impl === 'pytorch' && x.threads === t));
      if (ours && peer) {
        // Within 3% of PyTorch (means over the seeds): ours / peer >= 0.97.
        const over = seeds.length > 1 ? `mean of ${seeds.length} seeds, ` : '';
        checks.push({ name: `lers / PyTorch Recall@20, ${over}${t}t`, ratio: ours['recall@20'] / peer['recall@20'], atLeast: 0.97 });
        checks.push({ name: `lers / PyTorch NDCG@20, ${over}${t}t`, ratio: ours['ndcg@20'] / peer['ndcg@20'], atLeast: 0.97 });
      }
    }
  }
  const means = meanRows(data.name, results);
  return { rows, means, paired, tables: { 'means over seeds': means, '1 vs 2 threads, paired epochs (one process, turns)': paired }, checks };
}

/**
 * Standalone run, `training-cf.ts [--quick] [--data DIR] [--epochs N] [--threads 1,2] [--seeds a,b,c]
 * [--peer-epochs N] [--no-peer] [--paired-rounds N] [--name NAME] [--out DIR | --record]`: prints the
 * tables and writes NAME.json and .md (default training-cf[-quick]) into benchmarks/out/ (--record:
 * the committed benchmarks/results/).
 */
async function standalone(argv: readonly string[]): Promise<void> {
  const { machine, outputArgs, ratioRows, table, writeResult } = await import('../lib/report.js');
  const { dir, rest: args } = outputArgs(argv);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const list = (flag: string): number[] | undefined => value(flag)?.split(',').map(Number);
  const quick = args.includes('--quick');
  const epochs = value('--epochs');
  const peerEpochs = value('--peer-epochs');
  const threads = list('--threads');
  const seeds = list('--seeds');
  const data = value('--data');
  const started = performance.now();
  const result = await runTrainingCfBench({
    quick,
    ...(data !== undefined ? { data } : {}),
    ...(epochs !== undefined ? { epochs: Number(epochs) } : {}),
    ...(peerEpochs !== undefined ? { peerEpochs: Number(peerEpochs) } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(seeds !== undefined ? { seeds } : {}),
    peer: !args.includes('--no-peer'),
    ...(value('--paired-rounds') !== undefined ? { pairedRounds: Number(value('--paired-rounds')) } : {}),
  });
  const pairedText = result.paired.length > 0 ? `### 1 vs 2 threads, paired epochs (one process, turns)\n\n${table(result.paired)}\n\n` : '';
  const text = `## training-cf\n\n${table(result.rows)}\n\n### means over seeds\n\n${table(result.means)}\n\n${pairedText}### ratios\n\n${table(ratioRows(result.checks))}\n`;
  console.log(text);
  const name = value('--name') ?? `training-cf${quick ? '-quick' : ''}`;
  const file = writeResult(dir, `${name}.json`, { machine: await machine(), quick, args, rows: result.rows, means: result.means, paired: result.paired, checks: result.checks });
  writeFileSync(file.replace(/\.json$/, '.md'), `# ${name}\n\n\`tsx benchmarks/suites/training-cf.ts ${args.join(' ')}\`\n\n${text}`);
  console.log(`(training-cf: ${((performance.now() - started) / 1000).toFixed(1)} s, written to ${file})`);
}

const argv = process.argv.slice(2);
if (argv[0] === CHILD_FLAG) await childMain(JSON.parse(argv[1]) as RunSpec);
else if (argv[0] === PAIRED_FLAG) await pairedChildMain(JSON.parse(argv[1]) as PairedSpec);
else if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await standalone(argv);
