/** `lers tune`: TPE over a run's hyperparameters on validation, resumable; writes the tuned settings. */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { JsonObject } from '@lers/data';
import { writeAll, writeFileAtomic } from '@lers/data/node';
import { effectiveConfig, methodNamed } from '@lers/models';
import { tuneRun } from '@lers/models/tuning';
import { Context } from '../cli/context.js';
import { InterruptedError, UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { trainProgress } from '../cli/train-progress.js';
import { addSettingOptions } from '../config/options.js';
import { settingsDigest } from '../config/digest.js';
import { prepareData } from '../data/prepare.js';
import { cellTune, safeName, targetLabel } from '../bench/grid.js';
import { benchTune, TUNE_KEYS } from '../bench/tune-options.js';
import { commandSettings, trainableSettings } from './train.js';
import { trialLine } from '../cli/trial-line.js';

const HELP = `
Tunes the run the training flags describe (same flags and --config as \`lers train\`) with a seeded
Tree-structured Parzen Estimator (Optuna's defaults: the first 10 trials are random, so a budget of
10 or fewer is a random search unless --startup-trials is lower; --multivariate): each trial
trains on the training split and is scored on validation only (NDCG@20 or AUC at the best epoch);
a trial whose model misses the target sparsity (or whose mask search starts past it) is rejected.
The space: the learning rate and the method's own hyperparameters (PEP/CERP initial threshold and
its decay, OptEmbed's threshold rate and regulariser, QR's op, DHE's depth); --backbone-space adds
the protocol's whole backbone space. The study file is written after every trial: a re-run (same
settings and space) resumes it, also after kill -9. -o writes the tuned settings as a config file
for \`lers train -c\`. A config's {"tune": {"space": {"<method>": {"lr": null}}}} changes the space.

Examples:
  $ lers tune --data synthetic-cf --method pep --target 0.8 --trials 10 -o pep80.json
  $ lers train -c pep80.json -o pep80.lers
  $ lers tune --data ../shared/datasets/criteo-sample --backbone dcnmix --method qr --target 0.5 --trials 6 --json`;

export function registerTune(program: Command, streams: Streams): void {
  const cmd = program
    .command('tune')
    .description('tune a run\'s hyperparameters with TPE on validation (resumable), then write the tuned settings')
    .option('-c, --config <file>', 'settings file (JSON or YAML), as for lers train; may hold a tune object')
    .option('--trials <n>', 'trials of the study (those in a resumed study count; default 30, the protocol\'s)')
    .option('--study <file>', 'study file (default .lers-cache/tune/<method>-<target>-<settings hash>.study.json)')
    .option('--trial-epochs <n>', 'epochs of each trial (default: --epochs; mask searches keep theirs)')
    .option('--backbone-space', "the protocol's whole backbone space, not only the learning rate")
    .option('--thresholds <space>', 'PEP/CERP initial threshold: start (default) or protocol (s in [-50, -5])')
    .option('--startup-trials <n>', 'random trials before TPE starts (default 10, Optuna\'s; lower it for a budget of 10 trials or fewer)')
    .option('--multivariate', "Optuna's multivariate TPE (one joint estimator over the parameters) instead of univariate")
    .option('-o, --out <file>', 'write the tuned settings here (JSON, for lers train -c)')
    .option('--cache-dir <dir>', 'dataset cache root');
  addSettingOptions(cmd);
  cmd.addHelpText('after', HELP);
  cmd.action(async (opts: { config?: string; trials?: string; study?: string; trialEpochs?: string; backboneSpace?: boolean; thresholds?: string; startupTrials?: string; multivariate?: boolean; out?: string; cacheDir?: string }, c: Command) => {
    const ctx = new Context(c, streams);
    const { given, raw } = await commandSettings(c, opts.config, ctx.flags.seed, [], TUNE_KEYS);
    const s = trainableSettings(given);
    const file = opts.config ?? 'config';
    const tune = benchTune({ tune: opts.trials ?? '30', ...(opts.trialEpochs !== undefined ? { tuneEpochs: opts.trialEpochs } : {}), ...(opts.backboneSpace === true ? { tuneBackbone: true } : {}), ...(opts.thresholds !== undefined ? { tuneThresholds: opts.thresholds } : {}), ...(opts.startupTrials !== undefined ? { tuneStartup: opts.startupTrials } : {}), ...(opts.multivariate === true ? { tuneMultivariate: true } : {}) }, raw.tune, file);
    const options = cellTune(s.method, methodNamed(s.method).kind, tune);
    if (options === null) throw new UsageError(`method ${s.method} is post-training: tune the full model, then compress it`);
    const hash = settingsDigest({ settings: s as unknown as JsonObject, tune: options as unknown as JsonObject }, 8);
    const study = resolve(opts.study ?? join('.lers-cache', 'tune', `${safeName(s.method)}-${targetLabel(s.target)}-${hash}.study.json`));
    const data = await prepareData(s, ctx.io, opts.cacheDir);
    ctx.io.info(`tuning ${s.method}${s.target !== null ? ` at ${s.target}` : ''}: ${options.trials} trials -> ${study}`);
    const run = await ctx.withBackend((be) =>
      tuneRun(be, data.dataset, s, options, study, {
        ...trainProgress(ctx.io, 'trial'),
        isAbort: (e) => e instanceof InterruptedError,
        onTrial: (t) => { ctx.io.info(trialLine(t, options.trials)); },
      }),
    );
    const config = effectiveConfig(run.settings);
    if (opts.out !== undefined) {
      const bytes = new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`);
      await writeFileAtomic(resolve(opts.out), (fh) => writeAll(fh, bytes));
    }
    const trials = run.result.trials.map((t) => ({ number: t.number, state: t.state, value: t.value, feasible: t.constraints.every((v) => v <= 0), params: t.params, seconds: t.seconds, ...(t.error !== null ? { error: t.error } : {}), attrs: t.attrs }));
    ctx.io.result({ study, summary: run.summary, settings: config, trials, ...(opts.out !== undefined ? { output: resolve(opts.out) } : {}) }, () => {
      const best = run.summary.best;
      return [
        ...run.result.trials.map((t) => trialLine(t, options.trials)),
        best === null
          ? `no feasible trial in ${run.summary.trials}: the settings stay as given`
          : `best: trial ${best.number + 1} of ${run.summary.trials}, valid ${best.value.toFixed(4)}, ${JSON.stringify(best.params)} (${run.summary.rejected} rejected, ${run.summary.failed} failed)`,
        opts.out !== undefined ? `tuned settings written to ${resolve(opts.out)}` : `study: ${study}`,
      ].join('\n');
    });
  });
}
