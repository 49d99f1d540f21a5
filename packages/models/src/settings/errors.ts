/**
 * A setting that cannot be honoured as given: a value of the wrong type or out of range, an unknown
 * key, a backbone that does not fit the task. Command lines report it as a usage error.
 */
export class SettingsError extends Error {
  override name = 'SettingsError';
}
