/**
 * `pnpm verify:arm64`: the same CLI results on aarch64 as on x86-64. Runs `lers train` (a small
 * synthetic LightGCN and DeepFM model, fixed seed), `eval`, `recommend` and `predict` on this
 * machine and on aarch64 under QEMU user-mode emulation, with 1 thread and (when the emulator runs
 * WASM threads) 2 threads; with 1 thread also `compress` (PTQ row-wise int4, MagPrune + int8) and
 * each machine serving the other's models. Checks that model files and outputs are bit-identical. One line per comparison, then one summary line; exits 1 on any
 * difference or error. When QEMU, the arm64 libraries or the arm64 Node cannot be installed it
 * prints "skipped" with the reason and exits 0, or 1 with `--require` (CI).
 *
 * Usage: tsx arm64/verify.ts [--require] [--keep] [--threads 1,2]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@lers/kernels';
import { decodeModelFile } from '@lers/embeddings';
import { childCpuSeconds, runCaptured } from '../lib/child.js';
import { checkCliBuilt, emulatedArm64, HOST, lers, type CliMachine } from './cli.js';
import { modelDifference, outputDifference, withoutModelPath } from './compare.js';
import { ensureArm64Runtime, type Arm64Runtime } from './runtime.js';

const SEED = '7';
/** LightGCN on 400 users x 600 items, d 32, 2 epochs, with the contrastive term (its augmentation draws random numbers). */
const CF_TRAIN = ['train', '--data', 'synthetic-cf', '--data-option', 'users=400', '--data-option', 'items=600', '--dim', '32', '--epochs', '2', '--lr', '0.01', '--batch-size', '1024', '-o', 'cf.lers'];
/** DeepFM on 4,000 rows, DNN 64-64 with dropout and BatchNorm, 2 epochs. */
const CTR_TRAIN = ['train', '--data', 'synthetic-ctr', '--backbone', 'deepfm', '--data-option', 'rows=4000', '--hidden', '64,64', '--dropout', '0.2', '--epochs', '2', '--lr', '0.01', '--batch-size', '512', '-o', 'ctr.lers'];
/** Post-training compression of cf.lers (only with the first thread count): row-wise int4 codes, and pruning + int8 at a fixed k_min. */
const COMPRESS = [
  ['compress', 'cf.lers', '--method', 'ptq', '--target', '0.875', '--format', 'rowwise-int4', '-o', 'cf-ptq-int4.lers'],
  ['compress', 'cf.lers', '--method', 'magprune-int8', '--target', '0.8', '--kmin', '4', '-o', 'cf-magprune-int8.lers'],
];
const RECOMMEND_USERS = Array.from({ length: 32 }, (_, i) => i).join(',');
const PREDICT_ROWS = 256;

interface Args {
  readonly require: boolean;
  readonly keep: boolean;
  readonly threads: readonly number[];
}

function parseArgs(argv: readonly string[]): Args {
  let require = false;
  let keep = false;
  let threads = [1, 2];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--require') require = true;
    else if (a === '--keep') keep = true;
    else if (a === '--threads') threads = (argv[++i] ?? '').split(',').map(Number);
    else if (a !== '--') throw new Error(`unknown argument ${a}. Usage: tsx arm64/verify.ts [--require] [--keep] [--threads 1,2]`);
  }
  if (threads.length === 0 || threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--threads takes positive integers, comma separated');
  return { require, keep, threads };
}

/** Whether the emulated Node runs WASM threads: a shared WebAssembly.Memory written by a worker, seen through Atomics.wait. */
async function emulatedThreadsWork(rt: Arm64Runtime): Promise<string | null> {
  const probe = `
    const { Worker } = require('node:worker_threads');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const cells = new Int32Array(memory.buffer);
    const w = new Worker('const { workerData } = require("node:worker_threads"); const c = new Int32Array(workerData.buffer); Atomics.store(c, 0, 42); Atomics.notify(c, 0);', { eval: true, workerData: memory });
    const woke = Atomics.wait(cells, 0, 0, 20000);
    console.log(woke + ' ' + Atomics.load(cells, 0));
    void w.terminate();`;
  const r = await runCaptured(rt.qemu, [rt.node, '-e', probe]);
  const out = r.stdout.trim();
  return r.code === 0 && (out === 'ok 42' || out === 'not-equal 42') ? null : `the probe printed "${out}" (exit ${String(r.code)}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`;
}

