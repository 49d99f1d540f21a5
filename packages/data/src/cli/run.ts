import { parseArgs } from 'node:util';
import { readDatasetHeader, writeDatasetFile } from '../cache/file.js';
import { datasetCacheKey } from '../cache/key.js';
import { LersDataError } from '../errors.js';
import { loadDataset, readDataset, specParams, specSources, type DatasetSpec } from '../node/load.js';
import type { Throughput } from '../readers/common.js';
import type { ReadProgress } from '../readers/lines.js';
import { DATASETS } from '../registry/datasets.js';
import { fetchDataset } from '../registry/fetch.js';

/** Where the CLI writes (replaceable in tests). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const USAGE = `usage:
  lers-data list
  lers-data fetch <dataset> [--cache-dir DIR]
  lers-data encode <lightgcn|movielens|criteo|avazu> <files...> [--out FILE] [--name NAME]
      [--min-count N] [--split random|chronological] [--seed S] [--expand-hour]
      [--min-rating R] [--carve-valid FRACTION] [--cache-dir DIR] [--quiet]
      lightgcn files: train [valid] test
  lers-data info <file.lersdata>
exit status: 0 ok, 1 bad data or failed download, 2 usage error`;

class UsageError extends Error {}

/** Runs the CLI; returns the exit status (0 ok, 1 data/download error, 2 usage error). */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'list':
        for (const d of DATASETS) io.out(`${d.name.padEnd(16)} ${d.task.padEnd(4)} ${d.format.padEnd(16)} ${d.manual ? '(manual) ' : ''}${d.description}\n`);
        return 0;
      case 'fetch':
        return await fetchCommand(rest, io);
      case 'encode':
        return await encodeCommand(rest, io);
      case 'info':
        return await infoCommand(rest, io);
      default:
        throw new UsageError(command === undefined ? 'no command' : `unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`lers-data: ${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof LersDataError || typeof (err as NodeJS.ErrnoException).code === 'string') {
      io.err(`lers-data: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

async function fetchCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'cache-dir': { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('fetch takes one dataset name');
  const got = await fetchDataset(positionals[0], { cacheDir: values['cache-dir'] });
  for (const [name, path] of Object.entries(got.files)) io.out(`${name}\t${path}\t${got.sha256[name] ?? ''}\n`);
  return 0;
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number`);
  return n;
}

async function encodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      name: { type: 'string' },
      'min-count': { type: 'string' },
      split: { type: 'string' },
      seed: { type: 'string' },
      'expand-hour': { type: 'boolean' },
      'min-rating': { type: 'string' },
      'carve-valid': { type: 'string' },
      'cache-dir': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const [format, ...files] = positionals;
  if (files.length === 0) throw new UsageError('encode needs a format and input files');
  const seed = number(values.seed, '--seed') ?? 2023;
  const minCount = number(values['min-count'], '--min-count');
  const split = values.split === undefined ? undefined : values.split === 'chronological' ? { kind: 'chronological' as const } : { kind: 'random' as const, seed };
  if (values.split !== undefined && values.split !== 'random' && values.split !== 'chronological') throw new UsageError('--split is random or chronological');
  let spec: DatasetSpec;
  if (format === 'lightgcn') {
    if (files.length < 2 || files.length > 3) throw new UsageError('lightgcn needs train [valid] test');
    const fraction = number(values['carve-valid'], '--carve-valid');
    spec = {
      reader: format,
      name: values.name,
      train: files[0],
      valid: files.length === 3 ? files[1] : undefined,
      test: files[files.length - 1],
      carveValidation: fraction !== undefined ? { fraction, seed } : undefined,
    };
  } else if (format === 'movielens') {
    if (files.length !== 1) throw new UsageError('movielens takes one ratings file');
    spec = { reader: format, name: values.name, file: files[0], minRating: number(values['min-rating'], '--min-rating'), seed };
  } else if (format === 'criteo' || format === 'avazu') {
    spec = { reader: format, name: values.name, files, minCount, split, ...(format === 'avazu' ? { expandHour: values['expand-hour'] } : {}) };
  } else {
    throw new UsageError(`unknown format "${format}"`);
  }

  const onProgress = values.quiet === true ? undefined : (p: ReadProgress): void => {
    io.err(`  ${p.phase ?? 'read'} ${p.file}: ${p.rows} rows, ${p.rowsPerSec.toFixed(0)} rows/s, ${p.mbPerSec.toFixed(1)} MB/s\n`);
  };
  let path: string;
  let throughput: Throughput | null;
  let dataset;
  if (values.out !== undefined) {
    const { key } = await datasetCacheKey(specSources(spec), specParams(spec));
    ({ dataset, throughput } = await readDataset(spec, onProgress));
    await writeDatasetFile(values.out, dataset, key);
    path = values.out;
  } else {
    const loaded = await loadDataset(spec, { cacheDir: values['cache-dir'], onProgress });
    ({ dataset, throughput, path } = loaded);
    if (loaded.hit) io.out('cache hit\n');
  }
  const counts = dataset.manifest.counts;
  io.out(`${path}\n${JSON.stringify(counts)}\n`);
  for (const [name, n] of Object.entries(counts)) {
    if (name.startsWith('duplicates') && n > 0) io.err(`warning: ${n} duplicate interactions (${name}) were kept once\n`);
  }
  if (throughput) io.out(`read ${throughput.rows} rows in ${throughput.seconds.toFixed(2)} s: ${throughput.rowsPerSec.toFixed(0)} rows/s, ${throughput.mbPerSec.toFixed(1)} MB/s\n`);
  return 0;
}

async function infoCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1) throw new UsageError('info takes one file');
  const header = await readDatasetHeader(args[0]);
  io.out(`${JSON.stringify({ meta: header.meta, sections: header.sections }, null, 2)}\n`);
  return 0;
}
