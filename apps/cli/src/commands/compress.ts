/** `lers compress model.lers --method magprune|ptq|... -o out.lers`: post-training compression. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { JsonObject } from '@lers/data';
import { checkCompressMethod, compressModel, datasetInfoOf, evaluateBoth, flatMetrics, loadModel, methodRegistrations, parseKeyValues, parseTarget, saveModel, tableSizes, type TrainSettings } from '@lers/models';
import { Context } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { openModelFile, writeModel } from '../cli/model-files.js';
import { preparedInfo } from '../data/prepare.js';
import { datasetOfModel } from './eval.js';

/** The post-training methods of the registry (what compress takes). */
function postTrainingMethods(): string[] {
  return methodRegistrations().filter((m) => m.kind === 'post-training').map((m) => m.name);
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function registerCompress(program: Command, streams: Streams): void {
  program
    .command('compress')
    .description(`post-training compression of a trained full model (${postTrainingMethods().join(', ')})`)
    .argument('<model>', 'a .lers model file with full tables')
    .requiredOption('--method <name>', `post-training method: ${postTrainingMethods().join(', ')}`)
    .option('--target <sparsity>', 'target sparsity, e.g. 0.8 or 80% (ptq: 0.5 = 16 bit, 0.75 = int8, ...)')
    .option('--format <format>', 'ptq storage format: fp16, int8, int16, rowwise-int8, rowwise-int4, rowwise-int2')
    .option('--kmin <n|auto>', 'magprune: largest entries protected per row, or auto (chosen on validation)', 'auto')
    .option('--method-option <key=value>', 'method option, repeatable', collect)
    .option('--budget-tolerance <x>', 'accepted relative error of the parameter count vs the target', '0.01')
    .option('--data <name|path>', 'dataset for validation and metrics instead of the recorded one')
    .option('--data-option <key=value>', 'dataset option, repeatable', collect)
    .option('--no-eval', 'do not load the dataset: no metrics, and --kmin must be a number')
    .option('--cache-dir <dir>', 'dataset cache root')
    .requiredOption('-o, --out <file>', 'compressed model file to write')
    .addHelpText(
      'after',
      `
Examples:
  $ lers compress full.lers --method magprune --target 0.8 -o mag80.lers
  $ lers compress full.lers --method magprune --target 0.95 --kmin 1 --no-eval -o mag95.lers
  $ lers compress full.lers --method ptq --format int8 -o int8.lers
  $ lers compress full.lers --method ptq --target 0.5 -o fp16.lers        # the solver picks 16 bits`,
    )
    .action(
      async (
        path: string,
        opts: { method: string; target?: string; format?: string; kmin: string; methodOption?: string[]; budgetTolerance: string; data?: string; dataOption?: string[]; eval: boolean; cacheDir?: string; out: string },
        cmd: Command,
      ) => {
        const ctx = new Context(cmd, streams);
        checkCompressMethod(opts.method);
        const target = opts.target === undefined ? null : parseTarget(opts.target, '--target');
        const options: JsonObject = parseKeyValues(opts.methodOption ?? [], '--method-option');
        if (opts.format !== undefined) {
          if (opts.method !== 'ptq') throw new UsageError('--format is a ptq option');
          options.format = opts.format;
        }
        if (target === null && !(opts.method === 'ptq' && opts.format !== undefined)) throw new UsageError(`--target is required (or --format for ptq)`);
        const kMin = opts.kmin === 'auto' ? 'auto' : Number(opts.kmin);
        if (kMin !== 'auto' && (!Number.isInteger(kMin) || kMin < 0)) throw new UsageError(`--kmin must be auto or an integer >= 0, got ${JSON.stringify(opts.kmin)}`);
        if (kMin === 'auto' && !opts.eval && (opts.method === 'magprune' || opts.method === 'magprune-int8')) throw new UsageError('--kmin auto needs the validation data: give --kmin <n> with --no-eval');
        const tolerance = Number(opts.budgetTolerance);
        if (!(tolerance >= 0)) throw new UsageError(`--budget-tolerance must be a number >= 0, got ${JSON.stringify(opts.budgetTolerance)}`);
        const file = await openModelFile(path);
        if (file.header.method.name !== 'full') throw new UsageError(`${path} holds a ${file.header.method.name} model; compress takes a model trained with --method full`);
        const data = opts.eval ? await datasetOfModel(file, ctx.io, opts.data, opts.dataOption, opts.cacheDir) : null;
        const out = resolve(opts.out);
        const result = await ctx.withBackend(async (be) => {
          const { model: full, settings } = loadModel(file, be, data?.dataset, path);
          try {
            const sourceMetrics = data !== null ? await evaluateBoth(full) : null;
            const ds = full.dataset;
            const s: TrainSettings = { ...settings, method: opts.method, target, methodOptions: options, budgetTolerance: tolerance };
            const c = await compressModel(be, full, ds, s, { method: opts.method, target, options, kMin, tolerance });
            try {
              const metrics = data !== null ? await evaluateBoth(c.model) : null;
              const contents = await saveModel(c.model, {
                settings: s,
                config: s as unknown as JsonObject,
                method: { name: opts.method, target, options: c.options },
                dataset: data !== null ? preparedInfo(data) : datasetInfoOf(file.header),
                metrics: metrics !== null ? flatMetrics(metrics.valid, metrics.test) : {},
                extra: { compressedFrom: resolve(path), kMin: c.kMin, kMinTrials: c.trials as unknown as JsonObject[], sourceMetrics: sourceMetrics as unknown as JsonObject },
              });
              const bytes = await writeModel(out, contents);
              return { bytes, sizes: await tableSizes(c.model.embeddingTables(), c.options), metrics, sourceMetrics, kMin: c.kMin, trials: c.trials, options: c.options };
            } finally {
              c.model.dispose();
            }
          } finally {
            full.dispose();
          }
        });
        const bytes = result.bytes;
        ctx.io.result(
          { output: out, fileBytes: bytes, method: opts.method, target, kMin: result.kMin, kMinTrials: result.trials, options: result.options, params: result.sizes.params, sparsity: result.sizes.sparsity, embeddingBytes: result.sizes.memoryBytes, sizes: result.sizes, metrics: result.metrics, sourceMetrics: result.sourceMetrics },
          () => {
            const fmt = (m: Record<string, number> | undefined): string => (m === undefined ? '-' : Object.entries(m).filter(([k]) => k !== 'users').map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '));
            return [
              `wrote ${out} (${bytes} bytes)`,
              `${opts.method}${target !== null ? ` target ${target}` : ''}${result.kMin !== null ? ` k_min ${result.kMin}` : ''}: ${result.sizes.params} params (sparsity ${result.sizes.sparsity.toFixed(4)}), embeddings ${result.sizes.memoryBytes} bytes`,
              ...(result.metrics !== null
                ? [`valid: ${fmt(result.metrics.valid)}`, `test:  ${fmt(result.metrics.test)}`, `(full model test: ${fmt(result.sourceMetrics?.test)})`]
                : ['(no metrics: --no-eval)']),
            ].join('\n');
          },
        );
      },
    );
}