/** Rows of local feature ids for `lers predict --ids local`, seeded, in the model's field ranges. */
function predictRows(ctrModel: string): string {
  const header = decodeModelFile(new Uint8Array(readFileSync(ctrModel)), ctrModel).header;
  const dims = header.dataset.fieldDims as number[];
  const rng = new Rng(Number(SEED), 0x61726d);
  const lines: string[] = [];
  for (let r = 0; r < PREDICT_ROWS; r++) lines.push(dims.map((d) => rng.nextInt(d)).join(' '));
  return `${lines.join('\n')}\n`;
}

/** The outputs compared: name -> text. */
type Outputs = Record<string, string>;

/** eval (CF, CTR), recommend and predict of the models `cf` and `ctr` (paths relative to `cwd`). */
async function queries(m: CliMachine, globals: readonly string[], cwd: string, cf: string, ctr: string, rows: string, log: (line: string) => void): Promise<Outputs> {
  const run = async (args: readonly string[]) => (await lers(m, [...globals, ...args], cwd, log)).stdout;
  return {
    'eval cf': withoutModelPath(await run(['eval', cf, '--json'])),
    'eval ctr': withoutModelPath(await run(['eval', ctr, '--json'])),
    recommend: withoutModelPath(await run(['recommend', cf, '--user', RECOMMEND_USERS, '-k', '20', '--json'])),
    predict: (await run(['predict', ctr, '--input', rows, '--format', 'ids', '--ids', 'local', '--json'])).trim(),
  };
}

interface Outcome {
  readonly label: string;
  readonly difference: string | null;
}

/** One thread count's run: the comparisons, the model folders by machine, the seconds spent emulated. */
interface ThreadsRun {
  readonly outcomes: Outcome[];
  readonly dirs: ReadonlyMap<CliMachine['name'], string>;
  readonly emulatedSeconds: number;
}

/**
 * Trains both models on both machines with `threads` threads and compares models and outputs; with
 * `cross` (done for one thread count), both machines also compress the CF model, and each serves
 * the other's models (the models are compared bit for bit anyway, so once shows that loading works
 * across machines).
 */
