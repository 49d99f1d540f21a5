import { DataFormatError, type JsonObject } from '@lers/data';
import { writeFileAtomic, writeAll } from '@lers/data/node';
import { readFile } from 'node:fs/promises';
import { resolveStudyConfig, type ResolvedStudyConfig, type StudyConfig } from './config.js';
import { TuneError } from './errors.js';
import { compileSpace, toInternal, type Domain, type Params } from './space.js';
import type { TrialRecord } from './trial.js';

const FORMAT = 'lers-tune-study';
const VERSION = 1;

/**
 * The study file's text: JSON with the config on one line and one finished trial per line, in
 * trial order, so that a reader (or a diff) sees one line per trial.
 */
export function formatStudyFile(config: ResolvedStudyConfig, trials: readonly TrialRecord[]): string {
  const lines = trials.map((t) => JSON.stringify(t));
  return `{"format":${JSON.stringify(FORMAT)},"version":${VERSION},\n"config":${JSON.stringify(config)},\n"trials":[\n${lines.join(',\n')}\n]}\n`;
}

/** Writes the study file atomically (a kill leaves the previous version or this one, never a mix). */
export async function writeStudyFile(file: string, config: ResolvedStudyConfig, trials: readonly TrialRecord[]): Promise<void> {
  const bytes = new TextEncoder().encode(formatStudyFile(config, trials));
  await writeFileAtomic(file, (fh) => writeAll(fh, bytes));
}

/** A study file's contents, or null when it does not exist. Malformed contents throw a DataFormatError naming the file, line and value. */
export async function readStudyFile(file: string): Promise<{ config: ResolvedStudyConfig; trials: TrialRecord[] } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parseStudyFile(text, file);
}

/** Parses and checks a study file's text (`file` names it in errors). */
export function parseStudyFile(text: string, file: string): { config: ResolvedStudyConfig; trials: TrialRecord[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec(String(err))?.[1];
    const line = at === undefined ? 0 : text.slice(0, Number(at)).split('\n').length;
    throw new DataFormatError(file, line, text.split('\n')[Math.max(0, line - 1)] ?? '', `not a lers tune study (invalid JSON: ${(err as Error).message})`);
  }
  const lines = text.split('\n');
  const lineOf = (needle: string): number => lines.findIndex((l) => l.startsWith(needle)) + 1;
  if (!isObject(doc) || doc.format !== FORMAT) throw new DataFormatError(file, 1, lines[0] ?? '', `not a lers tune study (format must be "${FORMAT}")`);
  if (doc.version !== VERSION) throw new DataFormatError(file, 1, String(doc.version), `unsupported study file version (this lers reads version ${VERSION})`);
  const configLine = lineOf('"config"');
  let config: ResolvedStudyConfig;
  try {
    config = resolveStudyConfig(doc.config as StudyConfig);
  } catch (err) {
    throw new DataFormatError(file, configLine, JSON.stringify(doc.config ?? null), `bad config: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.trials)) throw new DataFormatError(file, lineOf('"trials"'), JSON.stringify(doc.trials ?? null), 'trials must be an array');
  const domains = compileSpace(config.space);
  const firstTrialLine = lineOf('"trials"') + 1;
  const seen = new Set<number>();
  const trials = (doc.trials as unknown[]).map((raw, i) => {
    const line = firstTrialLine > 1 ? firstTrialLine + i : 0;
    const trial = checkTrial(raw, domains, (why) => new DataFormatError(file, line, JSON.stringify(raw), `trial ${i}: ${why}`));
    if (seen.has(trial.number)) throw new DataFormatError(file, line, JSON.stringify(raw), `trial ${i}: number ${trial.number} appears twice`);
    seen.add(trial.number);
    return trial;
  });
  trials.sort((a, b) => a.number - b.number);
  return { config, trials };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkTrial(raw: unknown, domains: readonly Domain[], bad: (why: string) => Error): TrialRecord {
  if (!isObject(raw)) throw bad('not an object');
  const { number, params, state, value, constraints, error, attrs, seconds } = raw;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) throw bad(`number must be an integer >= 0, got ${JSON.stringify(number)}`);
  if (state !== 'complete' && state !== 'fail') throw bad(`state must be complete or fail, got ${JSON.stringify(state)}`);
  if (!isObject(params)) throw bad('params must be an object');
  const names = domains.map((d) => d.name);
  const extra = Object.keys(params).find((k) => !names.includes(k));
  if (extra !== undefined) throw bad(`parameter "${extra}" is not in the search space`);
  for (const d of domains) {
    if (!(d.name in params)) throw bad(`parameter "${d.name}" is missing`);
    try {
      toInternal(d, params[d.name]);
    } catch (err) {
      if (err instanceof TuneError) throw bad(err.message);
      throw err;
    }
  }
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw bad(`value must be a finite number or null, got ${JSON.stringify(value)}`);
  if (!Array.isArray(constraints) || constraints.some((c) => typeof c !== 'number')) throw bad('constraints must be an array of numbers');
  if (state === 'complete' && value === null && !constraints.some((c) => (c as number) > 0)) throw bad('a feasible complete trial needs a value');
  if (error !== null && typeof error !== 'string') throw bad('error must be a string or null');
  if (!isObject(attrs)) throw bad('attrs must be an object');
  if (typeof seconds !== 'number' || !(seconds >= 0)) throw bad(`seconds must be a number >= 0, got ${JSON.stringify(seconds)}`);
  return { number, params: params as Params, state, value, constraints: constraints as number[], error, attrs: attrs as JsonObject, seconds };
}
