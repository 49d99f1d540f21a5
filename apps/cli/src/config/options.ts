/** Command-line flags of the training settings (one per setting; see settings.ts). */
import { Option, type Command } from 'commander';
import type { JsonObject } from '@lers/data';
import { parseKeyValues, parseSetting, SETTINGS, kebab, type PartialSettings, type SettingSpec } from '@lers/models';

function flagName(spec: SettingSpec): string {
  if (spec.key === 'methodOptions') return 'method-option';
  if (spec.key === 'dataOptions') return 'data-option';
  if (spec.key === 'clWeight') return 'w-cl';
  return kebab(spec.key);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds one flag per (non-global) setting; `skip` leaves some out (e.g. bench's grid keys). */
export function addSettingOptions(cmd: Command, skip: readonly string[] = []): Command {
  for (const spec of SETTINGS) {
    if (spec.global === true || skip.includes(spec.key)) continue;
    const name = flagName(spec);
    const arg = spec.arg ?? 'value';
    if (spec.kind === 'kv') {
      cmd.addOption(new Option(`--${name} <${arg}>`, spec.help).argParser(collect));
    } else if (spec.kind === 'bool') {
      cmd.addOption(new Option(`--${name} [${arg}]`, spec.help));
    } else {
      const opt = new Option(`--${name} <${arg}>`, spec.help);
      cmd.addOption(spec.choices !== undefined ? opt.choices([...spec.choices]) : opt);
    }
  }
  return cmd;
}

/** The settings given as flags on this command (only those actually on the command line). */
export function settingsFromFlags(cmd: Command, skip: readonly string[] = []): PartialSettings {
  const out: Record<string, unknown> = {};
  const values = cmd.opts<Record<string, unknown>>();
  for (const spec of SETTINGS) {
    if (spec.global === true || skip.includes(spec.key)) continue;
    const name = flagName(spec);
    const attr = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (cmd.getOptionValueSource(attr) !== 'cli') continue;
    const raw = values[attr];
    if (spec.kind === 'kv') out[spec.key] = parseKeyValues(raw as string[], `--${name}`);
    else out[spec.key] = parseSetting(spec, raw === true ? 'true' : raw, `--${name}`);
  }
  return out;
}

/** Merges settings: later sources win; method/data options are merged key by key. */
export function mergeSettings(...sources: PartialSettings[]): PartialSettings {
  const out: PartialSettings = {};
  for (const s of sources) {
    for (const [k, v] of Object.entries(s)) {
      if (v === undefined) continue;
      if (k === 'methodOptions' || k === 'dataOptions') {
        (out as Record<string, unknown>)[k] = { ...((out as Record<string, JsonObject>)[k] ?? {}), ...(v as JsonObject) };
      } else (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}
