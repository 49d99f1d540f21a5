/** `lers recommend model.lers --user 42 -k 20`: top-k items for users of a CF model. */
import type { Command } from 'commander';
import { Context, nonNegativeInt, positiveInt } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Streams } from '../cli/io.js';
import { loadModel } from '../model-io/model-io.js';
import { CfRecommender, LightGcn, hasTextUserIds, itemIds, openModelFile, userIndex } from '../model-io/serve.js';

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...v.split(',').filter((s) => s.trim() !== '')];
}

export function registerRecommend(program: Command, streams: Streams): void {
  program
    .command('recommend')
    .description("top-k items for users of a CF model (full ranking; the user's train items are masked)")
    .argument('<model>', 'a .lers model file of task cf')
    .requiredOption('-u, --user <id>', 'user id (repeatable, or comma separated)', collect)
    .option('-k, --k <n>', 'number of items', '20')
    .option('--no-mask', "keep the user's train items in the ranking")
    .addHelpText(
      'after',
      `
Users and items are the dataset's ids (0-based for LightGCN files; the raw ids, integer or text, when the
dataset has an id map: MovieLens, triplets, RecBole).

Examples:
  $ lers recommend qr80.lers --user 42
  $ lers recommend qr80.lers --user 1,2,3 -k 10 --json
  $ lers recommend mine.lers --user alice       # a model trained on triplets with text user ids`,
    )
    .action(async (path: string, opts: { user: string[]; k: string; mask: boolean }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const k = positiveInt(opts.k, '-k');
      const file = await openModelFile(path);
      if (file.header.task !== 'cf') throw new UsageError(`${path} is a ${file.header.task} model: recommend needs a cf model (use \`lers predict\` for ctr)`);
      const out = await ctx.withBackend((be) => {
        const { model } = loadModel(file, be);
        if (!(model instanceof LightGcn)) {
          model.dispose();
          throw new UsageError('recommend needs a LightGCN model');
        }
        // Raw ids are text when the training data had text ids (triplets, RecBole tokens).
        const users = opts.user.map((u) => (hasTextUserIds(model) ? u : nonNegativeInt(u, '--user')));
        const rec = new CfRecommender(model);
        try {
          rec.propagate();
          const recs = users.map((u) => {
            const r = rec.recommend(userIndex(model, u), k, opts.mask);
            return { user: u, items: itemIds(model, r.items), scores: Array.from(r.scores) };
          });
          return Promise.resolve(recs);
        } finally {
          rec.dispose();
          model.dispose();
        }
      });
      ctx.io.result({ model: path, k, masked: opts.mask, users: out }, () =>
        out.map((r) => [`user ${r.user}`, ...r.items.map((it, i) => `  ${String(i + 1).padStart(3)}  item ${String(it).padStart(7)}  score ${r.scores[i].toFixed(4)}`)].join('\n')).join('\n'),
      );
    });
}
