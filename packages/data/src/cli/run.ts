import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readDatasetHeader } from '../cache/file.js';
import { DataOptionError, FormatDetectionError, LersDataError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import type { JsonObject } from '../manifest.js';
import { convertFiles, type ConvertRequest } from '../node/convert.js';
import { DATA_FORMATS } from '../node/detect.js';
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
  lers-data encode [FORMAT] <files...> [--format FORMAT] [--option KEY=VALUE]... [--schema FILE]
      [--out FILE] [--name NAME] [--min-count N] [--split KIND] [--seed S] [--expand-hour]
      [--min-rating R] [--carve-valid FRACTION] [--cache-dir DIR] [--quiet]
      FORMAT: lightgcn (files: train [valid] test), movielens, triplets, recbole, criteo, avazu,
      ctr-csv, or auto (default: detected from the files and printed)
  lers-data info <file.lersdata>
exit status: 0 ok, 1 usage error, 2 bad data or failed download (as lers)`;

class UsageError extends Error {}

/** Runs the CLI; returns the exit status (EXIT: 0 ok, 1 usage error, 2 data/download error). */
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
    const usage = err instanceof UsageError || err instanceof DataOptionError || (err instanceof FormatDetectionError && err.ambiguous);
    if (usage || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`lers-data: ${(err as Error).message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof LersDataError || typeof (err as NodeJS.ErrnoException).code === 'string') {
      io.err(`lers-data: ${(err as Error).message}\n`);
      return EXIT.data;
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

/** `--option key=value` pairs (keys in kebab- or camelCase) as reader options. */
function keyValues(pairs: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--option takes key=value, got ${JSON.stringify(p)}`);
    out[p.slice(0, eq).trim().replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = p.slice(eq + 1).trim();
  }
  return out;
}

/** The reader options of encode's flags (each flag is the option of the same name). */
const FLAG_OPTIONS: readonly (readonly [string, string])[] = [
  ['min-count', 'minCount'],
  ['split', 'split'],
  ['seed', 'splitSeed'],
  ['min-rating', 'minRating'],
  ['carve-valid', 'carveValid'],
  ['schema', 'schema'],
  ['name', 'name'],
];

async function encodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      format: { type: 'string' },
      option: { type: 'string', multiple: true },
      schema: { type: 'string' },
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
  // `encode <format> <files...>` (as before) or `encode <files...> [--format F]` (detected when absent).
  // A first word that is not a file names the format.
  const named = positionals.length > 1 && /^[a-z-]+$/.test(positionals[0]) && !existsSync(positionals[0]);
  const format = named ? positionals[0] : (values.format ?? 'auto');
  const files = named ? positionals.slice(1) : positionals;
  if (named && values.format !== undefined) throw new UsageError('give the format once: as the first argument or as --format');
  if (format !== 'auto' && (!(DATA_FORMATS as readonly string[]).includes(format) || format === 'lersdata')) throw new UsageError(`unknown format "${format}" (known: ${DATA_FORMATS.filter((f) => f !== 'lersdata').join(', ')}, auto)`);
  if (files.length === 0) throw new UsageError('encode needs input files');
  const options = keyValues(values.option ?? []);
  for (const [flag, key] of FLAG_OPTIONS) {
    const v = values[flag as keyof typeof values];
    if (typeof v === 'string') options[key] = v;
  }
  if (values['expand-hour'] === true) options.expandHour = true;

  const onProgress = values.quiet === true ? undefined : (p: ReadProgress): void => {
    io.err(`  ${p.phase ?? 'read'} ${p.file}: ${p.rows} rows, ${p.rowsPerSec.toFixed(0)} rows/s, ${p.mbPerSec.toFixed(1)} MB/s\n`);
  };
  const r = await convertFiles({ files, format: format as ConvertRequest['format'], options, out: values.out, cacheDir: values['cache-dir'], onProgress });
  io.out(`format: ${r.format} (${r.detected === null ? 'given' : `detected: ${r.detected.reason}`})\n`);
  if (r.cacheHit) io.out('cache hit\n');
  const counts = r.dataset.manifest.counts;
  io.out(`${r.path ?? ''}\n${JSON.stringify(counts)}\n`);
  for (const [name, n] of Object.entries(counts)) {
    if (name.startsWith('duplicates') && n > 0) io.err(`warning: ${n} duplicate interactions (${name}) were kept once\n`);
  }
  const throughput = r.throughput;
  if (throughput) io.out(`read ${throughput.rows} rows in ${throughput.seconds.toFixed(2)} s: ${throughput.rowsPerSec.toFixed(0)} rows/s, ${throughput.mbPerSec.toFixed(1)} MB/s\n`);
  return 0;
}

async function infoCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1) throw new UsageError('info takes one file');
  const header = await readDatasetHeader(args[0]);
  io.out(`${JSON.stringify({ meta: header.meta, sections: header.sections }, null, 2)}\n`);
  return 0;
}
