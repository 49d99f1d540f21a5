/**
 * CTR training benchmark: lers' DeepFM and DCN-Mix (WASM SIMD, 1 and 2 threads) against the
 * PyTorch peer (benchmarks/peers/deepfm.py: the same models, settings and init schemes) on the
 * same encoded data, on ../shared/datasets/criteo-sample (when present: read by @lers/data's
 * Criteo reader with the protocol's preprocessing and random 80/10/10 split, seed 2023) and on
 * synthetic CTR data from @lers/data's planted-FM generator. Reported per run: training seconds
 * per epoch (median; validation excluded), samples/s, peak WASM memory and process max RSS, best
 * epoch by validation AUC, and test AUC / LogLoss at that epoch.
 *
 * Both sides train on identical inputs and start from identical weights: the parent encodes each
 * dataset once and writes it as .npy files (global ids, labels, split rows), and writes our model's
 * initial values (same init schemes as the peer's own) for the peer's --init; so the runs differ
 * only in shuffling, dropout masks and float rounding, and their test AUC before training must agree.
 * Every run is a child process, so its max RSS and WASM memory are its own.
 * `tsx benchmarks/suites/training-ctr.ts [--quick]` runs the suite on its own and writes
 * benchmarks/results/training-ctr[-quick].json.
 */
import { PEER_PROCESS, SECOND_CORE, type RatioCheck as Check } from '../lib/report.js';
import { blasName, peerEnv, PYTHON, torchAvailable } from '../peers/torch.js';
import { childPeakRssBytes, runJson } from '../lib/child.js';
import { pairedChild, pairedRows, spawnPaired } from '../lib/paired.js';
import { median } from '../lib/stats.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Row = Record<string, string | number>;
type ModelKind = 'deepfm' | 'dcn-mix';

/** The shared settings of both sides (the protocol's DeepFM / DCN-Mix defaults). */
interface Settings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly embedDim: number;
  readonly hidden: readonly number[];
  readonly dropout: number;
  /** Std of DeepFM's first-order weights (1: the reference code's nn.EmbeddingBag default). */
  readonly firstOrderStd: number;
  readonly crossLayers: number;
  readonly experts: number;
  readonly rank: number;
  readonly gate: 'identity' | 'softmax';
  readonly seed: number;
}

/** What one child run of ours does. */
interface RunSpec extends Settings {
  readonly model: ModelKind;
  readonly threads: number;
  /** Folder written by `exportDataset`. */
  readonly data: string;
  /** Folder written by `exportInit`: lers' initial values, which the peer starts from. */
  readonly init: string;
}

/** What one run reports (ours and the peer alike). */
interface RunResult {
  /** 'lers', or the peer's name with its torch version and BLAS. */
  readonly impl: string;
  readonly model: ModelKind;
  readonly threads: number;
  readonly epochSeconds: readonly number[];
  readonly samplesPerSec: number;
  readonly maxRssBytes: number;
  readonly wasmBytes: number | null;
  readonly bestEpoch: number;
  /** Test metrics before training (equal on both sides when they start from the same values). */
  readonly initAuc: number;
  readonly initLogLoss: number;
  readonly testAuc: number;
  readonly testLogLoss: number;
}

/** An encoded dataset as both sides read it. */
interface Encoded {
  readonly x: Int32Array;
  readonly labels: Uint8Array;
  readonly fields: number;
  readonly fieldDims: Int32Array;
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
}

const CHILD_FLAG = '--lers-ctr-child';
const PAIRED_FLAG = '--lers-ctr-paired';
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const TMP = join(ROOT, 'benchmarks', 'results', 'tmp');

// ---------- .npy files (the exchange format with the peer) ----------

/** Writes a little-endian .npy (format 1.0) of an int32, float32 or uint8 array with the given shape. */
function writeNpy(path: string, data: Int32Array | Float32Array | Uint8Array, shape: readonly number[]): void {
  const descr = data instanceof Int32Array ? '<i4' : data instanceof Float32Array ? '<f4' : '|u1';
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/** Reads back an array written by `writeNpy`. */
function readNpy(path: string): Int32Array | Uint8Array {
  const bytes = readFileSync(path);
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLen);
  const body = bytes.subarray(10 + headerLen);
  const copy = new Uint8Array(body.length);
  copy.set(body);
  return header.includes("'<i4'") ? new Int32Array(copy.buffer) : copy;
}

