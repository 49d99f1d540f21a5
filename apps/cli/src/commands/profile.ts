/** `lers profile model.lers`: load time and memory, peak memory, request latency by phase. */
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { memorySnapshot } from '@lers/eval';
import { CF_SERVING_MODES, MemoryLimitError, type CfServingMode, type ModelInfo, type PhaseTiming } from '@lers/runtime';
import { parseBytes } from '@lers/advisor';
import { Context, nonNegativeInt, positiveInt } from '../cli/context.js';
import type { Streams } from '../cli/io.js';

const mb = (b: number | null): string => (b === null ? '-' : `${(b / 1048576).toFixed(1)} MiB`);
const ms = (t: PhaseTiming): string => `${t.minMs.toFixed(3)} / ${t.medianMs.toFixed(3)} / ${t.maxMs.toFixed(3)} ms`;

/** What `lers profile` measures. */
export interface ProfileReport {
  readonly info: ModelInfo;
  readonly fileBytes: number;
  readonly load: { readonly totalMs: number; readonly rssDeltaBytes: number | null; readonly arrayBuffersDeltaBytes: number | null };
  readonly peakRssBytes: number | null;
  readonly repeats: number;
  readonly latency: Readonly<Record<string, PhaseTiming>>;
  readonly batch: number | null;
  readonly k: number | null;
}

/** The text report of a profile. */
export function profileText(path: string, p: ProfileReport): string {
  const i = p.info;
  const sizes = i.sizes as { params?: number; sparsity?: number; memoryBytes?: number };
  return [
    `${path}: ${i.backbone} ${i.method.name}${i.method.target !== null ? ` target ${i.method.target}` : ''} on ${i.backend.kind} (${i.backend.kind === 'webgpu' ? '' : `${i.backend.threads} thread${i.backend.threads > 1 ? 's' : ''}; `}${i.backend.reason})`,
    ...(i.serving !== null ? [`serving: ${i.serving.mode} (${i.serving.why})`] : []),
    `size:    file ${p.fileBytes} bytes, embeddings ${sizes.memoryBytes ?? '-'} bytes, ${sizes.params ?? '-'} params (sparsity ${(sizes.sparsity ?? 0).toFixed(4)}); held in memory ${i.memoryBytes} bytes`,
    `load:    ${p.load.totalMs.toFixed(1)} ms; memory +${mb(p.load.rssDeltaBytes)} RSS, +${mb(p.load.arrayBuffersDeltaBytes)} array buffers`,
    `peak:    ${mb(p.peakRssBytes)} RSS`,
    `latency (min / median / max over ${p.repeats} repeats${i.task === 'cf' ? `, top-${p.k}` : ''}):`,
    ...Object.entries(p.latency).map(([k, t]) => `  ${(i.task === 'ctr' && k === 'batch' ? `batch-${p.batch}` : k).padEnd(12)} ${ms(t)}`),
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
    .option('--memory-limit <size>', 'the most memory the served model may hold, e.g. 64MB: over it, the profile is refused (or, with --on-memory-limit warn, warned about)')
    .addOption(new Option('--on-memory-limit <action>', 'refuse (stop loading before passing the limit, exit 1) or warn (load, profile, and say by how much it is over)').choices(['refuse', 'warn']).default('refuse'))
    .addOption(new Option('--serving <mode>', 'CF: propagate per request (the paper\'s edge setting), or cached final embeddings (fp32, int8)').choices([...CF_SERVING_MODES]).default('propagate'))
    .addHelpText(
      'after',
      `
CF requests are split into propagation (table lookups + graph propagation over all nodes; none
when cached), scoring (one user against every item), filtering (the user's train items masked)
and top-k. CTR requests are batches of random valid rows (--batch, default 64) and single rows.

Examples:
  $ lers profile qr80.lers
  $ lers profile qr80.lers --serving cached-int8
  $ lers profile deepfm.lers --batch 64 --repeats 100 --json
  $ lers profile qr80.lers --threads 2 --user 42
  $ lers profile qr80.lers --memory-limit 64MB
  $ lers profile full.lers --memory-limit 64MB --on-memory-limit warn --serving cached-int8

--memory-limit counts what the model holds in backend memory (its tables, graph and serving
buffers, the file where it is used in place; "held in memory" in the report), the per-request
buffers of the first requests included, not the Node process around it (see peak RSS).`,
    )
    .action(async (path: string, opts: { repeats: string; warmup: string; user?: string; k: string; batch: string; serving: CfServingMode; memoryLimit?: string; onMemoryLimit: 'refuse' | 'warn' }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const limit = opts.memoryLimit === undefined ? undefined : parseBytes(opts.memoryLimit, '--memory-limit');
      const refuse = limit !== undefined && opts.onMemoryLimit === 'refuse';
      const options = {
        repeats: positiveInt(opts.repeats, '--repeats'),
        warmup: nonNegativeInt(opts.warmup, '--warmup'),
        ...(opts.user !== undefined ? { users: [nonNegativeInt(opts.user, '--user')] } : {}),
        k: positiveInt(opts.k, '-k'),
        batch: positiveInt(opts.batch, '--batch'),
        seed: ctx.flags.seed ?? 2023,
      };
      const fileBytes = (await stat(path).catch(() => ({ size: 0 }))).size;
      const before = memorySnapshot();
      const t0 = performance.now();
      const rec = await ctx.loadRecommender(path, null, opts.serving, refuse ? limit : undefined);
      const totalMs = performance.now() - t0;
      const after = memorySnapshot();
      const delta = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
      let p: ProfileReport;
      try {
        const latency = await rec.profile(options);
        const info = rec.info();
        p = {
          info,
          fileBytes,
          load: { totalMs, rssDeltaBytes: delta(after.rssBytes, before.rssBytes), arrayBuffersDeltaBytes: delta(after.arrayBuffersBytes, before.arrayBuffersBytes) },
          peakRssBytes: memorySnapshot().maxRssBytes,
          repeats: options.repeats,
          latency,
          batch: info.task === 'ctr' ? options.batch : null,
          k: info.task === 'cf' ? options.k : null,
        };
      } finally {
        rec.dispose();
      }
      const i = p.info;
      const memoryLimit = limit === undefined ? null : { bytes: limit, action: opts.onMemoryLimit, exceeded: i.memoryBytes > limit };
      if (memoryLimit?.exceeded === true) {
        const over = `${path} holds ${i.memoryBytes} bytes while serving (${i.serving?.mode ?? 'ctr'}), over --memory-limit ${limit} by ${i.memoryBytes - limit!} bytes`;
        if (refuse) throw new MemoryLimitError(`${over} (its first requests' buffers passed the limit)`);
        ctx.io.warn(`${over}${i.serving?.mode === 'propagate' ? '; cached-int8 serving or a smaller method holds less' : ''}`);
      }
      const sizes = i.sizes as { params?: number; sparsity?: number; memoryBytes?: number };
      ctx.io.result(
        {
          model: path,
          task: i.task,
          backbone: i.backbone,
          method: i.method.name,
          target: i.method.target,
          backend: i.backend.kind,
          threads: i.backend.threads,
          backendReason: i.backend.reason,
          serving: i.serving,
          params: sizes.params ?? null,
          sparsity: sizes.sparsity ?? null,
          embeddingBytes: sizes.memoryBytes ?? null,
          memoryBytes: i.memoryBytes,
          memoryLimit,
          ...p,
        },
        () => profileText(path, p),
      );
    });
}
