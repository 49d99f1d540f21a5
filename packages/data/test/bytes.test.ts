import { describe, expect, it } from 'vitest';
import { Rng } from '@lers/kernels/random';
import { decodeUtf8, parseNumberBytes, splitFields, WHITESPACE } from '../src/index.js';

const enc = new TextEncoder();
const parse = (text: string): number => {
  const b = enc.encode(`x${text}y`);
  return parseNumberBytes(b, 1, b.length - 1);
};

describe('parseNumberBytes', () => {
  it('gives exactly what Number() gives for decimal text (random fractions included)', () => {
    const rng = new Rng(7);
    const texts = ['0', '-0', '+5', '5.', '.5', '007', '3.5', '-12.250', '1e3', '2.5E-2', '123456789012345', '1234567890123456789', '0.1', '0.30000000000000004'];
    for (let k = 0; k < 5000; k++) {
      const digits = 1 + Math.floor(rng.nextFloat() * 15);
      const n = Math.floor(rng.nextFloat() * 10 ** digits);
      const s = String(n).padStart(digits, '0');
      const at = Math.floor(rng.nextFloat() * (digits + 1));
      texts.push(`${rng.nextFloat() < 0.3 ? '-' : ''}${s.slice(0, at)}.${s.slice(at)}`);
    }
    for (const t of texts) expect(Object.is(parse(t), Number(t)), t).toBe(true);
  });

  it('is NaN for anything else', () => {
    for (const t of ['', '.', '-', '1.2.3', '0x10', 'Infinity', 'NaN', ' 1', '1 ', '1,5', 'e5']) expect(parse(t), t).toBeNaN();
  });
});

describe('splitFields', () => {
  it('splits at a byte or at runs of blanks and counts fields beyond its capacity', () => {
    const b = enc.encode('a,,b,c');
    const bounds = new Int32Array(4);
    expect(splitFields(b, 0, b.length, 44, bounds)).toBe(4);
    expect(Array.from(bounds)).toEqual([0, 1, 2, 2]);
    const w = enc.encode('  a \t bb  ');
    expect(splitFields(w, 0, w.length, WHITESPACE, bounds)).toBe(2);
    expect(Array.from(bounds)).toEqual([2, 3, 6, 8]);
  });
});

describe('decodeUtf8 over shared memory', () => {
  it('hands TextDecoder a copy of a SharedArrayBuffer view (browsers refuse shared views; simulated here) and the bytes of others as they are', () => {
    const original = Object.getOwnPropertyDescriptor(TextDecoder.prototype, 'decode')!.value as TextDecoder['decode'];
    const seen: boolean[] = [];
    TextDecoder.prototype.decode = function (this: TextDecoder, input?: AllowSharedBufferSource, options?: TextDecodeOptions) {
      const shared = input !== undefined && ArrayBuffer.isView(input) && input.buffer instanceof SharedArrayBuffer;
      seen.push(shared);
      if (shared) throw new TypeError('The provided ArrayBufferView value must not be shared.');
      return original.call(this, input, options);
    };
    try {
      const text = '{"a":"é"}';
      const encoded = new TextEncoder().encode(text);
      const shared = new Uint8Array(new SharedArrayBuffer(encoded.length + 4), 2, encoded.length);
      shared.set(encoded);
      expect(decodeUtf8(shared, true)).toBe(text);
      expect(decodeUtf8(encoded)).toBe(text);
      expect(seen).toEqual([false, false]);
      expect(() => decodeUtf8(new Uint8Array([0xff]), true)).toThrow(TypeError);
      expect(decodeUtf8(new Uint8Array([0xff]))).toBe('\ufffd');
    } finally {
      TextDecoder.prototype.decode = original;
    }
  });
});
