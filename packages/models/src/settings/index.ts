/** The settings of a training run: every hyperparameter, the protocol's defaults, their checks. */
export {
  BACKBONES,
  SETTINGS,
  camel,
  defaultSettings,
  effectiveConfig,
  kebab,
  parseKeyValues,
  parseOptionValue,
  parseSetting,
  parseTarget,
  resolveSettings,
  specOf,
  taskOfBackbone,
  taskOfData,
  type BackboneName,
  type PartialSettings,
  type SettingSpec,
  type Task,
  type TrainSettings,
} from './settings.js';
export { SettingsError } from './errors.js';
