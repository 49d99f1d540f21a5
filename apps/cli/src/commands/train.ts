/** `lers train`: train a model with a (compressed) embedding method to a target sparsity. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { JsonObject } from '@lers/data';
import { checkTrainable, effectiveConfig, flatMetrics, planOptions, planTables, resolveSettings, saveModel, tableSizes, trainFromSettings, type PartialSettings, type SearchReport, type TrainOutcome, type TrainSettings } from '@lers/models';
import { Context } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { writeModel } from '../cli/model-files.js';
import { trainProgress } from '../cli/train-progress.js';
import { loadConfigFile } from '../config/file.js';
import { addSettingOptions, mergeSettings, settingsFromFlags } from '../config/options.js';
import { dataTask } from '../data/datasets.js';
import { prepareData, preparedInfo, type PreparedData } from '../data/prepare.js';

const EXAMPLES = `
Settings come from the flags, then the --config file (JSON or YAML, same keys in camelCase,
e.g. {"epochs": 20, "lr": 0.006, "methodOptions": {"op": "add"}}), then the protocol's defaults.

Examples:
  $ lers train --data synthetic-cf -o full.lers
  $ lers train --task cf --backbone lightgcn --method qr --target 0.8 --data synthetic-cf -o qr80.lers
  $ lers train --data synthetic-ctr --backbone dcnmix --method ttrec --target 50% --epochs 5 -o tt.lers
  $ lers train --data ~/data/gowalla --method dhe --target 0.5 --lr 0.006121 --l2 0.006214 --layers 4 --w-cl 0.9
  $ lers train --config train.yaml --checkpoint run.ckpt -o model.lers   # re-run to resume
  $ lers train --data synthetic-cf --method qr --target 0.8 --dry-run --json   # the plan only`;

/** The run settings of `lers train` / `lers tune`: resolved, a target for every compressed method, trainable. */
export function trainableSettings(given: PartialSettings): TrainSettings {
  const s = resolveSettings(given, dataTask);
  if (s.method !== 'full' && s.target === null) throw new UsageError(`method ${s.method} needs --target (a sparsity such as 0.5, 0.8 or 0.95)`);
  checkTrainable(s);
  return s;
}

/** The effective settings of a train-like command: config file, then flags, then the global seed. */
export async function commandSettings(cmd: Command, configPath: string | undefined, ctxSeed: number | null, skip: readonly string[] = [], ignoreInConfig: readonly string[] = []): Promise<{ given: PartialSettings; raw: Record<string, unknown> }> {
  let fromFile: PartialSettings = {};
  let raw: Record<string, unknown> = {};
  if (configPath !== undefined) ({ settings: fromFile, raw } = await loadConfigFile(configPath, ignoreInConfig));
  const given = mergeSettings(fromFile, settingsFromFlags(cmd, skip), ctxSeed !== null ? { seed: ctxSeed } : {});
  return { given, raw };
}

/** Writes a trained model file atomically (its settings, sizes, metrics and training summary); returns its size. */
export async function writeTrained(path: string, outcome: TrainOutcome, s: TrainSettings, data: PreparedData, extra?: JsonObject): Promise<number> {
  const contents = await saveModel(outcome.model, {
    settings: s,
    config: s as unknown as JsonObject,
    method: { name: s.method, target: s.target, options: planOptions(outcome.plans) },
    dataset: preparedInfo(data),
    metrics: outcome.metrics,
    extra: {
      bestEpoch: outcome.result.bestEpoch,
      lastEpoch: outcome.result.lastEpoch,
      stoppedEarly: outcome.result.stoppedEarly,
      trainSeconds: outcome.result.trainSeconds,
      recipe: outcome.recipe as unknown as JsonObject,
      ...(outcome.search !== null ? { search: outcome.search as unknown as JsonObject } : {}),
      ...(extra ?? {}),
    },
  });
  return writeModel(path, contents);
}

/** A search's capture per table and its start, as one line. */
function searchLine(s: SearchReport): string {
  const tables = Object.entries(s.captures).map(([name, c]) => {
    const start = s.start[name];
    return `${name} after ${c.step} steps${c.epoch !== null ? ` (epoch ${c.epoch.toFixed(1)})` : ''}${start != null ? `, from sparsity ${start.sparsity.toFixed(3)}` : ''}`;
  });
  return `masks captured: ${tables.join('; ')}; search ${s.searchSeconds.toFixed(1)} s, retrain ${s.retrainSeconds.toFixed(1)} s`;
}