async function verifyThreads(host: CliMachine, arm: CliMachine, threads: number, cross: boolean, work: string, log: (line: string) => void): Promise<ThreadsRun> {
  const outcomes: Outcome[] = [];
  const check = (label: string, difference: string | null): void => {
    outcomes.push({ label: `threads ${threads}: ${label}`, difference });
  };
  const globals = ['--seed', SEED, '--threads', String(threads), '--quiet'];
  const dirs = new Map<CliMachine['name'], string>();
  let emulatedSeconds = 0;
  const onArm = async <T>(f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    emulatedSeconds += (performance.now() - t0) / 1000;
    return r;
  };
  for (const m of [host, arm]) {
    const dir = join(work, `t${threads}`, m.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(m.name, dir);
  }
  const x86Dir = dirs.get(host.name)!;
  const armDir = dirs.get(arm.name)!;
  log(`threads ${threads}: training on ${host.name}`);
  for (const train of [CF_TRAIN, CTR_TRAIN]) await lers(host, [...globals, ...train], x86Dir, log);
  log(`threads ${threads}: training on ${arm.name}`);
  await onArm(async () => {
    for (const train of [CF_TRAIN, CTR_TRAIN]) await lers(arm, [...globals, ...train], armDir, log);
  });
  const rows = join(work, `t${threads}`, 'predict-rows.txt');
  writeFileSync(rows, predictRows(join(x86Dir, 'ctr.lers')));
  log(`threads ${threads}: eval, recommend, predict on both machines${cross ? ", each also on the other's models" : ''}`);
  const own = await queries(host, globals, x86Dir, 'cf.lers', 'ctr.lers', rows, log);
  const armOwn = await onArm(() => queries(arm, globals, armDir, 'cf.lers', 'ctr.lers', rows, log));
  for (const model of ['cf.lers', 'ctr.lers']) check(`model ${model} trained on aarch64 vs x86-64`, modelDifference(join(armDir, model), join(x86Dir, model)));
  for (const q of Object.keys(own)) check(`${q}, aarch64 vs x86-64 (each its own models)`, outputDifference(armOwn[q], own[q]));
  if (cross) {
    for (const compress of COMPRESS) {
      await lers(host, [...globals, ...compress], x86Dir, log);
      await onArm(() => lers(arm, [...globals, ...compress], armDir, log));
      const model = compress[compress.length - 1];
      check(`model ${model} (lers ${compress.slice(0, 4).join(' ')} ...) on aarch64 vs x86-64`, modelDifference(join(armDir, model), join(x86Dir, model)));
    }
    const armOnX86 = await onArm(() => queries(arm, globals, armDir, join(x86Dir, 'cf.lers'), join(x86Dir, 'ctr.lers'), rows, log));
    const x86OnArm = await queries(host, globals, x86Dir, join(armDir, 'cf.lers'), join(armDir, 'ctr.lers'), rows, log);
    for (const q of Object.keys(own)) {
      check(`${q} of the x86-64 models on aarch64 vs on x86-64`, outputDifference(armOnX86[q], own[q]));
      check(`${q} of the aarch64 models on x86-64 vs the x86-64 models`, outputDifference(x86OnArm[q], own[q]));
    }
  }
  return { outcomes, dirs, emulatedSeconds };
}

async function main(): Promise<number> {
  const started = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string): void => {
    console.error(`verify:arm64: ${line}`);
  };
  const setup = await ensureArm64Runtime(log);
  if (!setup.ok) {
    console.log(`verify:arm64: skipped: ${setup.reason}${args.require ? ' (--require: counted as a failure)' : ''}`);
    return args.require ? 1 : 0;
  }
  checkCliBuilt();
  const rt = setup.runtime;
  const arm = emulatedArm64(rt);
  log(`x86-64: node ${process.version}; aarch64: node ${rt.nodeVersion} under ${rt.qemuVersion}`);
  let threads = args.threads;
  if (threads.some((t) => t > 1)) {
    const reason = await emulatedThreadsWork(rt);
    if (reason !== null) {
      console.log(`verify:arm64: more than 1 thread skipped: the emulator does not run WASM threads (${reason})`);
      threads = threads.filter((t) => t === 1);
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'lers-arm64-'));
  const outcomes: Outcome[] = [];
  let emulatedSeconds = 0;
  try {
    // The thread counts run side by side: the emulator runs each on its own host core(s).
    // allSettled: a failed run must not leave the other writing into a folder removed below.
    const settled = await Promise.allSettled(threads.map((t, i) => verifyThreads(HOST, arm, t, i === 0, work, log)));
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const runs = settled.map((r) => (r as PromiseFulfilledResult<ThreadsRun>).value);
    for (const run of runs) {
      outcomes.push(...run.outcomes);
      emulatedSeconds += run.emulatedSeconds;
    }
    // The pool computes every row the same way whatever the split: models match across thread counts too.
    for (const m of [HOST, arm]) {
      for (let i = 1; i < runs.length; i++) {
        for (const model of ['cf.lers', 'ctr.lers']) {
          const difference = modelDifference(join(runs[i].dirs.get(m.name)!, model), join(runs[0].dirs.get(m.name)!, model));
          outcomes.push({ label: `${m.name}: model ${model}, threads ${threads[i]} vs threads ${threads[0]}`, difference });
        }
      }
    }
  } catch (e) {
    outcomes.push({ label: 'a command failed', difference: e instanceof Error ? e.message : String(e) });
  } finally {
    if (args.keep) log(`outputs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  for (const o of outcomes) console.log(`${o.difference === null ? 'identical' : 'DIFFERENT'}  ${o.label}${o.difference === null ? '' : `: ${o.difference}`}`);
  const failed = outcomes.filter((o) => o.difference !== null).length;
  const wall = (performance.now() - started) / 1000;
  const cpu = childCpuSeconds();
  console.log(
    `verify:arm64: ${outcomes.length - failed} passed, ${failed} failed (${failed === 0 ? 'every comparison identical' : 'differences above'}); ` +
      `threads ${threads.join(',')}; aarch64 node ${rt.nodeVersion} under ${rt.qemuVersion.replace(/ \(.*$/, '')}, x86-64 node ${process.version}; ` +
      `${wall.toFixed(0)} s wall (${emulatedSeconds.toFixed(0)} s in emulated commands, summed over the thread counts run side by side), ${cpu === null ? '?' : cpu.toFixed(0)} s CPU in all commands`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
