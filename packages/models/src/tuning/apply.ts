import type { Params } from '@lers/tune';
import { SettingsError } from '../settings/errors.js';
import { parseSetting, specOf, type TrainSettings } from '../settings/settings.js';
import { METHOD_PARAM } from './spaces.js';

/**
 * The settings of a trial: `s` with each parameter set, a `method.<option>` one into the method
 * options and any other into the run setting of that name (checked as a flag or config value is).
 */
export function applyParams(s: TrainSettings, params: Params): TrainSettings {
  const out: TrainSettings = { ...s, methodOptions: { ...s.methodOptions } };
  for (const [name, value] of Object.entries(params)) {
    if (name.startsWith(METHOD_PARAM)) {
      out.methodOptions[name.slice(METHOD_PARAM.length)] = value;
      continue;
    }
    const spec = specOf(name);
    if (spec === undefined || spec.key !== name) throw new SettingsError(`tuning: parameter "${name}" is neither a run setting nor method.<option>`);
    if (spec.kind === 'kv' || spec.key === 'method' || spec.key === 'target' || spec.key === 'data') throw new SettingsError(`tuning: "${name}" cannot be tuned`);
    (out as unknown as Record<string, unknown>)[spec.key] = parseSetting(spec, value, `tuning parameter ${name}`);
  }
  return out;
}
