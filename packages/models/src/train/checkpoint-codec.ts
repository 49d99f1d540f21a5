import { CacheFormatError, decodeContainer, decodeUtf8, encodeContainer, type ContainerFormat, type JsonObject } from '@lers/data';
import { CheckpointError } from './errors.js';

/**
 * Checkpoints (training runs, pipeline states) in the lers binary container (the one of caches and
 * model files: magic, version, JSON header, aligned sections, checksum) with their own magic.
 * Non-finite numbers in the header survive the JSON round trip (tagged as {"$num": "NaN"}), so a
 * resumed history equals the original.
 */
export interface CheckpointData {
  /** JSON-able run state (epoch, rng, optimizer step, best epoch, history, ...). */
  readonly header: Record<string, unknown>;
  /** Raw f32 state by name (parameters, buffers, optimizer moments, the best snapshot). */
  readonly sections: Readonly<Record<string, Float32Array>>;
}

/** The container format of checkpoint files. */
export const CHECKPOINT_FORMAT: ContainerFormat = { magic: 'LERSCKPT', version: 1, what: 'lers checkpoint' };
/** The magic of the format checkpoints had before they moved into the container. */
const OLD_MAGIC = 'LERSCKP1';

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { $num: String(value) } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tag = (value as Record<string, unknown>).$num;
    if (typeof tag === 'string' && Object.keys(value).length === 1) return Number(tag);
  }
  return value;
}

/** Encodes a checkpoint into one byte array. */
export function encodeCheckpoint(data: CheckpointData): Uint8Array {
  const meta = JSON.parse(JSON.stringify(data.header, replacer)) as JsonObject;
  return encodeContainer(meta, Object.entries(data.sections).map(([name, section]) => ({ name, data: section })), CHECKPOINT_FORMAT);
}

/** Decodes `encodeCheckpoint` output; throws CheckpointError on anything malformed, truncated or corrupted. */
export function decodeCheckpoint(bytes: Uint8Array, file = '<checkpoint>'): CheckpointData {
  if (bytes.length >= 8 && decodeUtf8(bytes.subarray(0, 8)) === OLD_MAGIC) {
    throw new CheckpointError(`${file}: written by an earlier lers (format ${OLD_MAGIC}), which this version cannot resume; train with another checkpoint path, or remove it to start over`);
  }
  let decoded: ReturnType<typeof decodeContainer>;
  try {
    decoded = decodeContainer(bytes, file, CHECKPOINT_FORMAT);
  } catch (err) {
    if (err instanceof CacheFormatError) throw new CheckpointError(err.message);
    throw err;
  }
  const header = JSON.parse(JSON.stringify(decoded.header.meta), reviver) as Record<string, unknown>;
  const sections: Record<string, Float32Array> = {};
  for (const [name, s] of decoded.sections) {
    if (!(s instanceof Float32Array)) throw new CheckpointError(`${file}: section "${name}" is not float32`);
    sections[name] = s;
  }
  return { header, sections };
}
