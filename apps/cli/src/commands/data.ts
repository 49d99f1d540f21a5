/**
 * `lers data list|fetch|info|convert`: the dataset registry, downloads with progress, and the
 * conversion of raw files to the binary cache. list/info/convert run @lers/data's own CLI
 * (`lers-data`); fetch calls its fetchDataset with a progress bar.
 */
import type { Command } from 'commander';
import { DATASETS, fetchDataset, readDatasetHeader, runCli as runDataCli, type DownloadProgress } from '@lers/data/node';
import { Context } from '../cli/context.js';
import { DataError, EXIT, UsageError } from '../cli/errors.js';
import type { Progress } from '../cli/progress.js';
import type { Streams } from '../cli/io.js';

/** Runs `lers-data` with captured output; maps its exit codes (1 data, 2 usage) to ours (2, 1). */
async function delegate(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDataCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  if (code === 0) return { out, err };
  const message = err.split('\n').find((l) => l.trim() !== '')?.replace(/^lers-data: /, '') ?? `lers-data exited with ${code}`;
  if (code === 2) throw new UsageError(message);
  throw new DataError(message);
}

export function registerData(program: Command, streams: Streams): void {
  const data = program
    .command('data')
    .description('datasets: the registry, downloads and conversion to the binary cache')
    .addHelpText(
      'after',
      `
Examples:
  $ lers data list
  $ lers data fetch ml-100k
  $ lers data convert lightgcn train.txt test.txt -o gowalla.lersdata --carve-valid 0.09
  $ lers data convert criteo train.txt.gz --min-count 10 -o criteo.lersdata
  $ lers data info gowalla.lersdata`,
    );

  data
    .command('list')
    .description('the datasets the registry knows')
    .addHelpText('after', '\nExamples:\n  $ lers data list\n  $ lers data list --json')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      if (ctx.flags.json) {
        ctx.io.result(
          DATASETS.map((d) => ({ name: d.name, task: d.task, format: d.format, manual: d.manual !== undefined, description: d.description, license: d.license })),
          () => '',
        );
        return;
      }
      ctx.io.out((await delegate(['list'])).out);
    });

  data
    .command('fetch')
    .description('download a registry dataset into the cache (resumable, sha256-checked)')
    .argument('<dataset>', 'registry name (see `lers data list`)')
    .option('--cache-dir <dir>', 'cache root (default $LERS_CACHE_DIR or $XDG_CACHE_HOME/lers)')
    .addHelpText('after', '\nExamples:\n  $ lers data fetch ml-100k\n  $ lers data fetch gowalla --cache-dir ./cache\n  $ lers data fetch criteo-kaggle   # explains the manual download')
    .action(async (name: string, opts: { cacheDir?: string }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      if (!DATASETS.some((d) => d.name === name)) throw new UsageError(`unknown dataset "${name}" (known: ${DATASETS.map((d) => d.name).join(', ')})`);
      const bars = new Map<string, Progress>();
      const onProgress = (p: DownloadProgress): void => {
        let bar = bars.get(p.url);
        if (bar === undefined) {
          bar = ctx.io.progress(`download ${p.url.split('/').pop() ?? p.url}`, { total: p.total === null ? null : Math.ceil(p.total / 1e6), unit: 'MB' });
          bars.set(p.url, bar);
        }
        bar.update(Math.floor(p.received / 1e6));
      };
      const got = await fetchDataset(name, { cacheDir: opts.cacheDir, onProgress });
      for (const b of bars.values()) b.finish();
      ctx.io.result({ dataset: name, dir: got.dir, files: got.files, sha256: got.sha256 }, () =>
        Object.entries(got.files)
          .map(([f, path]) => `${f}\t${path}\t${got.sha256[f] ?? ''}`)
          .join('\n'),
      );
    });

  data
    .command('info')
    .description('the header of an encoded dataset file (manifest, counts, sections)')
    .argument('<file>', 'a .lersdata file')
    .addHelpText('after', '\nExamples:\n  $ lers data info gowalla.lersdata')
    .action(async (file: string, _opts: object, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      if (ctx.flags.json) {
        const header = await readDatasetHeader(file);
        ctx.io.result({ meta: header.meta, sections: header.sections }, () => '');
        return;
      }
      ctx.io.out((await delegate(['info', file])).out);
    });

  data
    .command('convert')
    .description('read raw files (LightGCN, MovieLens, Criteo, Avazu) and write the binary cache')
    .argument('<format>', 'lightgcn | movielens | criteo | avazu')
    .argument('<files...>', 'input files (lightgcn: train [valid] test)')
    .option('-o, --out <file>', 'output .lersdata file (default: the cache folder)')
    .option('--name <name>', 'dataset name in the manifest')
    .option('--min-count <n>', 'CTR: rarer values share the OOV index (criteo 10, avazu 2)')
    .option('--split <kind>', 'CTR split: random or chronological')
    .option('--split-seed <n>', 'seed of the split (2023)')
    .option('--expand-hour', 'Avazu: hour -> hour-of-day, weekday, is-weekend')
    .option('--min-rating <r>', 'MovieLens: keep ratings >= r')
    .option('--carve-valid <fraction>', 'LightGCN without valid file: carve this fraction of train (0.09)')
    .option('--cache-dir <dir>', 'cache root')
    .addHelpText('after', '\nExamples:\n  $ lers data convert lightgcn data/gowalla/train.txt data/gowalla/test.txt --carve-valid 0.09 -o gowalla.lersdata\n  $ lers data convert avazu train.csv.gz --expand-hour -o avazu.lersdata')
    .action(async (format: string, files: string[], opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      const args = ['encode', format, ...files];
      const pass: [string, string][] = [
        ['out', '--out'],
        ['name', '--name'],
        ['minCount', '--min-count'],
        ['split', '--split'],
        ['splitSeed', '--seed'],
        ['minRating', '--min-rating'],
        ['carveValid', '--carve-valid'],
        ['cacheDir', '--cache-dir'],
      ];
      for (const [key, flag] of pass) if (typeof opts[key] === 'string') args.push(flag, opts[key]);
      if (opts.expandHour === true) args.push('--expand-hour');
      if (ctx.flags.quiet || ctx.flags.json) args.push('--quiet');
      const r = await delegate(args);
      const out = r.out;
      if (!ctx.flags.quiet && r.err !== '') streams.stderr(r.err);
      const lines = out.split('\n').filter((l) => l !== '');
      const hit = lines[0] === 'cache hit';
      const rest = hit ? lines.slice(1) : lines;
      const path = rest[0] ?? '';
      let counts: unknown = null;
      try {
        counts = JSON.parse(rest[1] ?? 'null');
      } catch {
        counts = null;
      }
      ctx.io.result({ path, cacheHit: hit, counts, exitCode: EXIT.ok }, () => out);
    });
}
