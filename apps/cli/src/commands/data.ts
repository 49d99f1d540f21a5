/**
 * `lers data list|fetch|info|convert`: the dataset registry, downloads with progress, and the
 * conversion of raw files in any layout to the binary cache. list runs @lers/data's own CLI
 * (`lers-data`); fetch, info and convert call its fetchDataset, readDatasetHeader and convertFiles.
 */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  convertFiles,
  DATASETS,
  fetchDataset,
  FORMAT_OPTION_KEYS,
  readDatasetHeader,
  runCli as runDataCli,
  type ConvertRequest,
  type ConvertResult,
  type DatasetManifest,
  type DownloadProgress,
  type JsonObject,
  type ReadProgress,
} from '@lers/data/node';
import { parseKeyValues } from '@lers/models';
import { cliError, folderFiles } from '../data/datasets.js';
import { Context } from '../cli/context.js';
import { DataError, EXIT, UsageError } from '../cli/errors.js';
import type { Progress } from '../cli/progress.js';
import type { Streams } from '../cli/io.js';

/** Runs `lers-data` with captured output; its exit codes are ours (EXIT), its failures become our errors. */
async function delegate(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDataCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  if (code === 0) return { out, err };
  const message = err.split('\n').find((l) => l.trim() !== '')?.replace(/^lers-data: /, '') ?? `lers-data exited with ${code}`;
  if (code === EXIT.usage) throw new UsageError(message);
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
  $ lers data info data/gowalla                  # a folder: train.txt, test.txt [, valid.txt]
  $ lers data fetch ml-100k
  $ lers data convert lightgcn train.txt test.txt -o gowalla.lersdata --carve-valid 0.09
  $ lers data convert ratings.tsv -o mine.lersdata      # format detected and printed
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
    .description('what a dataset holds: the counts, format and preprocessing of an encoded .lersdata file, or of raw files (read, not written)')
    .argument('<files...>', 'a .lersdata file, a dataset folder (as --datasets takes it), or raw files in any layout (see `lers data convert --help`)')
    .option('--format <format>', `raw files: ${FILE_FORMATS.join(' | ')} (default: detected and printed)`)
    .option('--data-option <key=value>', 'raw files: reader option, repeatable (see convert)', collect)
    .option('--schema <file>', 'raw CTR files: column roles in a JSON/YAML file')
    .addHelpText('after', '\nExamples:\n  $ lers data info gowalla.lersdata\n  $ lers data info ratings.csv --format triplets\n  $ lers data info ml-100k.inter --json')
    .action(async (files: string[], opts: { format?: string; dataOption?: string[]; schema?: string }, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      if (files.length === 1 && files[0].toLowerCase().endsWith('.lersdata')) {
        const header = await readDatasetHeader(files[0]);
        ctx.io.result({ meta: header.meta, sections: header.sections }, () => summary(header.meta.manifest as unknown as DatasetManifest, null));
        return;
      }
      const r = await convert(ctx, files, opts.format, readerOptions(opts), { dryRun: true });
      ctx.io.result({ format: r.format, detected: detectedReason(r), manifest: r.dataset.manifest }, () => summary(r.dataset.manifest, formatLine(r)));
    });

  data
    .command('convert')
    .description('read raw files in any layout and write the binary cache (the format is detected and printed unless given)')
    .argument('<inputs...>', '[format] files: lightgcn train [valid] test, one or more files of another format, or a dataset folder alone')
    .option('-o, --out <file>', 'output .lersdata file (default: the cache folder)')
    .option('--format <format>', `${FILE_FORMATS.join(' | ')} (default: detected from the files; an ambiguous file is an error naming the candidates)`)
    .option('--data-option <key=value>', 'reader option, repeatable: CTR columns label=, dense=I1-I13, sparse=C1-C26, ignore=; triplets separator=, header=, columns=; CF split=ratio|leave-one-out, ratios=0.8,0.1,0.1, order=random|time; recbole userField= ...', collect)
    .option('--schema <file>', 'CTR CSV: column roles (label, dense, sparse, ignore, separator, minCount) in a JSON or YAML file')
    .option('--name <name>', 'dataset name in the manifest')
    .option('--min-count <n>', 'CTR: rarer values share the OOV index (criteo 10, avazu 2, ctr-csv 2 or 10 for Criteo columns)')
    .option('--split <kind>', 'CTR: random or chronological; CF: ratio or leave-one-out')
    .option('--split-seed <n>', 'seed of the split (2023)')
    .option('--expand-hour', 'Avazu: hour -> hour-of-day, weekday, is-weekend')
    .option('--min-rating <r>', 'MovieLens, triplets, RecBole: keep ratings >= r (implicit feedback)')
    .option('--carve-valid <fraction>', 'LightGCN without valid file: carve this fraction of train (0.09)')
    .option('--cache-dir <dir>', 'cache root')
    .addHelpText(
      'after',
      `
Examples:
  $ lers data convert ratings.dat -o ml-1m.lersdata                                   # detected: movielens
  $ lers data convert lightgcn data/gowalla/train.txt data/gowalla/test.txt --carve-valid 0.09 -o gowalla.lersdata
  $ lers data convert interactions.tsv --data-option min-rating=4 -o mine.lersdata      # triplets
  $ lers data convert ml-100k.inter --data-option order=time -o ml-100k.lersdata        # RecBole
  $ lers data convert criteo_sample.txt -o criteo.lersdata                              # CSV with Criteo's header
  $ lers data convert clicks.csv --data-option label=clicked --data-option dense=f1-f5 --data-option sparse=c1-c9 -o clicks.lersdata
  $ lers data convert avazu train.csv.gz --expand-hour -o avazu.lersdata`,
    )
    .action(async (inputs: string[], opts: Record<string, string | string[] | boolean | undefined>, cmd: Command) => {
      const ctx = new Context(cmd, streams);
      // A first word that is not a file names the format (as in `convert lightgcn train.txt test.txt`).
      const named = inputs.length > 1 && /^[a-z-]+$/.test(inputs[0]) && !existsSync(inputs[0]);
      if (named && opts.format !== undefined) throw new UsageError('give the format once: as the first argument or as --format');
      const format = named ? inputs[0] : (opts.format as string | undefined);
      const files = named ? inputs.slice(1) : inputs;
      const options = readerOptions(opts);
      for (const [key, flag] of FLAG_OPTIONS) if (typeof opts[key] === 'string') options[flag] = opts[key];
      if (opts.expandHour === true) options.expandHour = true;
      const r = await convert(ctx, files, format, options, { out: opts.out as string | undefined, cacheDir: opts.cacheDir as string | undefined });
      const counts = r.dataset.manifest.counts;
      for (const [name, n] of Object.entries(counts)) {
        if (name.startsWith('duplicates') && n > 0) ctx.io.warn(`${n} duplicate interactions (${name}) were kept once`);
      }
      const t = r.throughput;
      ctx.io.result(
        { path: r.path, cacheHit: r.cacheHit, format: r.format, detected: detectedReason(r), counts, throughput: t, exitCode: EXIT.ok },
        () =>
          [
            formatLine(r),
            `${r.cacheHit ? 'cache hit' : 'wrote'} ${r.path ?? ''}`,
            countsLine(counts),
            ...(t !== null ? [`read ${t.rows} rows in ${t.seconds.toFixed(2)} s: ${t.rowsPerSec.toFixed(0)} rows/s, ${t.mbPerSec.toFixed(1)} MB/s`] : []),
          ].join('\n'),
      );
    });
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/** Convert's flags that are reader options of the same meaning (commander's key -> option key). */
const FLAG_OPTIONS: readonly (readonly [string, string])[] = [
  ['name', 'name'],
  ['minCount', 'minCount'],
  ['split', 'split'],
  ['splitSeed', 'splitSeed'],
  ['minRating', 'minRating'],
  ['carveValid', 'carveValid'],
];

const FILE_FORMATS = Object.keys(FORMAT_OPTION_KEYS);

/** `--data-option` pairs and `--schema` as reader options. */
function readerOptions(opts: { dataOption?: string[]; schema?: string }): JsonObject {
  const options = parseKeyValues(opts.dataOption ?? [], '--data-option');
  if (opts.schema !== undefined) options.schema = opts.schema;
  return options;
}

/** A conversion's result and how its format was chosen (`given`, or `detected: <why>`). */
type Converted = ConvertResult & { readonly formatReason: string };

/**
 * Runs `convertFiles` with read progress on stderr; detection and option errors become the CLI's.
 * A dataset folder given alone is read as `--datasets` reads it; a folder among files is an error.
 */
async function convert(ctx: Context, inputs: string[], givenFormat: string | undefined, options: JsonObject, extra: { out?: string; cacheDir?: string; dryRun?: boolean }): Promise<Converted> {
  if (givenFormat !== undefined && givenFormat !== 'auto' && !FILE_FORMATS.includes(givenFormat)) throw new UsageError(`unknown format "${givenFormat}" (known: ${FILE_FORMATS.join(', ')}, auto)`);
  const folder = inputs.length === 1 ? folderFiles(inputs[0], givenFormat === undefined || givenFormat === 'auto' ? options : { ...options, format: givenFormat }) : null;
  const stray = folder === null ? inputs.find((f) => existsSync(f) && statSync(f).isDirectory()) : undefined;
  if (stray !== undefined) throw new DataError(`${stray}: is a folder; give a dataset folder alone (LightGCN train.txt/test.txt, a CTR train file, one RecBole .inter file), or files`);
  const files = folder?.files ?? inputs;
  const format = folder?.format ?? givenFormat;
  // A folder names the dataset (`ml-1m-lightgcn`, not the reader's default `lightgcn`) unless --name does.
  if (folder !== null && options.name === undefined) options = { ...options, name: folder.name };
  const bars = new Map<string, Progress>();
  const onProgress = (p: ReadProgress): void => {
    const label = `${p.phase ?? 'read'} ${p.file.split(/[\\/]/).pop() ?? p.file}`;
    let bar = bars.get(label);
    if (bar === undefined) {
      bar = ctx.io.progress(label, { total: null, unit: 'MB' });
      bars.set(label, bar);
    }
    bar.update(Math.floor(p.bytes / 1e6));
  };
  try {
    const r = await convertFiles({ files, format: format as ConvertRequest['format'], options, onProgress, ...extra });
    return { ...r, formatReason: folder?.reason ?? (r.detected === null ? 'given' : `detected: ${r.detected.reason}`) };
  } catch (err) {
    throw cliError(err);
  } finally {
    for (const b of bars.values()) b.finish();
  }
}

/** Why the format was detected (JSON output's `detected`); null when it was given. */
function detectedReason(r: Converted): string | null {
  return r.formatReason.startsWith('detected: ') ? r.formatReason.slice('detected: '.length) : null;
}

/** The format line every data command prints: what was read and why. */
function formatLine(r: Converted): string {
  return `format: ${r.format} (${r.formatReason})`;
}

function countsLine(counts: Record<string, number>): string {
  return `counts: ${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`;
}

/** A dataset's manifest as lines: name, task, format, sources, counts, parameters. */
function summary(m: DatasetManifest, format: string | null): string {
  return [
    ...(format !== null ? [format] : []),
    `name: ${m.name}  task: ${m.task}  format: ${m.format}`,
    ...m.sources.map((s) => `source: ${s.path} (${s.bytes.toLocaleString('en-US')} bytes${s.sha256 !== '' ? `, sha256 ${s.sha256.slice(0, 16)}...` : ''})`),
    countsLine(m.counts),
    `params: ${JSON.stringify(m.params)}`,
    `split seed: ${m.splitSeed ?? 'none (split given by the files)'}`,
  ].join('\n');
}
