/** `lers eval model.lers`: metrics of a model file on the valid and test splits of its dataset. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ModelFile } from '@lers/embeddings';
import { datasetInfoOf, loadModel, parseKeyValues, type Metrics } from '@lers/models';
import { Context } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Io, Streams } from '../cli/io.js';
import { openModelFile } from '../cli/model-files.js';
import { dataRefName, loadData, resolveDataRef, type DataRef } from '../data/datasets.js';
import type { PreparedData } from '../data/prepare.js';

/** The dataset of a model file (its stored reference, or --data). */
export async function datasetOfModel(file: ModelFile, io: Io, data?: string, dataOptions?: string[], cacheDir?: string): Promise<PreparedData> {
  const stored = datasetInfoOf(file.header);
  const ref = data !== undefined ? resolveDataRef(data, parseKeyValues(dataOptions ?? [], '--data-option')) : (stored.ref as unknown as DataRef);
  const dataset = await loadData(ref, { cacheDir, onInfo: (t) => { io.info(t); } });
  return { ref, name: data !== undefined ? dataRefName(ref) : stored.name, dataset };
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function registerEval(program: Command, streams: Streams): void {
  program
    .command('eval')
    .description('metrics of a model file on its dataset (CF: Recall/NDCG@K with train items masked; CTR: AUC, LogLoss)')
    .argument('<model>', 'a .lers model file')
    .option('--split <split>', 'valid, test or all', 'all')
    .option('--data <name|path>', 'evaluate on this dataset instead of the one recorded in the model')
    .option('--data-option <key=value>', 'dataset option, repeatable', collect)
    .option('--cache-dir <dir>', 'dataset cache root')
    .addHelpText('after', '\nExamples:\n  $ lers eval qr80.lers\n  $ lers eval qr80.lers --split test --json\n  $ lers eval gowalla-full.lers --data ~/data/gowalla')
    .action(async (path: string, opts: { split: string; data?: string; dataOption?: string[]; cacheDir?: string }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      if (!['valid', 'test', 'all'].includes(opts.split)) throw new UsageError(`--split must be valid, test or all, got ${JSON.stringify(opts.split)}`);
      const file = await openModelFile(path);
      const data = await datasetOfModel(file, ctx.io, opts.data, opts.dataOption, opts.cacheDir);
      const splits = opts.split === 'all' ? (['valid', 'test'] as const) : ([opts.split] as ['valid'] | ['test']);
      const metrics = await ctx.withBackend(async (be) => {
        const { model } = loadModel(file, be, data.dataset, path);
        try {
          const out: Record<string, Metrics> = {};
          for (const s of splits) out[s] = await model.evaluate(s);
          return out;
        } finally {
          model.dispose();
        }
      });
      const h = file.header;
      const sizes = h.method.sizes as { params: number; sparsity: number; memoryBytes: number };
      ctx.io.result(
        { model: resolve(path), task: h.task, backbone: h.backbone, method: h.method.name, target: h.method.target, params: sizes.params, sparsity: sizes.sparsity, embeddingBytes: sizes.memoryBytes, dataset: data.name, metrics, backend: ctx.backendUsed },
        () =>
          [
            `${path}: ${h.backbone} ${h.method.name}${h.method.target !== null ? ` target ${h.method.target}` : ''}, ${sizes.params} params (sparsity ${sizes.sparsity.toFixed(4)}), embeddings ${sizes.memoryBytes} bytes; dataset ${data.name}`,
            ...Object.entries(metrics).map(([split, m]) => `${split.padEnd(5)} ${Object.entries(m).filter(([k]) => k !== 'users').map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`),
          ].join('\n'),
      );
    });
}