/** Writes the encoded dataset (x, y, split rows, meta.json) into `dir`. */
function exportDataset(dir: string, e: Encoded): void {
  mkdirSync(dir, { recursive: true });
  writeNpy(join(dir, 'x.npy'), e.x, [e.labels.length, e.fields]);
  writeNpy(join(dir, 'y.npy'), e.labels, [e.labels.length]);
  for (const split of ['train', 'valid', 'test'] as const) writeNpy(join(dir, `${split}.npy`), e[split], [e[split].length]);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ fields: e.fields, field_dims: Array.from(e.fieldDims), rows: e.labels.length }));
}

/** The dataset of an exported folder, as @lers/data's CtrDataset. */
async function importDataset(dir: string): Promise<import('@lers/data').CtrDataset> {
  const { fieldOffsetsFrom } = await import('@lers/data');
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { fields: number; field_dims: number[]; rows: number };
  const fieldDims = Int32Array.from(meta.field_dims);
  return {
    kind: 'ctr',
    rows: meta.rows,
    fields: meta.fields,
    fieldNames: Array.from(fieldDims, (_, f) => `F${f + 1}`),
    fieldDims,
    fieldOffsets: fieldOffsetsFrom(fieldDims),
    x: readNpy(join(dir, 'x.npy')) as Int32Array,
    labels: readNpy(join(dir, 'y.npy')) as Uint8Array,
    split: { train: readNpy(join(dir, 'train.npy')) as Int32Array, valid: readNpy(join(dir, 'valid.npy')) as Int32Array, test: readNpy(join(dir, 'test.npy')) as Int32Array },
    manifest: { name: dir, task: 'ctr', format: 'npy', sources: [], params: {}, counts: {}, splitSeed: null, createdBy: 'training-ctr bench' },
  };
}

// ---------- datasets ----------

/** A benchmark dataset: its display name, exported folder, and a note on how it was made. */
interface BenchData {
  readonly name: string;
  readonly dir: string;
  readonly note: string;
  readonly rows: number;
  readonly features: number;
}

function describe(name: string, dir: string, note: string, e: Encoded): BenchData {
  exportDataset(dir, e);
  return { name, dir, note, rows: e.labels.length, features: e.fieldDims.reduce((s, d) => s + d, 0) };
}

/** The Criteo sample through the protocol's reader, or null (with the reason printed) when absent. */
async function criteoData(): Promise<BenchData | null> {
  const file = join(ROOT, '..', 'shared', 'datasets', 'criteo-sample', 'train.txt');
  if (!existsSync(file)) {
    console.log(`training-ctr: skipping criteo-sample (${file} is absent)`);
    return null;
  }
  const { readCriteo } = await import('@lers/data/node');
  const { dataset: d } = await readCriteo(file);
  const e: Encoded = { x: d.x, labels: d.labels, fields: d.fields, fieldDims: d.fieldDims, ...d.split };
  return describe('criteo-sample', join(TMP, 'ctr-criteo-sample'), 'first 10k Kaggle rows; minCount 10; random 80/10/10, seed 2023', e);
}

/** Synthetic CTR data from the planted logistic-FM generator (10 Zipf fields of 3..2000 values). */
async function syntheticData(rows: number): Promise<BenchData> {
  const { generateSyntheticCtr } = await import('@lers/data');
  const { dataset: d, planted } = generateSyntheticCtr({ rows, seed: 2023 });
  const { auc } = await import('@lers/eval');
  const test = d.split.test;
  const plantedAuc = auc(Array.from(test, (r) => planted.logits[r]), Array.from(test, (r) => d.labels[r]));
  const e: Encoded = { x: d.x, labels: d.labels, fields: d.fields, fieldDims: d.fieldDims, ...d.split };
  return describe(`synthetic-ctr ${rows / 1000}k`, join(TMP, `ctr-synthetic-${rows}`), `planted model's test AUC ${plantedAuc.toFixed(4)}`, e);
}

// ---------- models ----------

/** Our model of a run (the child trains it; the parent builds it only to export its initial values). */
async function buildModel(spec: RunSpec, dataset: import('@lers/data').CtrDataset, backend: import('@lers/kernels').HostBackend): Promise<import('@lers/models').CtrModel> {
  const { DeepFm, DcnMix } = await import('@lers/models');
  const common = { dataset, backend, embedDim: spec.embedDim, batchSize: spec.batchSize, seed: spec.seed, hidden: spec.hidden, dropout: spec.dropout };
  return spec.model === 'deepfm' ? new DeepFm({ ...common, firstOrderInit: { normal: spec.firstOrderStd } }) : new DcnMix({ ...common, crossLayers: spec.crossLayers, experts: spec.experts, rank: spec.rank, gate: spec.gate });
}

