/**
 * Paired timing of 1 vs 2 threads: one child process holds a model per thread count and runs
 * their epochs in turns (a discarded warm-up epoch each, then the order reversed every round), so
 * that both sides of the ratio run under the same machine load. Separate runs minutes apart
 * differed by up to 1.5x on the shared 2-core VM, more than the effect measured.
 */
import { runJson } from './child.js';
import { probeColumns, probeCores, type CoreProbe } from './core-sharing.js';
import { median } from './stats.js';

/** A table row (as the suites' own: strings and numbers). */
type Row = Record<string, string | number>;

/** One side of the comparison: its thread count and how to train it for one epoch (seconds). */
export interface PairedSide {
  readonly threads: number;
  readonly epoch: (seed: number) => Promise<number>;
}

/** Epoch seconds per thread count (keys are the thread counts), one per round. */
export type PairedSeconds = Record<string, number[]>;

/** The paired epochs and, per round, the core probe taken just before it (null where it cannot run). */
export interface PairedTimes {
  readonly seconds: PairedSeconds;
  readonly probes: readonly (CoreProbe | null)[];
}

/** One side as the child builds it: an epoch of training (seconds) and its clean-up. */
export interface PairedModel {
  readonly epoch: (seed: number) => Promise<number>;
  readonly dispose: () => void;
}

/**
 * The child side of a suite's paired mode: opens a model with 1 and with 2 threads, runs `rounds`
 * rounds, disposes them and prints `{ seconds, probes }` as its last stdout line (read by spawnPaired).
 */
export async function pairedChild(open: (threads: number) => Promise<PairedModel>, rounds: number, seed: number, label: string): Promise<void> {
  const models = await Promise.all([1, 2].map(async (threads) => ({ threads, model: await open(threads) })));
  const sides = models.map(({ threads, model }) => ({ threads, epoch: model.epoch }));
  const times = await pairedEpochs(sides, rounds, seed, (line) => { console.error(`${label} ${line}`); });
  for (const { model } of models) model.dispose();
  console.log(JSON.stringify(times));
}

/** Runs `script flag spec` (a suite in its paired mode, under this Node and its flags) and returns its epoch times. */
export async function spawnPaired(script: string, flag: string, spec: unknown): Promise<PairedTimes> {
  const r = await runJson(process.execPath, [...process.execArgv, script, flag, JSON.stringify(spec)]);
  return { seconds: r.seconds as PairedSeconds, probes: r.probes as (CoreProbe | null)[] };
}

/**
 * Runs `rounds` rounds of one epoch per side in turns, each after a core probe (core-sharing.ts:
 * the placement of our two CPUs changes within minutes and bounds what 2 threads can gain);
 * `log` gets a line per round.
 */
export async function pairedEpochs(sides: readonly PairedSide[], rounds: number, seed: number, log: (line: string) => void): Promise<PairedTimes> {
  for (const side of sides) await side.epoch(seed);
  const seconds = sides.map(() => [] as number[]);
  const probes: (CoreProbe | null)[] = [];
  for (let round = 0; round < rounds; round++) {
    probes.push(await probeCores());
    const order = round % 2 === 0 ? sides.map((_, i) => i) : sides.map((_, i) => sides.length - 1 - i);
    for (const i of order) seconds[i].push(await sides[i].epoch(seed + 1 + round));
    log(`paired round ${round + 1}: ${sides.map((s, i) => `${s.threads}t ${seconds[i][round].toFixed(3)} s`).join(', ')}`);
  }
  return { seconds: Object.fromEntries(sides.map((s, i) => [String(s.threads), seconds[i]])), probes };
}

/**
 * A row per round (with the core probe taken before it) and a median row (extra columns first),
 * and the ratio of the 1- and 2-thread medians.
 */
export function pairedRows(times: PairedTimes, extra: Row = {}): { rows: Row[]; ratio: number } {
  const one = times.seconds['1'];
  const two = times.seconds['2'];
  const rows: Row[] = one.map((s1, i) => ({ ...extra, round: String(i + 1), '1 thread s': Number(s1.toFixed(3)), '2 threads s': Number(two[i].toFixed(3)), ratio: Number((s1 / two[i]).toFixed(2)), ...probeColumns(times.probes[i] ?? null) }));
  const ratio = median(one) / median(two);
  rows.push({ ...extra, round: 'median', '1 thread s': Number(median(one).toFixed(3)), '2 threads s': Number(median(two).toFixed(3)), ratio: Number(ratio.toFixed(2)) });
  return { rows, ratio };
}
