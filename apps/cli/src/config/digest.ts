import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject } from '@lers/data';

/** The first `length` hex digits of the SHA-256 of `value`'s canonical JSON: a name that changes exactly when the settings do. */
export function settingsDigest(value: JsonObject, length: number): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}