/**
 * Writes the initial parameters and BatchNorm buffers of our model as `<name>.npy` (float32) into
 * spec.init, for the peer's --init. Initialisers are counter-based, so the child's model (same seed,
 * WASM instead of the reference backend) starts from exactly these values.
 */
async function exportInit(spec: RunSpec): Promise<void> {
  const { createReferenceBackend } = await import('@lers/kernels');
  const be = createReferenceBackend();
  const model = await buildModel(spec, await importDataset(spec.data), be);
  mkdirSync(spec.init, { recursive: true });
  for (const p of model.parameters()) writeNpy(join(spec.init, `${p.name}.npy`), Float32Array.from(be.view(p.value)), p.shape);
  for (const [name, buf] of Object.entries(model.buffers())) writeNpy(join(spec.init, `${name}.npy`), Float32Array.from(be.view(buf)), [buf.length]);
  model.dispose();
  be.dispose();
}

// ---------- runs ----------

/** One run of ours in a child process; a failed child is retried once (the failure is printed). */
async function runOurs(spec: RunSpec): Promise<RunResult> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, JSON.stringify(spec)];
  try {
    return (await runJson(process.execPath, args)) as unknown as RunResult;
  } catch (e) {
    console.log(`training-ctr: lers ${spec.model} ${spec.threads}t failed (${e instanceof Error ? e.message.slice(0, 200) : String(e)}); retrying once`);
    return (await runJson(process.execPath, args)) as unknown as RunResult;
  }
}

async function runPeer(spec: RunSpec): Promise<RunResult> {
  const args = [
    join(ROOT, 'benchmarks', 'peers', 'deepfm.py'),
    ...['--data', spec.data, '--model', spec.model, '--epochs', String(spec.epochs), '--threads', String(spec.threads)],
    ...['--batch-size', String(spec.batchSize), '--lr', String(spec.lr), '--weight-decay', String(spec.weightDecay)],
    ...['--embed-dim', String(spec.embedDim), '--hidden', spec.hidden.join(','), '--dropout', String(spec.dropout), '--first-order-std', String(spec.firstOrderStd)],
    ...['--cross-layers', String(spec.crossLayers), '--experts', String(spec.experts), '--rank', String(spec.rank), '--gate', spec.gate],
    ...['--seed', String(spec.seed), '--init', spec.init],
  ];
  const r = await runJson(PYTHON, args, peerEnv(spec.threads));
  return {
    impl: `PyTorch ${String(r.torch)} (${blasName(String(r.blas))})`,
    model: spec.model,
    threads: spec.threads,
    epochSeconds: r.epoch_seconds as number[],
    samplesPerSec: Number(r.samples_per_sec),
    maxRssBytes: Number(r.peak_rss_bytes),
    wasmBytes: null,
    bestEpoch: Number(r.best_epoch),
    initAuc: Number(r.init_test_auc),
    initLogLoss: Number(r.init_test_logloss),
    testAuc: Number(r.test_auc),
    testLogLoss: Number(r.test_logloss),
  };
}

/** The child side: one training run of ours on an exported dataset, as one JSON line on stdout. */
async function childMain(spec: RunSpec): Promise<void> {
  const { createWasmBackend } = await import('@lers/kernels');
  const { train } = await import('@lers/models');
  const be = await createWasmBackend({ threads: spec.threads });
  const model = await buildModel(spec, await importDataset(spec.data), be);
  const init = await model.evaluate('test');
  console.error(`lers ${spec.model} ${spec.threads}t: test AUC before training ${init.auc.toFixed(5)}`);
  const result = await train(
    model,
    { epochs: spec.epochs, seed: spec.seed, optimizer: { kind: 'adam', lr: spec.lr, weightDecay: spec.weightDecay } },
    {
      onEvent: (e) => {
        if (e.type === 'epoch-end') {
          const v = e.record.valid?.auc;
          console.error(`lers ${spec.model} ${spec.threads}t epoch ${e.record.epoch}: loss ${e.record.loss.toFixed(4)}, ${e.record.seconds.toFixed(2)} s, valid AUC ${v?.toFixed(4) ?? '-'}`);
        }
      },
    },
  );
  const seconds = result.history.map((h) => h.seconds);
  const samples = result.history.reduce((s, h) => s + h.samples, 0);
  const out: RunResult = {
    impl: 'lers',
    model: spec.model,
    threads: spec.threads,
    epochSeconds: seconds,
    samplesPerSec: samples / seconds.reduce((a, b) => a + b, 0),
    maxRssBytes: childPeakRssBytes(),
    wasmBytes: be.memory.buffer.byteLength,
    bestEpoch: result.bestEpoch ?? 0,
    initAuc: init.auc,
    initLogLoss: init.logloss,
    testAuc: result.test?.auc ?? NaN,
    testLogLoss: result.test?.logloss ?? NaN,
  };
  model.dispose();
  be.dispose();
  console.log(JSON.stringify(out));
}

