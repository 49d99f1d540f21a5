/**
 * Incremental MurmurHash3 (x86, 32-bit): fast (one multiply chain per 4-byte word) and well mixed,
 * so truncation, bit flips and swapped blocks change the result. A check against accidents, not
 * against tampering. Bytes may arrive in pieces of any length.
 */
export class Murmur3 {
  private h: number;
  private total = 0;
  private readonly tail = new Uint8Array(4);
  private tailLength = 0;

  constructor(seed = 0) {
    this.h = seed | 0;
  }

  /** Feeds more bytes. */
  update(bytes: Uint8Array): this {
    this.total += bytes.length;
    let k = 0;
    // Complete a word left over from the previous piece.
    while (this.tailLength > 0 && this.tailLength < 4 && k < bytes.length) this.tail[this.tailLength++] = bytes[k++];
    if (this.tailLength === 4) {
      this.h = mixWord(this.h, this.tail[0] | (this.tail[1] << 8) | (this.tail[2] << 16) | (this.tail[3] << 24));
      this.tailLength = 0;
    }
    const words = (bytes.length - k) >>> 2;
    const offset = bytes.byteOffset + k;
    if (LITTLE_ENDIAN && offset % 4 === 0) {
      const view = new Uint32Array(bytes.buffer, offset, words);
      let h = this.h;
      for (let w = 0; w < words; w++) h = mixWord(h, view[w]);
      this.h = h;
    } else {
      let h = this.h;
      for (let p = k; p < k + 4 * words; p += 4) h = mixWord(h, bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24));
      this.h = h;
    }
    k += 4 * words;
    while (k < bytes.length) this.tail[this.tailLength++] = bytes[k++];
    return this;
  }

  /** The hash of everything fed so far (the state is left unchanged). */
  digest(): number {
    let h = this.h;
    if (this.tailLength > 0) {
      let x = 0;
      for (let i = this.tailLength - 1; i >= 0; i--) x = (x << 8) | this.tail[i];
      h ^= scrambleWord(x);
    }
    // The length enters modulo 2^32, as in the reference implementation.
    h ^= this.total % 0x100000000;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593;
/** The per-word scramble of MurmurHash3. */
function scrambleWord(word: number): number {
  const x = Math.imul(word, C1);
  return Math.imul((x << 15) | (x >>> 17), C2);
}

/** One MurmurHash3 body step: folds a 4-byte little-endian word into the state. */
function mixWord(h: number, word: number): number {
  h ^= scrambleWord(word);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** MurmurHash3 x86_32 of a byte array. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  return new Murmur3(seed).update(bytes).digest();
}
