/** Config files of `lers train` / `lers bench`: JSON or YAML objects of settings. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UsageError } from '../cli/errors.js';
import { SETTINGS, camel, parseSetting, specOf, type PartialSettings } from '@lers/models';

/** Parses config text (YAML when the file name says so or it is not JSON-shaped). */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const yaml = /\.ya?ml$/i.test(file) || !/^\s*[{[]/.test(text);
  let value: unknown;
  if (yaml) {
    try {
      value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const pos = err.linePos?.[0];
        const where = pos !== undefined ? `${file}:${pos.line}:${pos.col}` : file;
        throw new UsageError(`${where}: malformed YAML config: ${err.message.split('\n')[0]}`);
      }
      throw err;
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${file}: malformed JSON config: ${(err as Error).message}`);
    }
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file}: a config file must hold an object of settings, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  return value as Record<string, unknown>;
}

/** Checks and converts a config object into settings; unknown keys are errors that list the known ones. */
export function settingsFromObject(obj: Record<string, unknown>, file: string, ignore: readonly string[] = []): PartialSettings {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(obj)) {
    if (ignore.includes(camel(key))) continue;
    const spec = specOf(key);
    if (spec === undefined) {
      throw new UsageError(`${file}: unknown setting "${key}" (known: ${SETTINGS.map((s) => s.key).join(', ')})`);
    }
    out[spec.key] = parseSetting(spec, raw, `${file}: ${key}`);
  }
  return out;
}

/** Reads a config file into settings (keys `ignore`d are left to the caller, e.g. bench's grid keys). */
export async function loadConfigFile(path: string, ignore: readonly string[] = []): Promise<{ settings: PartialSettings; raw: Record<string, unknown> }> {
  const text = await readFile(path, 'utf8');
  const raw = parseConfigText(text, path);
  return { settings: settingsFromObject(raw, path, ignore), raw };
}