export function registerTrain(program: Command, streams: Streams): void {
  const cmd = program
    .command('train')
    .description('train a model (LightGCN, DeepFM, DCN-Mix) with an embedding method at a target sparsity')
    .option('-c, --config <file>', 'settings file (JSON or YAML)')
    .option('-o, --out <file>', 'model file to write (default model.lers)')
    .option('--checkpoint <file>', 'checkpoint after every epoch; an existing one is resumed')
    .option('--dry-run', 'resolve the settings, load the data and size the tables, but do not train')
    .option('--cache-dir <dir>', 'dataset cache root');
  addSettingOptions(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (opts: { config?: string; out?: string; checkpoint?: string; dryRun?: boolean; cacheDir?: string }, c: Command) => {
    const ctx = new Context(c, streams);
    const { given } = await commandSettings(c, opts.config, ctx.flags.seed);
    const s = trainableSettings(given);
    const config = effectiveConfig(s);
    const out = resolve(opts.out ?? 'model.lers');
    const data = await prepareData(s, ctx.io, opts.cacheDir);
    const plans = planTables(s, data.dataset);
    const planJson = plans.map((p) => ({ table: p.name, rows: p.rows, dim: p.dim, method: p.method, options: planOptions([p])[p.name], params: p.budget?.params ?? p.rows * p.dim, sparsity: p.budget?.sparsity ?? 0 }));
    if (opts.dryRun === true) {
      ctx.io.result({ config, plan: planJson, dataset: { name: data.name, counts: data.dataset.manifest.counts } }, () => `config ${JSON.stringify(config)}\n${planJson.map((p) => `table ${p.table}: ${p.rows} x ${p.dim} ${p.method} ${JSON.stringify(p.options)} params ${p.params} (sparsity ${p.sparsity.toFixed(4)})`).join('\n')}`);
      return;
    }
    ctx.io.info(`config ${JSON.stringify(config)}`);
    await ctx.withBackend(async (be) => {
      const outcome = await trainFromSettings(be, data.dataset, s, { ...trainProgress(ctx.io, 'train'), checkpoint: opts.checkpoint === undefined ? null : resolve(opts.checkpoint), plans });
      try {
        const bytes = await writeTrained(out, outcome, s, data);
        const r = outcome.result;
        const metrics = { valid: r.bestValid, test: r.test };
        const size = await tableSizes(outcome.model.embeddingTables());
        ctx.io.result(
          {
            output: out,
            fileBytes: bytes,
            config,
            plan: planJson,
            params: size.params,
            sparsity: size.sparsity,
            embeddingBytes: size.memoryBytes,
            bestEpoch: r.bestEpoch,
            lastEpoch: r.lastEpoch,
            stoppedEarly: r.stoppedEarly,
            trainSeconds: r.trainSeconds,
            metrics,
            flatMetrics: flatMetrics(r.bestValid, r.test),
            recipe: outcome.recipe,
            search: outcome.search,
            backend: ctx.backendUsed,
          },
          () => {
            const sel = outcome.model.selectionMetric;
            const fmt = (m: Record<string, number> | null): string => (m === null ? '-' : Object.entries(m).filter(([k]) => k !== 'users').map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '));
            return [
              `wrote ${out} (${bytes} bytes)`,
              `method ${s.method}${s.target !== null ? ` target ${s.target}` : ''}: ${size.params} parameters, sparsity ${size.sparsity.toFixed(4)}, embeddings ${size.memoryBytes} bytes`,
              `best epoch ${r.bestEpoch ?? '-'} of ${r.lastEpoch} (${r.trainSeconds.toFixed(1)} s training); selection metric ${sel}`,
              ...(outcome.search !== null ? [searchLine(outcome.search)] : []),
              `valid: ${fmt(r.bestValid)}`,
              `test:  ${fmt(r.test)}`,
            ].join('\n');
          },
        );
      } finally {
        outcome.model.dispose();
      }
    });
  });
}
