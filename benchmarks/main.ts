/**
 * `pnpm bench [--quick] [--only kernels,data] [--no-gate] [--out DIR | --record]`: runs the
 * benchmark suites, prints their tables and writes JSON into benchmarks/out/ (git-ignored; --out
 * another folder; --record the committed benchmarks/results/). Exits 1 when a gating ratio check
 * misses (--no-gate: report only). The webgpu suites run only when named (--only webgpu,webgpu-drift).
 */
import { runKernelBench } from './suites/kernels.js';
import { runDataBench } from './suites/data.js';
import { runTrainingCfBench } from './suites/training-cf.js';
import { runTrainingCtrBench } from './suites/training-ctr.js';
import { runMethodsBench } from './suites/methods.js';
import { runWebGpuBench } from './suites/webgpu.js';
import { runRuntimeBench } from './suites/runtime.js';
import { runWebGpuDriftBench } from './suites/webgpu-drift.js';
import { runCtrGemmBench } from './suites/ctr-gemm.js';
import { runScaleBench } from './suites/scale.js';
import { gateFailures, machine, outputArgs, ratioRows, table, writeResult, type RatioCheck, type Row } from './lib/report.js';

interface Suite {
  readonly name: string;
  /** Runs only when named in --only (it needs hardware that a plain run may not have). */
  readonly onlyWhenNamed?: boolean;
  /** Its rows, ratio checks, and further named tables (printed and written after the rows). */
  readonly run: (opts: { quick: boolean }) => Promise<{ rows: Row[]; checks?: readonly RatioCheck[]; tables?: Readonly<Record<string, Row[]>> }>;
}

const SUITES: readonly Suite[] = [
  { name: 'kernels', run: runKernelBench },
  { name: 'data', run: async (opts) => ({ rows: await runDataBench(opts) }) },
  { name: 'training-cf', run: runTrainingCfBench },
  { name: 'training-ctr', run: runTrainingCtrBench },
  { name: 'ctr-gemm', run: runCtrGemmBench },
  { name: 'methods', run: runMethodsBench },
  { name: 'runtime', run: runRuntimeBench },
  { name: 'scale', run: runScaleBench },
  { name: 'webgpu', run: runWebGpuBench, onlyWhenNamed: true },
  { name: 'webgpu-drift', run: runWebGpuDriftBench, onlyWhenNamed: true },
];

const USAGE = `Usage: pnpm bench [--quick] [--only ${SUITES.map((s) => s.name).join(',')}] [--no-gate] [--out DIR | --record]`;

interface Args {
  readonly quick: boolean;
  readonly only: Set<string> | null;
  readonly gate: boolean;
  readonly dir: string;
}

function parseArgs(argv: readonly string[]): Args {
  const out = outputArgs(argv);
  let quick = false;
  let gate = true;
  let only: Set<string> | null = null;
  const rest = out.rest;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--quick') quick = true;
    else if (a === '--no-gate') gate = false;
    else if (a === '--only') only = new Set((rest[++i] ?? '').split(','));
    else if (a.startsWith('--only=')) only = new Set(a.slice(7).split(','));
    else if (a === '--') continue;
    else throw new Error(`unknown argument ${a}. ${USAGE}`);
  }
  const unknown = only ? [...only].filter((name) => !SUITES.some((s) => s.name === name)) : [];
  if (unknown.length > 0) throw new Error(`unknown suite ${unknown.join(', ')} in --only. ${USAGE}`);
  return { quick, only, gate, dir: out.dir };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const { quick, only, gate, dir } = args;
  const env = await machine();
  const started = performance.now();
  console.log(`lers benchmarks${quick ? ' (quick)' : ''} on ${String(env.cpu)}, ${String(env.cores)} cores, Node ${String(env.node)}\n`);
  const failures: { suite: string; check: RatioCheck }[] = [];
  for (const suite of SUITES) {
    if (only ? !only.has(suite.name) : suite.onlyWhenNamed) continue;
    const suiteStarted = performance.now();
    const result = await suite.run({ quick });
    const checks = result.checks ?? [];
    console.log(`## ${suite.name}\n\n${table(result.rows)}\n`);
    for (const [title, rows] of Object.entries(result.tables ?? {})) if (rows.length > 0) console.log(`### ${suite.name}: ${title}\n\n${table(rows)}\n`);
    if (checks.length > 0) console.log(`### ${suite.name}: ratios\n\n${table(ratioRows(checks))}\n`);
    const file = writeResult(dir, `${suite.name}${quick ? '-quick' : ''}.json`, { machine: env, quick, rows: result.rows, ...(result.tables ?? {}), checks });
    console.log(`(${suite.name}: ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s, written to ${file})\n`);
    failures.push(...gateFailures(checks).map((check) => ({ suite: suite.name, check })));
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (failures.length === 0) {
    console.log(`bench: every gating ratio check met (${seconds} s)`);
    return 0;
  }
  const list = failures.map(({ suite, check }) => `  ${suite}: ${check.name}: ${check.ratio.toFixed(2)} < ${check.atLeast}`).join('\n');
  console.log(`bench: ${failures.length} gating ratio check${failures.length > 1 ? 's' : ''} missed (${seconds} s):\n${list}`);
  if (!gate) console.log('bench: --no-gate, so the exit status is 0');
  return gate ? 1 : 0;
}

process.exitCode = await main();
