/** `lers bench`: the methods x targets x datasets x backbones grid, resumable, with the paper's tables. */
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Context } from '../cli/context.js';
import { DataError, UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { parseTarget, type BackboneName as Backbone } from '@lers/models';
import { addSettingOptions } from '../config/options.js';
import { commandSettings } from './train.js';
import { defaultMethods, expandGrid, PROFILES, type GridSpec } from '../bench/grid.js';
import { benchTune, TUNE_KEYS, type TuneFlags } from '../bench/tune-options.js';
import { markdownReport, paperTable, paretoSummary, resultsCsv } from '../bench/report.js';
import { BenchRunner, writeJsonAtomic } from '../bench/run.js';
import { writeAll, writeFileAtomic } from '@lers/data/node';
import { positiveInt } from '../cli/context.js';
import { parseRedisUrl, queueUrl } from '../queue/redis-url.js';
import { cancelRun, runOnQueue, runStatus } from '../queue/coordinator.js';
import { runIdOf } from '../queue/run-state.js';

const GRID_KEYS = ['methods', 'targets', 'datasets', 'backbones', ...TUNE_KEYS];
const SKIP = ['task', 'backbone', 'method', 'target', 'data'];

const HELP = `
With no arguments: the synthetic CF (LightGCN) and CTR (DeepFM, DCN-Mix) data, every available
method at 50/80/95% sparsity; under 10 minutes on 2 cores (--quick: LightGCN + DeepFM on smaller
data, under 2 minutes). Each cell trains (or compresses the full model), evaluates valid/test and
profiles latency; its result is written atomically to <out>/cells/<cell>.json and its model to
<out>/models/. A re-run skips finished cells (same settings), so an interrupted bench resumes;
parallel runs on the same --out split the grid. Results: <out>/results.{json,csv,md}.
Real datasets (fetched or placed first; see \`lers data\`) run with the protocol's settings.
Training flags (--epochs, --lr, ...) and --config (JSON/YAML; also methods, targets, datasets,
backbones lists) apply to every cell; in a config, methodOptions keyed by a method name apply to
that method only, e.g. {"methodOptions": {"pep": {"thresholdInit": -5}}}.
--tune N tunes each trained cell first (TPE, N trials, on validation only; trials that miss the
target sparsity are rejected): the learning rate and the method's own hyperparameters (PEP/CERP
initial threshold and its decay, OptEmbed's threshold rate and regulariser, QR's op, DHE's depth;
--tune-backbone adds the protocol's whole backbone space). Post-training cells start from the tuned
full model. Studies are kept in <out>/tune/ and resumed by a re-run. The first 10 trials are
random (Optuna's default); --tune-startup lowers that for a small budget. A config file can carry
{"tune": {"trials": 10, "methods": [...], "epochs": 20, "thresholds": "protocol", "startupTrials": 4,
"multivariate": true, "space": {"pep": {"lr": null}}}} (a parameter spec replaces one, null removes it).

Examples:
  $ lers bench
  $ lers bench --quick
  $ lers bench --methods qr,magprune --targets 0.8 --datasets synthetic-cf
  $ lers data fetch gowalla && lers bench --datasets gowalla --methods full,qr,ttrec,magprune --epochs 40
  $ lers bench --datasets criteo-sample --backbones deepfm,dcnmix --json > results.json
  $ lers bench --datasets criteo-sample --methods full,pep,cerp,qr --tune 10
  $ lers bench --quick --queue redis://queue-host:6379 --store /shared/lers-store   # cells run by \`lers worker\`s

--queue queues the grid in Redis (BullMQ) for \`lers worker\` processes on any machine, shows their
progress and writes the same results files here; the same command again attaches to the run
(--status shows it, --cancel removes it). Models and cell files go to --store, a directory every
worker reads and writes at the same path.`;

function list(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

function configList(raw: unknown, key: string, file: string): string[] | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === 'string' || typeof raw === 'number') return String(raw).split(',').map((s) => s.trim());
  throw new UsageError(`${file}: ${key} must be a list`);
}

