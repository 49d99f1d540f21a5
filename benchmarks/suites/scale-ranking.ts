/**
 * Full-ranking evaluation at scale: `users x items` scores at dimension `dim`, through the models'
 * FullRankingEvaluator (the path LightGCN's evaluate takes): users in blocks of `block`, each block's
 * `block x items` score matrix computed, masked (train items), cut to the top 20 and folded into the
 * metrics before the next block. Run in its own child process, so that its peak RSS is its own.
 * Embeddings are seeded random values and every user has 20 train and 10 test items drawn at random:
 * the cost of a full ranking does not depend on the values.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import type { CsrMatrix } from '@lers/data';
import { FullRankingEvaluator, uploadBinaryCsr } from '@lers/models';
import { childPeakRssBytes, runJson } from '../lib/child.js';

const CHILD_FLAG = '--lers-scale-ranking-child';
const TRAIN_PER_USER = 20;
const TEST_PER_USER = 10;
const KS = [20];

/** The shape of one full-ranking run. */
export interface RankingShape {
  readonly users: number;
  readonly items: number;
  readonly dim: number;
  /** Users per block (the eval batch size). */
  readonly block: number;
  readonly threads: number;
}

/** What the child measures. */
export interface RankingRun {
  readonly shape: RankingShape;
  /** Wall time of the evaluation (setup excluded). */
  readonly seconds: number;
  /** RSS once the backend (and its workers) started, before any buffer; the peak of the whole child. */
  readonly baseRssBytes: number;
  readonly peakRssBytes: number;
  /** What the shapes bound: embeddings, one block's scores and top-k, the CSRs (host and backend copies). */
  readonly boundBytes: number;
  /** The part of boundBytes that grows with the users (user embeddings, CSRs). */
  readonly perUserBytes: number;
  readonly ndcg20: number;
  readonly usersEvaluated: number;
}

/** `perUser` distinct random items for each user, as a CSR (rows sorted); no garbage per user. */
function randomCsr(users: number, items: number, perUser: number, rng: Rng): CsrMatrix {
  const indptr = new Int32Array(users + 1);
  const indices = new Int32Array(users * perUser);
  for (let u = 0; u < users; u++) {
    const row = indices.subarray(u * perUser, (u + 1) * perUser);
    for (let k = 0; k < perUser; k++) {
      let item: number;
      do item = rng.nextInt(items);
      while (row.subarray(0, k).includes(item));
      row[k] = item;
    }
    row.sort();
    indptr[u + 1] = (u + 1) * perUser;
  }
  return { rows: users, cols: items, indptr, indices };
}

/** Bytes the run holds by construction (beyond Node's own), from the shape alone. */
export function rankingBound(s: RankingShape): { boundBytes: number; perUserBytes: number } {
  const kTake = Math.min(Math.max(...KS), s.items);
  // Host CSR: indptr + indices; its backend copy adds f32 values of the same length.
  const csr = (perUser: number): number => 4 * (s.users + 1) * 2 + 4 * s.users * perUser * 3;
  const perUserBytes = 4 * s.users * s.dim + csr(TRAIN_PER_USER) + csr(TEST_PER_USER) + s.users;
  const blockBytes = 4 * s.block * (1 + s.dim + s.items + 2 * kTake);
  return { boundBytes: 4 * s.items * s.dim + blockBytes + perUserBytes, perUserBytes };
}

async function childMain(shape: RankingShape): Promise<void> {
  const be: HostBackend = await createWasmBackend({ threads: shape.threads });
  // The baseline: Node, the modules and the backend with its worker threads, before any buffer.
  const baseRssBytes = process.memoryUsage().rss;
  try {
    const rng = new Rng(17);
    const userEmb = be.alloc('f32', shape.users * shape.dim);
    const itemEmb = be.alloc('f32', shape.items * shape.dim);
    for (const buf of [userEmb, itemEmb]) {
      const v = be.view(buf);
      for (let i = 0; i < v.length; i++) v[i] = rng.nextFloat() - 0.5;
    }
    const train = randomCsr(shape.users, shape.items, TRAIN_PER_USER, rng);
    const test = randomCsr(shape.users, shape.items, TEST_PER_USER, rng);
    const mask = uploadBinaryCsr(be, train);
    const evaluator = new FullRankingEvaluator(be, shape.users, shape.items, shape.dim, KS, shape.block);
    const started = performance.now();
    const metrics = await evaluator.evaluate(userEmb, itemEmb, test, [mask]);
    const seconds = (performance.now() - started) / 1000;
    const run: RankingRun = {
      shape,
      seconds,
      baseRssBytes,
      peakRssBytes: childPeakRssBytes(),
      ...rankingBound(shape),
      ndcg20: metrics.ndcg[20],
      usersEvaluated: metrics.usersEvaluated,
    };
    console.log(JSON.stringify(run));
  } finally {
    be.dispose();
  }
}

/** Runs one full-ranking evaluation of `shape` in a child process. */
export async function runRankingChild(shape: RankingShape): Promise<RankingRun> {
  return (await runJson(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, JSON.stringify(shape)])) as unknown as RankingRun;
}

const argv = process.argv.slice(2);
if (argv[0] === CHILD_FLAG && process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await childMain(JSON.parse(argv[1]) as RankingShape);