/** The thread comparison (lib/paired.ts): the run's model with 1 and with 2 threads, epochs in turns. */
interface PairedSpec {
  readonly run: RunSpec;
  readonly rounds: number;
}

/** The child side of the paired thread comparison (see PairedSpec). */
async function pairedChildMain(spec: PairedSpec): Promise<void> {
  const { createWasmBackend } = await import('@lers/kernels');
  const { train } = await import('@lers/models');
  const data = await importDataset(spec.run.data);
  const optimizer = { kind: 'adam', lr: spec.run.lr, weightDecay: spec.run.weightDecay } as const;
  await pairedChild(async (threads) => {
    const be = await createWasmBackend({ threads });
    const model = await buildModel({ ...spec.run, threads }, data, be);
    return {
      epoch: async (seed) => (await train(model, { epochs: 1, seed, optimizer, validEvery: 0, test: false })).history[0].seconds,
      dispose: () => {
        model.dispose();
        be.dispose();
      },
    };
  }, spec.rounds, spec.run.seed, `lers ${spec.run.model}`);
}

/** The table's name of a run's model (DeepFM with its first-order init). */
function modelLabel(spec: Pick<RunSpec, 'model' | 'firstOrderStd'>): string {
  return spec.model === 'deepfm' ? `DeepFM (w ~ N(0, ${spec.firstOrderStd}))` : 'DCN-Mix';
}

function rowOf(data: BenchData, label: string, r: RunResult): Row {
  return {
    data: data.name,
    model: label,
    impl: r.impl === 'lers' ? 'lers (WASM SIMD)' : r.impl,
    threads: r.threads,
    epochs: r.epochSeconds.length,
    'epoch s (median)': Number(median(r.epochSeconds).toFixed(3)),
    'samples/s': Math.round(r.samplesPerSec),
    'WASM MB': r.wasmBytes === null ? '' : Number((r.wasmBytes / 2 ** 20).toFixed(1)),
    'max RSS MB': Number((r.maxRssBytes / 2 ** 20).toFixed(1)),
    'init AUC': Number(r.initAuc.toFixed(5)),
    'best epoch': r.bestEpoch,
    'test AUC': Number(r.testAuc.toFixed(4)),
    'test LogLoss': Number(r.testLogLoss.toFixed(4)),
  };
}

/** The protocol's settings; quick mode only shortens training. */
function settings(quick: boolean, epochs: number): Settings {
  return {
    epochs: quick ? Math.min(epochs, 2) : epochs,
    batchSize: 2048,
    lr: 1e-3,
    weightDecay: 1e-6,
    embedDim: 16,
    hidden: [400, 400, 400],
    dropout: 0.5,
    firstOrderStd: 1,
    crossLayers: 3,
    experts: 4,
    rank: 64,
    gate: 'identity',
    seed: 2023,
  };
}

/**
 * The models run on every dataset: DeepFM as the reference code initialises it (first-order weights
 * N(0, 1), nn.EmbeddingBag's default: on small data their noise dominates the few steps there are),
 * DeepFM with first-order weights N(0, 0.01) (so the AUC comparison is about learning), and DCN-Mix.
 */
const VARIANTS: readonly { readonly model: ModelKind; readonly firstOrderStd: number }[] = [
  { model: 'deepfm', firstOrderStd: 1 },
  { model: 'deepfm', firstOrderStd: 0.01 },
  { model: 'dcn-mix', firstOrderStd: 1 },
];

/**
 * Trains the VARIANTS, ours with 1 and 2 threads and the PyTorch peer (when `import torch`
 * works) with the same thread counts, on criteo-sample (15 epochs, the protocol's count; skipped
 * with a printed reason when absent) and on synthetic data (100k rows, 5 epochs). Quick mode: 2
 * epochs and 20k synthetic rows. Checks: AUC within 0.005 of the peer, and the speed ratios.
 */