export function registerBench(program: Command, streams: Streams): void {
  const cmd = program
    .command('bench')
    .description('the benchmark grid: methods x targets (50/80/95%) x datasets x backbones, resumable')
    .option('--quick', 'the CI profile (< 2 minutes)')
    .option('--methods <list>', 'methods, comma separated (default: all available)', list)
    .option('--targets <list>', 'target sparsities (default 0.5,0.8,0.95)', list)
    .option('--datasets <list>', 'datasets (default synthetic-cf,synthetic-ctr)', list)
    .option('--backbones <list>', 'backbones (default lightgcn,deepfm,dcnmix; --quick: lightgcn,deepfm)', list)
    .option('--out <dir>', 'results folder (default .lers-cache/bench/<profile>)')
    .option('--fresh', 'forget finished cells and run everything again')
    .option('-c, --config <file>', 'settings and grid lists (JSON or YAML)')
    .option('--cache-dir <dir>', 'dataset cache root')
    .option('--tune <n>', 'tune every trained cell first with n TPE trials on validation (see below)')
    .option('--tune-methods <list>', 'tune only these methods (default: every trained method)', list)
    .option('--tune-epochs <n>', 'epochs of each tuning trial (default: the cell\'s; mask searches keep theirs)')
    .option('--tune-backbone', "tune the protocol's whole backbone space, not only the learning rate")
    .option('--tune-thresholds <space>', "PEP/CERP initial threshold: start (default: a start fraction of the target's pruning) or protocol (s in [-50, -5])")
    .option('--tune-startup <n>', "random trials before TPE starts (default 10, Optuna's: with --tune 10 or less every trial is random unless this is lower)")
    .option('--tune-multivariate', "Optuna's multivariate TPE (one joint estimator) instead of univariate")
    .option('--queue [url]', 'queue the cells in Redis for `lers worker`s (redis://HOST:PORT[/DB], rediss:// for TLS; default LERS_REDIS_URL)')
    .option('--store <dir>', 'with --queue: the directory every worker shares for models and cell files (default <out>/store)')
    .option('--attempts <n>', 'with --queue: runs of a failing cell before its error is recorded (default 3)')
    .option('--status', 'with --queue: show the progress of this grid\'s run and exit')
    .option('--cancel', 'with --queue: remove this grid\'s run from the queue and exit');
  // Every training flag except the grid's own axes.
  addSettingOptions(cmd, SKIP);
  cmd.addHelpText('after', HELP);
  cmd.action(
    async (opts: { quick?: boolean; methods?: string[]; targets?: string[]; datasets?: string[]; backbones?: string[]; out?: string; fresh?: boolean; config?: string; cacheDir?: string; queue?: string | boolean; store?: string; attempts?: string; status?: boolean; cancel?: boolean } & TuneFlags, c: Command) => {
      const ctx = new Context(c, streams);
      const profile = PROFILES[opts.quick === true ? 'quick' : 'default'];
      const { given, raw } = await commandSettings(c, opts.config, ctx.flags.seed, SKIP, GRID_KEYS);
      for (const k of SKIP) if (k in given) throw new UsageError(`${opts.config ?? 'config'}: ${k} is a grid axis in bench; use ${k === 'data' ? 'datasets' : `${k}s`}`);
      const file = opts.config ?? 'config';
      const methods = opts.methods ?? configList(raw.methods, 'methods', file) ?? defaultMethods();
      const targets = (opts.targets ?? configList(raw.targets, 'targets', file))?.map((t) => {
        const v = parseTarget(t, '--targets');
        if (v === null) throw new UsageError('--targets: every target must be a sparsity in (0, 1)');
        return v;
      }) ?? [...profile.targets];
      const spec: GridSpec = {
        datasets: opts.datasets ?? configList(raw.datasets, 'datasets', file) ?? [...profile.datasets],
        backbones: (opts.backbones ?? configList(raw.backbones, 'backbones', file) ?? [...profile.backbones]) as Backbone[],
        methods,
        targets,
      };
      const tune = benchTune(opts, raw.tune, file);
      const cells = expandGrid(spec, profile, given, tune);
      const dir = resolve(opts.out ?? join('.lers-cache', 'bench', profile.name));
      const url = queueUrl(opts.queue);
      for (const [flag, given] of [['--store', opts.store], ['--attempts', opts.attempts], ['--status', opts.status], ['--cancel', opts.cancel]] as const) {
        if (given !== undefined && url === null) throw new UsageError(`${flag} needs --queue`);
      }
      if (url !== null && opts.fresh === true) throw new UsageError('--fresh with --queue: remove the run with --cancel (and its --store) instead');
      const target = url === null ? null : parseRedisUrl(url);
      if (target !== null && (opts.status === true || opts.cancel === true)) {
        const runId = runIdOf(cells, profile.name, ctx.flags.backend, ctx.flags.threads);
        if (opts.cancel === true) {
          const removed = await cancelRun(target, runId, ctx.io);
          ctx.io.result({ runId, cancelled: removed }, () => (removed ? `run ${runId} cancelled` : `no run ${runId} on ${target.shown}`));
          return;
        }
        const st = await runStatus(target, runId, ctx.io);
        ctx.io.result(st, () => st.line ?? `no run ${runId} on ${target.shown} (runs there: ${st.known.length > 0 ? st.known.join(', ') : 'none'})`);
        return;
      }
      if (opts.fresh === true) {
        const cellsDir = join(dir, 'cells');
        const names = await readdir(cellsDir).catch(() => [] as string[]);
        for (const n of names) if (n.endsWith('.json')) await rm(join(cellsDir, n), { force: true });
      }
      ctx.io.info(`bench (${profile.name}): ${cells.length} cells -> ${dir}${target !== null ? ` (queued on ${target.shown})` : ''}`);
      const t0 = performance.now();
      const results =
        target === null
          ? await ctx.withBackend((be) => new BenchRunner(be, dir, ctx.io, profile, opts.cacheDir).run(cells))
          : (
              await runOnQueue({
                target,
                cells,
                profile: profile.name,
                backend: ctx.flags.backend,
                threads: ctx.flags.threads,
                store: resolve(opts.store ?? join(dir, 'store')),
                cacheDir: opts.cacheDir === undefined ? null : resolve(opts.cacheDir),
                attempts: opts.attempts === undefined ? 3 : positiveInt(opts.attempts, '--attempts'),
                io: ctx.io,
              })
            ).results;
      const seconds = (performance.now() - t0) / 1000;
      const title = `lers bench (${profile.name}): ${spec.datasets.join(', ')}`;
      const md = markdownReport(results, title);
      // backend: what ran the cells here (null for a queued run: each worker chooses its own).
      await writeJsonAtomic(join(dir, 'results.json'), { profile: profile.name, grid: spec, tune, seconds, backend: ctx.backendUsed, cells: results });
      const csv = new TextEncoder().encode(resultsCsv(results));
      await writeFileAtomic(join(dir, 'results.csv'), (fh) => writeAll(fh, csv));
      const mdBytes = new TextEncoder().encode(md);
      await writeFileAtomic(join(dir, 'results.md'), (fh) => writeAll(fh, mdBytes));
      const counts: Record<string, number> = {};
      for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const files = { json: join(dir, 'results.json'), csv: join(dir, 'results.csv'), markdown: join(dir, 'results.md') };
      ctx.io.result({ profile: profile.name, dir, seconds, counts, files, grid: spec, backend: ctx.backendUsed, cells: results }, () => {
        const seen = new Set<string>();
        const tables: string[] = [];
        for (const r of results) {
          const key = `${r.dataset}/${r.backbone}`;
          if (seen.has(key)) continue;
          seen.add(key);
          tables.push(`${key} (${r.backbone === 'lightgcn' ? 'NDCG@20' : 'AUC'}, test):\n${paperTable(results, (g) => g.dataset === r.dataset && g.backbone === r.backbone)}`);
        }
        return [
          ...tables,
          'Pareto front (metric vs embedding bytes):',
          paretoSummary(results),
          '',
          `${results.length} cells (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}) in ${seconds.toFixed(1)} s; results in ${files.markdown}, ${files.csv}, ${files.json}`,
        ].join('\n');
      });
      // On a queue, failed cells are a failure of the run (exit 2) once the results files are whole: a cluster script sees it.
      const failed = results.filter((r) => r.status === 'failed');
      if (target !== null && failed.length > 0) throw new DataError(`${failed.length} cell(s) failed on the queue (${failed[0].id}: ${failed[0].message ?? 'failed'}); results in ${files.json}`);
    },
  );
}
