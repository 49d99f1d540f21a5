/** `lers advise`: which method to ship on this machine, from a bench's results and budgets (the logic is @lers/advisor's). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  advise,
  candidateSets,
  formatBytes,
  formatMs,
  measureRecommender,
  metricTitle,
  parseBenchResults,
  parseBytes,
  parseMs,
  PROFILE_LOAD_OPTIONS,
  shapeDataset,
  shapeOfCell,
  standInModel,
  standInUnavailable,
  type Advice,
  type AdviceRow,
  type BenchCell,
  type DeviceProfile,
} from '@lers/advisor';
import type { Dataset } from '@lers/data';
import { formatTable } from '@lers/eval';
import { Recommender } from '@lers/runtime/node';
import { Context, positiveInt } from '../cli/context.js';
import { DataError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { fileError } from '../cli/model-files.js';

const HELP = `
Each candidate (a method at a target in the results) is loaded from its model file and measured
on this machine through the runtime, on the --backend and --threads given: the bytes it holds
(LightGCN propagating per request, the paper's edge setting) and the median latency of one request
(CF: a user's top-k; CTR: one row). The pick is the most accurate candidate (the bench's test
metric) within every budget; ties go to fewer bytes, then lower latency. Sizes: 500000, 500KB,
1.5MB (1 KB = 1024 bytes). Model files: --models DIR/<cell id>.lers, else the path the results
record, else <results dir>/models/. With --stand-ins, a cell whose file is missing is measured on a
model of the same structure built from its settings with untrained weights (synthetic-data cells;
not PEP/OptEmbed/CERP, whose structure their search finds).

Examples:
  $ lers bench --quick && lers advise --results .lers-cache/bench/quick/results.json --budget-bytes 500KB --latency-ms 20
  $ lers advise --results results.json --budget-bytes 1MB --task cf --threads 2 --json
  $ lers advise --results copied/results.json --models copied/models --latency-ms 5`;

interface AdviseOpts {
  results: string;
  budgetBytes?: string;
  latencyMs?: string;
  models?: string;
  task?: 'cf' | 'ctr';
  dataset?: string;
  backbone?: string;
  repeats: string;
  standIns?: boolean;
}

/** Where a cell's model file is: --models DIR first, then the recorded path, then the results' models/ folder; null when none exists. */
function modelPathOf(cell: BenchCell, resultsPath: string, modelsDir: string | undefined): string | null {
  const candidates = [
    ...(modelsDir !== undefined ? [join(modelsDir, `${cell.id}.lers`)] : []),
    ...(cell.model !== undefined ? [cell.model] : []),
    join(dirname(resultsPath), 'models', `${cell.id}.lers`),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** One row of the printed table. */
function tableRow(a: Advice, r: AdviceRow): Record<string, string> {
  const c = r.candidate.cell;
  const p = r.profile;
  const status = p === null ? 'not measured' : r.fits ? 'fits' : [r.overMemory ? 'over memory' : '', r.overLatency ? 'over latency' : ''].filter((s) => s !== '').join(', ');
  return {
    '': r === a.pick ? '=>' : r.onFront ? '*' : '',
    method: c.method,
    target: c.target === null ? 'full' : `${Math.round(c.target * 1000) / 10}%`,
    [metricTitle(a.metricName)]: r.candidate.metric.toFixed(4),
    'embedding bytes': formatBytes(c.embeddingBytes),
    'held here': p === null ? '-' : formatBytes(p.memoryBytes),
    'ms / request': p === null ? '-' : formatMs(p.latencyMs),
    status,
  };
}

function adviceText(a: Advice): string {
  const rows = a.rows.map((r) => tableRow(a, r));
  return [
    `${a.group.dataset}/${a.group.backbone} (${a.group.task}, ${metricTitle(a.metricName)}):`,
    ...a.explanation.map((l) => `  ${l}`),
    '',
    formatTable(rows, { columns: ['', 'method', 'target', metricTitle(a.metricName), 'embedding bytes', 'held here', 'ms / request', 'status'] }),
    '(=> the pick; * on the Pareto front of accuracy, memory and latency among those that fit)',
  ].join('\n');
}

function rowJson(r: AdviceRow): Record<string, unknown> {
  const c = r.candidate.cell;
  return { id: c.id, method: c.method, target: c.target, label: r.candidate.label, metric: r.candidate.metric, embeddingBytes: c.embeddingBytes ?? null, profile: r.profile, fits: r.fits, overMemory: r.overMemory, overLatency: r.overLatency, onFront: r.onFront };
}

export function registerAdvise(program: Command, streams: Streams): void {
  program
    .command('advise')
    .description('which compression method to ship on this machine: bench results + memory/latency budgets, candidates measured here')
    .requiredOption('--results <file>', 'a `lers bench` results.json')
    .option('--budget-bytes <size>', 'memory the loaded model may hold (e.g. 500KB)')
    .option('--latency-ms <ms>', 'median milliseconds per request')
    .option('--models <dir>', 'folder of the model files (<cell id>.lers), when they are not where the results say')
    .addOption(new Option('--task <task>', 'only this task').choices(['cf', 'ctr']))
    .option('--dataset <name>', 'only this dataset (as the results name it)')
    .option('--backbone <name>', 'only this backbone')
    .option('--repeats <n>', 'timed requests per candidate', '10')
    .option('--stand-ins', 'measure a model of the same structure when a cell\'s file is missing (synthetic-data cells)')
    .addHelpText('after', HELP)
    .action(async (opts: AdviseOpts, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const budget = {
        memoryBytes: opts.budgetBytes === undefined ? null : parseBytes(opts.budgetBytes, '--budget-bytes'),
        latencyMs: opts.latencyMs === undefined ? null : parseMs(opts.latencyMs, '--latency-ms'),
      };
      const repeats = positiveInt(opts.repeats, '--repeats');
      const resultsPath = resolve(opts.results);
      let text: string;
      try {
        text = await readFile(resultsPath, 'utf8');
      } catch (err) {
        throw fileError(err, opts.results);
      }
      const sets = candidateSets(parseBenchResults(text, opts.results), { task: opts.task, dataset: opts.dataset, backbone: opts.backbone }, opts.results);
      const modelsDir = opts.models === undefined ? undefined : resolve(opts.models);
      if (modelsDir !== undefined && !existsSync(modelsDir)) throw new DataError(`--models ${opts.models}: no such folder`);
      const total = sets.reduce((n, s) => n + s.candidates.length, 0);
      const bar = ctx.io.progress('measuring', { total, unit: 'models' });
      const missing: string[] = [];
      const advices: Advice[] = [];
      let done = 0;
      for (const set of sets) {
        const profiles = new Map<string, DeviceProfile>();
        const dataset = opts.standIns === true ? lazyShape(set.candidates.map((c) => c.cell)) : null;
        for (const { cell } of set.candidates) {
          const path = modelPathOf(cell, resultsPath, modelsDir);
          const shaped = path === null && dataset !== null && standInUnavailable(cell) === null ? dataset() : null;
          const source = path ?? (shaped !== null ? await ctx.withBackend(async (be) => standInModel(be, shaped, cell)) : null);
          if (source === null) missing.push(cell.id);
          else {
            let rec: Recommender;
            try {
              rec = await Recommender.load(source, { backend: ctx.flags.backend, threads: ctx.flags.threads, ...PROFILE_LOAD_OPTIONS });
            } catch (err) {
              throw fileError(err, path ?? `${cell.id} (stand-in)`);
            }
            try {
              profiles.set(cell.id, await measureRecommender(rec, { repeats, warmup: 2, seed: ctx.flags.seed ?? 2023 }));
            } finally {
              rec.dispose();
            }
          }
          bar.update(++done, cell.id);
        }
        advices.push(advise(set, profiles, budget));
      }
      bar.finish();
      if (missing.length > 0) {
        const hint = opts.standIns === true ? 'give --models DIR: PEP, OptEmbed and CERP have no stand-in, nor do cells not on synthetic data' : 'give --models DIR, or --stand-ins';
        ctx.io.warn(`${missing.length} candidate model file${missing.length > 1 ? 's' : ''} not found (e.g. ${missing[0]}.lers): listed as not measured (${hint})`);
      }
      if (budget.memoryBytes === null && budget.latencyMs === null) ctx.io.warn('no --budget-bytes or --latency-ms: the pick is simply the most accurate candidate measured');
      ctx.io.result(
        {
          results: opts.results,
          budget,
          groups: advices.map((a) => ({ dataset: a.group.dataset, backbone: a.group.backbone, task: a.group.task, metric: a.metricName, pick: a.pick === null ? null : rowJson(a.pick), tiedWith: a.tiedWith.map(rowJson), explanation: a.explanation, rows: a.rows.map(rowJson), skipped: a.skipped.map((s) => ({ id: s.cell.id, status: s.cell.status, why: s.why })) })),
        },
        () => advices.map(adviceText).join('\n\n'),
      );
    });
}

/** The synthetic dataset of a group's shape, generated on first use; null when its cells are not on synthetic data. */
function lazyShape(cells: readonly BenchCell[]): () => Dataset | null {
  let ds: Dataset | null | undefined;
  return () => {
    if (ds === undefined) {
      const shape = cells.map(shapeOfCell).find((s) => s !== null);
      ds = shape === undefined ? null : shapeDataset(shape);
    }
    return ds;
  };
}
