/**
 * Bit-for-bit comparison of what the CLI produced on two machines: model files (every section's
 * bytes and the header, less the fields that record when and how long, not what) and command
 * outputs (text; `eval` and `recommend` documents less the model path they echo).
 */
import { readFileSync } from 'node:fs';
import type { JsonObject } from '@lers/data';
import { decodeModelFile } from '@lers/embeddings';

/**
 * Header fields that say when, how long or where, not what: `createdAt` (the wall-clock time the
 * file was written), `extra.trainSeconds` (the training's wall time) and `extra.compressedFrom`
 * (the absolute path of the model a compressed one came from: each machine works in its own
 * folder). Everything else in the header (sizes, config, dataset manifest, metrics, table headers)
 * must be equal. The synthetic datasets' references hold no file path, so no other field needs
 * excluding.
 */
export const EXCLUDED_HEADER_FIELDS: readonly string[] = ['createdAt', 'extra.trainSeconds', 'extra.compressedFrom'];

/** `key.path` -> leaf value of a JSON value (arrays indexed like objects). */
function leaves(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as JsonObject);
    if (entries.length === 0) out.set(path, Array.isArray(value) ? '[]' : '{}');
    for (const [k, v] of entries) leaves(v, path === '' ? k : `${path}.${k}`, out);
  } else out.set(path, value);
  return out;
}

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Null when the two model files are identical (see EXCLUDED_HEADER_FIELDS), else what differs. */
export function modelDifference(pathA: string, pathB: string): string | null {
  const a = decodeModelFile(new Uint8Array(readFileSync(pathA)), pathA);
  const b = decodeModelFile(new Uint8Array(readFileSync(pathB)), pathB);
  const diffs: string[] = [];
  const ha = leaves(a.header);
  const hb = leaves(b.header);
  for (const key of new Set([...ha.keys(), ...hb.keys()])) {
    if (EXCLUDED_HEADER_FIELDS.includes(key)) continue;
    if (!Object.is(ha.get(key), hb.get(key))) diffs.push(`header ${key}: ${JSON.stringify(ha.get(key))} vs ${JSON.stringify(hb.get(key))}`);
  }
  const names = [...a.sections.keys()];
  if (names.join('\n') !== [...b.sections.keys()].join('\n')) diffs.push(`sections: [${names.join(', ')}] vs [${[...b.sections.keys()].join(', ')}]`);
  for (const [name, sa] of a.sections) {
    const sb = b.sections.get(name);
    if (sb === undefined) continue;
    if (sa.constructor !== sb.constructor || !bytesOf(sa).equals(bytesOf(sb))) diffs.push(`section ${name}: ${firstDifference(sa, sb)}`);
  }
  return diffs.length === 0 ? null : diffs.slice(0, 5).join('; ') + (diffs.length > 5 ? `; and ${diffs.length - 5} more` : '');
}

/** Where two typed arrays first differ, and how many elements do. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  let first = -1;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  return first < 0 ? 'element types differ' : `${count} of ${a.length} elements differ, first at [${first}]: ${a[first]} vs ${b[first]}`;
}

/** A command's JSON document (`--json` of eval, recommend) less its `model` key: the path as given or resolved. */
export function withoutModelPath(stdout: string): string {
  const doc = JSON.parse(stdout) as JsonObject;
  delete doc.model;
  return JSON.stringify(doc, null, 2);
}

/** Null when two outputs are identical, else the first differing line. */
export function outputDifference(a: string, b: string): string | null {
  if (a === b) return null;
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: ${JSON.stringify(la[i]?.slice(0, 200))} vs ${JSON.stringify(lb[i]?.slice(0, 200))}`;
  }
  return 'outputs differ';
}
