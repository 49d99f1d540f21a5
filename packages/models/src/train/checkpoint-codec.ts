import { decodeUtf8 } from '@lers/data';
import { CheckpointError } from './errors.js';

/**
 * The binary checkpoint format: 8 bytes magic `LERSCKP1`, a u32 (little-endian) byte length of a
 * UTF-8 JSON header, the header, zero padding to a multiple of 4, then the f32 sections one after
 * another in the order the header lists them (little-endian). Non-finite numbers in the header
 * survive the JSON round trip (tagged as {"$num": "NaN"}), so a resumed history equals the original.
 */
export interface CheckpointData {
  /** JSON-able run state (epoch, rng, optimizer step, best epoch, history, ...). */
  readonly header: Record<string, unknown>;
  /** Raw f32 state by name (parameters, buffers, optimizer moments, the best snapshot). */
  readonly sections: Readonly<Record<string, Float32Array>>;
}

const MAGIC = 'LERSCKP1';

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

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
  if (!littleEndian()) throw new CheckpointError('checkpoints are little-endian; this platform is not');
  const names = Object.keys(data.sections);
  const header = { ...data.header, sections: names.map((name) => ({ name, length: data.sections[name].length })) };
  const json = new TextEncoder().encode(JSON.stringify(header, replacer));
  const dataStart = align4(12 + json.length);
  let total = dataStart;
  for (const name of names) total += 4 * data.sections[name].length;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let offset = dataStart;
  for (const name of names) {
    const s = data.sections[name];
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), offset);
    offset += s.byteLength;
  }
  return out;
}

/** Decodes `encodeCheckpoint` output; throws CheckpointError on anything malformed or truncated. */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointData {
  if (!littleEndian()) throw new CheckpointError('checkpoints are little-endian; this platform is not');
  if (bytes.length < 12 || decodeUtf8(bytes.subarray(0, 8)) !== MAGIC) {
    throw new CheckpointError('not a lers checkpoint (bad magic)');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new CheckpointError('checkpoint truncated inside its header');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeUtf8(bytes.subarray(12, 12 + headerLength)), reviver);
  } catch (e) {
    throw new CheckpointError(`checkpoint header is not JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object') throw new CheckpointError('checkpoint header is not an object');
  const { sections: list, ...header } = parsed as Record<string, unknown>;
  if (!Array.isArray(list)) throw new CheckpointError('checkpoint header lists no sections');
  const sections: Record<string, Float32Array> = {};
  let offset = align4(12 + headerLength);
  for (const entry of list as unknown[]) {
    const { name, length } = (entry ?? {}) as { name?: unknown; length?: unknown };
    if (typeof name !== 'string' || typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
      throw new CheckpointError('checkpoint section entry is malformed');
    }
    const end = offset + 4 * length;
    if (end > bytes.length) throw new CheckpointError(`checkpoint truncated in section "${name}"`);
    // Copy: the file's bytes need not be 4-byte aligned, and the caller may keep the sections.
    sections[name] = new Float32Array(bytes.slice(offset, end).buffer);
    offset = end;
  }
  if (offset !== bytes.length) throw new CheckpointError(`checkpoint has ${bytes.length - offset} unexpected trailing bytes`);
  return { header, sections };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
