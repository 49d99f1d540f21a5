/** `lers recommend model.lers --user 42 -k 20`: top-k items for users of a CF model. */
import { Option, type Command } from 'commander';
import { CF_SERVING_MODES, type CfServingMode } from '@lers/runtime';
import { Context, nonNegativeInt, positiveInt } from '../cli/context.js';
import type { Streams } from '../cli/io.js';

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
    .addOption(new Option('--serving <mode>', 'propagate once and keep the final embeddings (cached, cached-int8), or propagate per request').choices([...CF_SERVING_MODES]).default('cached'))
    .action(async (path: string, opts: { user: string[]; k: string; mask: boolean; serving: CfServingMode }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const k = positiveInt(opts.k, '-k');
      const rec = await ctx.loadRecommender(path, 'cf', opts.serving);
      let out: { user: number | string; items: (number | string)[]; scores: number[] }[];
      try {
        // Raw ids are text when the training data had text ids (triplets, RecBole tokens).
        const text = rec.info().ids?.users === 'text';
        const users = opts.user.map((u) => (text ? u : nonNegativeInt(u, '--user')));
        const recs = await rec.recommendMany(users, { k, excludeSeen: opts.mask });
        out = recs.map((r) => ({ user: r.user, items: Array.from<number | string>(r.items), scores: Array.from(r.scores) }));
      } finally {
        rec.dispose();
      }
      ctx.io.result({ model: path, k, masked: opts.mask, backend: ctx.backendUsed, users: out }, () =>
        out.map((r) => [`user ${r.user}`, ...r.items.map((it, i) => `  ${String(i + 1).padStart(3)}  item ${String(it).padStart(7)}  score ${r.scores[i].toFixed(4)}`)].join('\n')).join('\n'),
      );
    });
}