export async function runTrainingCtrBench(opts: { quick: boolean }): Promise<{ rows: Row[]; tables: Record<string, Row[]>; checks: Check[] }> {
  const datasets: { data: BenchData; settings: Settings }[] = [];
  const criteo = await criteoData();
  if (criteo) datasets.push({ data: criteo, settings: settings(opts.quick, 15) });
  // Quick mode is what .ci/run gates on: 20k synthetic rows keep the suite to a few minutes on 2 cores.
  datasets.push({ data: await syntheticData(opts.quick ? 20_000 : 100_000), settings: settings(opts.quick, 5) });
  for (const d of datasets) console.log(`training-ctr: ${d.data.name}: ${d.data.rows} rows, ${d.data.features} features; ${d.data.note}`);
  const withPeer = torchAvailable(['torch', 'numpy']);
  if (!withPeer) console.log(`training-ctr: skipping the PyTorch peer (${PYTHON} -c 'import torch, numpy' failed)`);

  const rows: Row[] = [];
  const paired: Row[] = [];
  const checks: Check[] = [];
  for (const { data, settings: s } of datasets) {
    for (const variant of VARIANTS) {
      const results: RunResult[] = [];
      const init = join(data.dir, `init-${variant.model}-${variant.firstOrderStd}`);
      const base = { ...s, ...variant, data: data.dir, init };
      await exportInit({ ...base, threads: 1 });
      // Interleaved, so that a change in machine load hits both sides alike.
      for (const threads of [1, 2]) {
        const spec: RunSpec = { ...base, threads };
        results.push(await runOurs(spec));
        if (withPeer) results.push(await runPeer(spec));
      }
      rows.push(...results.map((r) => rowOf(data, modelLabel(base), r)));
      const find = (impl: 'lers' | 'pytorch', threads: number): RunResult | undefined =>
        results.find((r) => (impl === 'lers' ? r.impl === 'lers' : r.impl !== 'lers') && r.threads === threads);
      const label = `${data.name} ${modelLabel(base)}`;
      const spec: PairedSpec = { run: { ...base, threads: 1 }, rounds: opts.quick ? 2 : 4 };
      const times = await spawnPaired(fileURLToPath(import.meta.url), PAIRED_FLAG, spec);
      const { rows: roundRows, ratio } = pairedRows(times, { data: data.name, model: modelLabel(base) });
      paired.push(...roundRows);
      checks.push({ name: `lers epoch time 1t / 2t (paired epochs, medians), ${label}`, ratio, atLeast: 1.3, reportOnly: SECOND_CORE });
      for (const t of [1, 2]) {
        const peer = find('pytorch', t);
        const ours = find('lers', t)!;
        if (peer === undefined) continue;
        // Same initial values, same function: test AUC before training agrees to float32 rounding.
        checks.push({ name: `1 - |init AUC lers - PyTorch| / 1e-4, ${t}t, ${label}`, ratio: 1 - Math.abs(ours.initAuc - peer.initAuc) / 1e-4, atLeast: 0 });
        checks.push({ name: `PyTorch / lers epoch time, ${t}t, ${label}`, ratio: median(peer.epochSeconds) / median(ours.epochSeconds), atLeast: 1, reportOnly: PEER_PROCESS });
        // Accuracy: |AUC(lers) - AUC(PyTorch)| <= 0.005, written as a margin that must stay >= 0.
        if (!opts.quick) checks.push({ name: `1 - |test AUC lers - PyTorch| / 0.005, ${t}t, ${label}`, ratio: 1 - Math.abs(ours.testAuc - peer.testAuc) / 0.005, atLeast: 0 });
      }
    }
  }
  return { rows, tables: { '1 vs 2 threads, paired epochs (one process, turns)': paired }, checks };
}

/**
 * Standalone run, `training-ctr.ts [--quick] [--out DIR | --record]`: prints the table and writes
 * training-ctr[-quick].json into benchmarks/out/ (--record: the committed benchmarks/results/).
 */
async function standalone(argv: readonly string[]): Promise<void> {
  const { machine, outputArgs, ratioRows, table, writeResult } = await import('../lib/report.js');
  const { dir, rest } = outputArgs(argv);
  const quick = rest.includes('--quick');
  const started = performance.now();
  const result = await runTrainingCtrBench({ quick });
  const paired = result.tables['1 vs 2 threads, paired epochs (one process, turns)'];
  console.log(`## training-ctr\n\n${table(result.rows)}\n\n### 1 vs 2 threads, paired epochs (one process, turns)\n\n${table(paired)}\n\n### ratios\n\n${table(ratioRows(result.checks))}\n`);
  const file = writeResult(dir, `training-ctr${quick ? '-quick' : ''}.json`, { machine: await machine(), quick, rows: result.rows, paired, checks: result.checks });
  console.log(`(training-ctr: ${((performance.now() - started) / 1000).toFixed(1)} s, written to ${file})`);
}

const argv = process.argv.slice(2);
if (argv[0] === CHILD_FLAG) await childMain(JSON.parse(argv[1]) as RunSpec);
else if (argv[0] === PAIRED_FLAG) await pairedChildMain(JSON.parse(argv[1]) as PairedSpec);
else if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await standalone(argv);
