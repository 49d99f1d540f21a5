/** `lers worker`: runs the cells of queued bench runs (`lers bench --queue`), on any machine. */
import type { Command } from 'commander';
import { Context, positiveInt } from '../cli/context.js';
import type { Streams } from '../cli/io.js';
import { onInterrupt } from '../cli/signals.js';
import { parseRedisUrl, queueUrl } from '../queue/redis-url.js';
import { runWorker } from '../queue/worker.js';

const HELP = `
Takes cells of every run queued on that Redis (by \`lers bench --queue\`), one per --concurrency
slot, each in its own thread, and runs them as \`lers bench\` would, in the run's --store (a
directory every worker shares, at the same path). Start as many as you like, on any machine that
can reach Redis and the store. A worker that dies loses nothing: its cells go back to the queue
once their lock expires (--lock-seconds) and another worker resumes them from their checkpoints.
Ctrl-C: running cells finish first; a second Ctrl-C quits at once.

Examples:
  $ lers worker --queue redis://queue-host:6379
  $ LERS_REDIS_URL=rediss://:secret@queue-host:6380 lers worker --concurrency 2`;

export function registerWorker(program: Command, streams: Streams): void {
  program
    .command('worker')
    .description('run the cells of queued bench runs (lers bench --queue), on any machine')
    .option('--queue <url>', 'Redis URL (redis://HOST:PORT[/DB], rediss:// for TLS; default LERS_REDIS_URL)')
    .option('--concurrency <n>', 'cells at a time (default 1)')
    .option('--lock-seconds <n>', "job lock: a dead worker's cell is re-queued about this long after it died (default 30)")
    .addHelpText('after', HELP)
    .action(async (opts: { queue?: string; concurrency?: string; lockSeconds?: string }, c: Command) => {
      const ctx = new Context(c, streams);
      const target = parseRedisUrl(queueUrl(opts.queue, true)!);
      await runWorker({
        target,
        concurrency: opts.concurrency === undefined ? 1 : positiveInt(opts.concurrency, '--concurrency'),
        lockMs: (opts.lockSeconds === undefined ? 30 : positiveInt(opts.lockSeconds, '--lock-seconds')) * 1000,
        io: ctx.io,
        stop: new Promise((resolve) => { onInterrupt(resolve); }),
      });
    });
}
