/** A list of strings as two typed arrays (for binary containers): UTF-8 bytes and end offsets. */
import { decodeUtf8 } from './utf8.js';

const encoder = new TextEncoder();

/** Strings packed as concatenated UTF-8 `bytes`; string k is `bytes[ends[k-1] .. ends[k])` (ends[-1] = 0). */
export interface PackedTexts {
  bytes: Uint8Array;
  ends: Int32Array;
}

/** Packs `texts` (see `PackedTexts`). */
export function packTexts(texts: readonly string[]): PackedTexts {
  const encoded = texts.map((t) => encoder.encode(t));
  const ends = new Int32Array(encoded.length);
  let total = 0;
  encoded.forEach((e, k) => {
    total += e.length;
    ends[k] = total;
  });
  const bytes = new Uint8Array(total);
  encoded.forEach((e, k) => {
    bytes.set(e, ends[k] - e.length);
  });
  return { bytes, ends };
}

/** The strings of `packTexts`; throws RangeError when the offsets or the UTF-8 are malformed. */
export function unpackTexts({ bytes, ends }: PackedTexts): string[] {
  return Array.from(ends, (end, k) => {
    const start = k === 0 ? 0 : ends[k - 1];
    if (!(start <= end && end <= bytes.length)) throw new RangeError(`packed text ${k}: offsets ${start}..${end} out of order or past ${bytes.length} bytes`);
    return decodeUtf8(bytes.subarray(start, end), true);
  });
}
