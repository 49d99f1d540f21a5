/**
 * The emulated edge profile: `lers profile` of every method at 80% on the synthetic CF (LightGCN)
 * and CTR (DeepFM) data, on aarch64 under QEMU user-mode emulation, beside the same on this x86-64
 * machine. The models are trained and compressed once, on x86-64, by `lers bench --targets 0.8`
 * (the default bench profile's synthetic settings; resumable in --out). QEMU times are not device
 * times: the tables give each method's load time and latencies as ratios to the full model measured
 * on the same machine; the JSON keeps the absolute figures, under names that say "emulated".
 * Rounds go over all models in turn, so load on the machine drifts over every method alike.
 * Writes edge-profile-emulated.{json,md} into benchmarks/out/ (--record: the committed benchmarks/results/).
 *
 * Usage (from benchmarks/): tsx arm64/edge-profile.ts [--rounds 3] [--repeats 20] [--warmup 3] [--out dir] [--record]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { median } from '../lib/stats.js';
import { machine, OUT_DIR, RESULTS_DIR, table, writeResult, writeResultText, type Row } from '../lib/report.js';
import { checkCliBuilt, emulatedArm64, HOST, lers, type CliMachine } from './cli.js';
import { ensureArm64Runtime, REPO_ROOT } from './runtime.js';

const NAME = 'edge-profile-emulated';
const TARGET = 0.8;
const BACKBONES = ['lightgcn', 'deepfm'] as const;
const GLOBALS = ['--threads', '1', '--seed', '2023', '--quiet'];

interface Args {
  readonly rounds: number;
  readonly repeats: number;
  readonly warmup: number;
  readonly out: string;
  /** Where the profile's json/md go (benchmarks/out, or benchmarks/results with --record). */
  readonly dir: string;
}

function parseArgs(argv: readonly string[]): Args {
  const record = argv.includes('--record');
  argv = argv.filter((x) => x !== '--record');
  const a = { rounds: 3, repeats: 20, warmup: 3, out: join(REPO_ROOT, 'benchmarks', 'results', 'tmp', NAME), dir: record ? RESULTS_DIR : OUT_DIR };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i] ?? '';
    if (flag === '--out') a.out = value;
    else if (flag === '--rounds' || flag === '--repeats' || flag === '--warmup') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === '--warmup' ? 0 : 1)) throw new Error(`${flag} takes a ${flag === '--warmup' ? 'non-negative' : 'positive'} integer, got "${value}"`);
      a[flag.slice(2) as 'rounds' | 'repeats' | 'warmup'] = n;
    } else throw new Error(`unknown argument ${flag}. Usage: tsx arm64/edge-profile.ts [--rounds 3] [--repeats 20] [--warmup 3] [--out dir] [--record]`);
  }
  return a;
}

/** A bench cell as written in <out>/cells/<id>.json (the fields used here). */
interface BenchCell {
  readonly id: string;
  readonly backbone: string;
  readonly method: string;
  readonly status: string;
  readonly message?: string;
  readonly model?: string;
  readonly embeddingBytes?: number;
  readonly sparsity?: number;
}

/** The fields of `lers profile --json` used here. */
interface Profile {
  readonly load: { readonly totalMs: number };
  readonly peakRssBytes: number | null;
  readonly embeddingBytes: number;
  readonly fileBytes: number;
  readonly latency: Readonly<Record<string, { readonly minMs: number; readonly medianMs: number }>>;
}

/**
 * One machine's figures for a model over the rounds. The tables use the best (minimum) times: on a
 * machine shared with other jobs they are the figures least moved by them; medians are kept too.
 */
interface Figures {
  readonly loadMs: { readonly best: number; readonly median: number };
  /** Median over the rounds. */
  readonly peakRssMiB: number | null;
  /** Per phase: the best time over every repeat of every round, and the median of the rounds' medians. */
  readonly latencyMs: Readonly<Record<string, { readonly best: number; readonly median: number }>>;
}

function aggregate(runs: readonly Profile[]): Figures {
  const rss = runs.map((r) => r.peakRssBytes).filter((b): b is number => b !== null);
  const phases = Object.keys(runs[0].latency);
  const loads = runs.map((r) => r.load.totalMs);
  return {
    loadMs: { best: Math.min(...loads), median: median(loads) },
    peakRssMiB: rss.length === 0 ? null : median(rss) / 1048576,
    latencyMs: Object.fromEntries(phases.map((p) => [p, { best: Math.min(...runs.map((r) => r.latency[p].minMs)), median: median(runs.map((r) => r.latency[p].medianMs)) }])),
  };
}

