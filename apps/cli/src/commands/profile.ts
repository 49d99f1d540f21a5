/** `lers profile model.lers`: load time and memory, peak memory, request latency by phase. */
import type { Command } from 'commander';
import { Context, nonNegativeInt, positiveInt } from '../cli/context.js';
import type { Streams } from '../cli/io.js';
import { profileModelFile, type ProfileResult } from '../run/profile.js';

const mb = (b: number | null): string => (b === null ? '-' : `${(b / 1048576).toFixed(1)} MiB`);
const ms = (t: { minMs: number; medianMs: number; maxMs: number }): string => `${t.minMs.toFixed(3)} / ${t.medianMs.toFixed(3)} / ${t.maxMs.toFixed(3)} ms`;

/** The text report of a profile. */
export function profileText(path: string, p: ProfileResult): string {
  return [
    `${path}: ${p.backbone} ${p.method}${p.target !== null ? ` target ${p.target}` : ''} on ${p.backend} (${p.threads} thread${p.threads > 1 ? 's' : ''})`,
    `size:    file ${p.fileBytes} bytes, embeddings ${p.embeddingBytes} bytes, ${p.params} params (sparsity ${p.sparsity.toFixed(4)})`,
    `load:    ${p.load.totalMs.toFixed(1)} ms (read ${p.load.readMs.toFixed(1)} ms, build ${p.load.buildMs.toFixed(1)} ms); memory +${mb(p.load.rssDeltaBytes)} RSS, +${mb(p.load.arrayBuffersDeltaBytes)} array buffers`,
    `peak:    ${mb(p.peakRssBytes)} RSS`,
    `latency (min / median / max over ${p.repeats} repeats${p.task === 'cf' ? `, top-${p.k}` : ''}):`,
    ...Object.entries(p.latency).map(([k, t]) => `  ${(p.task === 'ctr' && k === 'batch' ? `batch-${p.batch}` : k).padEnd(12)} ${ms(t)}`),
  ].join('\n');
}

export function registerProfile(program: Command, streams: Streams): void {
  program
    .command('profile')
    .description('edge measurements: load time and memory, peak memory, latency by phase (CF) or per batch (CTR)')
    .argument('<model>', 'a .lers model file')
    .option('--repeats <n>', 'timed repeats', '20')
    .option('--warmup <n>', 'untimed repeats first', '3')
    .option('-u, --user <id>', 'CF: the requesting user (default: seeded random users)')
    .option('-k, --k <n>', 'CF: top-k', '20')
    .option('--batch <n>', 'CTR: rows per request batch', '64')
    .addHelpText(
      'after',
      `
CF requests are split into propagation (table lookups + graph propagation over all nodes), scoring
(one user against every item), filtering (the user's train items masked) and top-k.
CTR requests are batches of random valid rows (--batch, default 64) and single rows.

Examples:
  $ lers profile qr80.lers
  $ lers profile deepfm.lers --batch 64 --repeats 100 --json
  $ lers profile qr80.lers --threads 2 --user 42`,
    )
    .action(async (path: string, opts: { repeats: string; warmup: string; user?: string; k: string; batch: string }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const options = {
        repeats: positiveInt(opts.repeats, '--repeats'),
        warmup: nonNegativeInt(opts.warmup, '--warmup'),
        users: opts.user === undefined ? undefined : [nonNegativeInt(opts.user, '--user')],
        k: positiveInt(opts.k, '-k'),
        batch: positiveInt(opts.batch, '--batch'),
        seed: ctx.flags.seed ?? 2023,
      };
      const p = await ctx.withBackend((be) => profileModelFile(path, be, options));
      ctx.io.result({ model: path, ...p }, () => profileText(path, p));
    });
}
