/**
 * `pnpm bench [--quick] [--only kernels,data]`: runs the benchmark suites, prints their tables
 * and writes JSON under benchmarks/results/. The webgpu suites run only when named (--only webgpu,webgpu-drift).
 */
import { runKernelBench } from './suites/kernels.js';
import { runDataBench } from './suites/data.js';
import { runTrainingCfBench } from './suites/training-cf.js';
import { runTrainingCtrBench } from './suites/training-ctr.js';
import { runMethodsBench } from './suites/methods.js';
import { runWebGpuBench } from './suites/webgpu.js';
import { runRuntimeBench } from './suites/runtime.js';
import { runWebGpuDriftBench } from './suites/webgpu-drift.js';
import { machine, ratioRows, table, writeResult, type Row } from './lib/report.js';

interface Suite {
  readonly name: string;
  /** Runs only when named in --only (it needs hardware that a plain run may not have). */
  readonly onlyWhenNamed?: boolean;
  /** Its rows, ratio checks, and further named tables (printed and written after the rows). */
  readonly run: (opts: { quick: boolean }) => Promise<{ rows: Row[]; checks?: Parameters<typeof ratioRows>[0]; tables?: Readonly<Record<string, Row[]>> }>;
}

const SUITES: readonly Suite[] = [
  { name: 'kernels', run: runKernelBench },
  { name: 'data', run: async (opts) => ({ rows: await runDataBench(opts) }) },
  { name: 'training-cf', run: runTrainingCfBench },
  { name: 'training-ctr', run: runTrainingCtrBench },
  { name: 'methods', run: runMethodsBench },
  { name: 'runtime', run: runRuntimeBench },
  { name: 'webgpu', run: runWebGpuBench, onlyWhenNamed: true },
  { name: 'webgpu-drift', run: runWebGpuDriftBench, onlyWhenNamed: true },
];

function parseArgs(argv: readonly string[]): { quick: boolean; only: Set<string> | null } {
  let quick = false;
  let only: Set<string> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--only') only = new Set((argv[++i] ?? '').split(','));
    else if (a.startsWith('--only=')) only = new Set(a.slice(7).split(','));
    else if (a === '--') continue;
    else {
      console.error(`unknown argument ${a}. Usage: pnpm bench [--quick] [--only ${SUITES.map((s) => s.name).join(',')}]`);
      process.exit(1);
    }
  }
  return { quick, only };
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const env = await machine();
  console.log(`lers benchmarks${quick ? ' (quick)' : ''} on ${String(env.cpu)}, ${String(env.cores)} cores, Node ${String(env.node)}\n`);
  for (const suite of SUITES) {
    if (only ? !only.has(suite.name) : suite.onlyWhenNamed) continue;
    const started = performance.now();
    const result = await suite.run({ quick });
    console.log(`## ${suite.name}\n\n${table(result.rows)}\n`);
    for (const [title, rows] of Object.entries(result.tables ?? {})) if (rows.length > 0) console.log(`### ${suite.name}: ${title}\n\n${table(rows)}\n`);
    if (result.checks?.length) console.log(`### ${suite.name}: ratios\n\n${table(ratioRows(result.checks))}\n`);
    const file = writeResult(`${suite.name}${quick ? '-quick' : ''}.json`, { machine: env, quick, rows: result.rows, ...(result.tables ?? {}), checks: result.checks ?? [] });
    console.log(`(${suite.name}: ${((performance.now() - started) / 1000).toFixed(1)} s, written to ${file})\n`);
  }
}

await main();