const ratio = (v: number, full: number): string => (v / full).toFixed(2);
const mib = (v: number | null): string => (v === null ? '-' : v.toFixed(1));

/** The latency phases shown per backbone (CF: a request split into phases; CTR: a batch of 64 rows and a single row). */
const PHASES: Readonly<Record<(typeof BACKBONES)[number], readonly string[]>> = {
  lightgcn: ['propagation', 'scoring', 'filtering', 'topk', 'total'],
  deepfm: ['batch', 'single'],
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string): void => {
    console.error(`edge-profile: ${line}`);
  };
  const setup = await ensureArm64Runtime(log);
  if (!setup.ok) throw new Error(`the aarch64 runtime is not available: ${setup.reason}`);
  checkCliBuilt();
  const arm = emulatedArm64(setup.runtime);
  const started = performance.now();

  log(`training and compressing every method at ${TARGET} on x86-64 (lers bench, resumable in ${args.out})`);
  await lers(HOST, [...GLOBALS, 'bench', '--targets', String(TARGET), '--backbones', BACKBONES.join(','), '--out', args.out], REPO_ROOT, log);
  const methodOrder = (JSON.parse((await lers(HOST, ['methods', '--json'], REPO_ROOT)).stdout) as { name: string }[]).map((m) => m.name);
  const cellDir = join(args.out, 'cells');
  const cells = readdirSync(cellDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(cellDir, f), 'utf8')) as BenchCell)
    .filter((c) => (BACKBONES as readonly string[]).includes(c.backbone))
    .sort((a, b) => BACKBONES.indexOf(a.backbone as never) - BACKBONES.indexOf(b.backbone as never) || methodOrder.indexOf(a.method) - methodOrder.indexOf(b.method));
  const profiled = cells.filter((c) => c.status === 'ok' && c.model !== undefined);

  const machines: readonly CliMachine[] = [arm, HOST];
  const runs = new Map<string, Profile[]>();
  for (let round = 1; round <= args.rounds; round++) {
    log(`round ${round} of ${args.rounds}: ${profiled.length} models on ${machines.map((m) => m.name).join(' and ')}`);
    for (const cell of profiled) {
      for (const m of machines) {
        const r = await lers(m, [...GLOBALS, 'profile', cell.model!, '--json', '--repeats', String(args.repeats), '--warmup', String(args.warmup)], REPO_ROOT);
        const key = `${cell.id}@${m.name}`;
        const p = JSON.parse(r.stdout) as Profile;
        // Only what the tables use, per round (the JSON keeps them).
        const kept: Profile = { load: { totalMs: p.load.totalMs }, peakRssBytes: p.peakRssBytes, embeddingBytes: p.embeddingBytes, fileBytes: p.fileBytes, latency: p.latency };
        runs.set(key, [...(runs.get(key) ?? []), kept]);
      }
    }
  }

  const figures = (cell: BenchCell, m: CliMachine): Figures => aggregate(runs.get(`${cell.id}@${m.name}`)!);
  const jsonCells = cells.map((c) =>
    c.status !== 'ok'
      ? { id: c.id, backbone: c.backbone, method: c.method, status: c.status, message: c.message }
      : {
          id: c.id,
          backbone: c.backbone,
          method: c.method,
          status: c.status,
          embeddingBytes: c.embeddingBytes,
          sparsity: c.sparsity,
          aarch64Emulated: { ...figures(c, arm), runs: runs.get(`${c.id}@${arm.name}`) },
          x86Native: { ...figures(c, HOST), runs: runs.get(`${c.id}@${HOST.name}`) },
        },
  );
  const tables: Record<string, Row[]> = {};
  for (const backbone of BACKBONES) {
    const full = profiled.find((c) => c.backbone === backbone && c.method === 'full');
    if (full === undefined) throw new Error(`no full ${backbone} model among the cells in ${cellDir}`);
    const fullArm = figures(full, arm);
    const fullX86 = figures(full, HOST);
    tables[backbone] = cells
      .filter((c) => c.backbone === backbone)
      .map((c): Row => {
        if (c.status !== 'ok') return { method: c.method, 'embeddings KB': 'n/a', note: c.message?.replace(/;.*$/, '') ?? c.status };
        const a = figures(c, arm);
        const x = figures(c, HOST);
        const row: Row = {
          method: c.method,
          'embeddings KB': ((c.embeddingBytes ?? 0) / 1000).toFixed(1),
          'load x full (emu)': ratio(a.loadMs.best, fullArm.loadMs.best),
          'peak RSS MiB (emu)': mib(a.peakRssMiB),
          'peak RSS MiB (x86)': mib(x.peakRssMiB),
        };
        for (const p of PHASES[backbone]) row[`${p === 'batch' ? 'batch-64' : p} x full (emu)`] = ratio(a.latencyMs[p].best, fullArm.latencyMs[p].best);
        for (const p of PHASES[backbone].filter((q) => q === 'total' || backbone === 'deepfm')) row[`${p === 'batch' ? 'batch-64' : p} x full (x86)`] = ratio(x.latencyMs[p].best, fullX86.latencyMs[p].best);
        return row;
      });
  }
  // How the full model's CF request divides into phases, emulated and native (shares, not times).
  const fullCf = profiled.find((c) => c.backbone === 'lightgcn' && c.method === 'full')!;
  const shares = [arm, HOST].map((m): Row => {
    const f = figures(fullCf, m);
    const phases = PHASES.lightgcn.filter((p) => p !== 'total');
    const sum = phases.reduce((acc, p) => acc + f.latencyMs[p].best, 0);
    return { machine: m === arm ? 'aarch64 (emulated)' : 'x86-64 (native)', ...Object.fromEntries(phases.map((p) => [`${p} %`, ((100 * f.latencyMs[p].best) / sum).toFixed(1)])) };
  });

  const slowdown = figures(fullCf, arm).latencyMs.total.best / figures(fullCf, HOST).latencyMs.total.best;
  const env = await machine();
  const rt = setup.runtime;
  const command = `tsx arm64/edge-profile.ts --rounds ${args.rounds} --repeats ${args.repeats} --warmup ${args.warmup} (from benchmarks/)`;
  writeResult(args.dir, `${NAME}.json`, {
    machine: env,
    aarch64: { node: rt.nodeVersion, emulator: rt.qemuVersion },
    command,
    models: `lers bench --targets ${TARGET} --backbones ${BACKBONES.join(',')} (default profile, synthetic-cf and synthetic-ctr), on x86-64, in ${relative(REPO_ROOT, args.out)}`,
    settings: { rounds: args.rounds, repeats: args.repeats, warmup: args.warmup, threads: 1, seed: 2023 },
    note: 'aarch64Emulated figures are QEMU user-mode times and memory, not device figures: compare methods by ratio only.',
    cells: jsonCells,
    seconds: (performance.now() - started) / 1000,
  });
  const md = [
    `# Edge profile, emulated aarch64: every method at ${TARGET * 100}% on the synthetic data`,
    '',
    `\`${command}\`, ${String(env.date).slice(0, 10)}, on ${String(env.cpu)} (${String(env.cores)} cores, shared with other jobs): aarch64 is Node ${rt.nodeVersion} (arm64) under ${rt.qemuVersion.replace(/ \(.*$/, '')} user-mode emulation, x86-64 is Node ${process.version} natively; 1 thread, WASM SIMD.`,
    `Models: \`lers bench --targets ${TARGET} --backbones ${BACKBONES.join(',')}\` (the default profile: synthetic-cf 1,000 users x 1,500 items, LightGCN d 64, 10 epochs; synthetic-ctr 30,000 rows, DeepFM d 16, DNN 64-64, 5 epochs), trained and compressed once on x86-64; each machine profiled the same files (\`lers profile --repeats ${args.repeats} --warmup ${args.warmup}\`), ${args.rounds} rounds over all models. Times are the best (minimum) over all repeats and rounds, the figure least moved by the other jobs on this shared machine; peak RSS is the median over the rounds; the JSON has the medians and every round.`,
    '',
    `**Emulated times are not device times.** The "(emu)" columns are ratios to the full model measured under QEMU; "(x86)" the same ratio measured natively. QEMU runs every instruction through its translator (the full CF request took ${slowdown.toFixed(0)}x its native time here), so an emulated ratio says how the work of the methods compares on the arm64 code V8 generates, not how a Raspberry Pi will time it. Peak RSS under QEMU counts the emulator (its translated-code buffers) on top of Node: only its differences between methods mean something; the x86 column is the native process.`,
    '',
    '## CF: LightGCN on synthetic-cf (request = propagation + scoring + filtering + top-20)',
    '',
    table(tables.lightgcn),
    '',
    'Phase shares of the full model\'s request (best times):',
    '',
    table(shares),
    '',
    '## CTR: DeepFM on synthetic-ctr (a batch of 64 rows, a single row)',
    '',
    table(tables.deepfm),
    '',
    'n/a: the method cannot reach 80% (the budget solver\'s message, cut at its first clause): PTQ and QAT reach only the sparsities of their bit widths.',
    '',
  ].join('\n');
  const path = writeResultText(args.dir, `${NAME}.md`, md);
  console.log(md);
  log(`written to ${path} and ${NAME}.json (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
