/**
 * Where the kernel module and the pool's worker come from: the defaults (files of this package),
 * a source per variant, a worker script passed in, and the errors when either cannot load.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmVariant } from '../src/index.js';
import { defaultWasmUrl } from '../src/wasm/loader.js';

/** gemm of a 40x24 by 24x16 product (enough rows to use the pool at 2 threads). */
async function product(be: Awaited<ReturnType<typeof createWasmBackend>>): Promise<number[]> {
  const a = be.upload('f32', Array.from({ length: 40 * 24 }, (_, i) => (i % 9) - 4));
  const b = be.upload('f32', Array.from({ length: 24 * 16 }, (_, i) => (i % 5) - 2));
  const c = be.alloc('f32', 40 * 16);
  be.gemm(false, false, 40, 16, 24, 1, a, b, 0, c);
  return Array.from(await be.read(c));
}

describe('kernel module and worker sources', () => {
  it('a function source is asked for the variant that loads (threads or not) and gives the default result', async () => {
    const asked: WasmVariant[] = [];
    const bytesOf = (variant: WasmVariant) => {
      asked.push(variant);
      return readFileSync(defaultWasmUrl(variant));
    };
    const plain = await createWasmBackend();
    const one = await createWasmBackend({ source: bytesOf });
    const two = await createWasmBackend({ threads: 2, source: bytesOf });
    try {
      expect(asked).toEqual(['simd', 'simd-threads']);
      expect(two.threads).toBe(2);
      const want = await product(plain);
      expect(await product(one)).toEqual(want);
      expect(await product(two)).toEqual(want);
    } finally {
      plain.dispose();
      one.dispose();
      two.dispose();
    }
  });

  it('workerUrl starts the pool from the script given', async () => {
    const be = await createWasmBackend({ threads: 2, workerUrl: new URL('../dist/node/worker.js', import.meta.url) });
    try {
      expect(be.threads).toBe(2);
    } finally {
      be.dispose();
    }
  });

  it('a worker script that does not exist or a module that cannot be read is an error naming it', async () => {
    await expect(createWasmBackend({ threads: 2, workerUrl: new URL('./no-such-worker.js', import.meta.url) })).rejects.toThrow(/pool worker failed to start/);
    await expect(createWasmBackend({ source: new URL('./no-such.wasm', import.meta.url) })).rejects.toThrow(/cannot read the kernel module .*no-such\.wasm/);
  });
});

describe('string sources', () => {
  it('an absolute URL string loads; a relative one without a page to resolve against is a TypeError saying so', async () => {
    const be = await createWasmBackend({ source: defaultWasmUrl('simd').href });
    be.dispose();
    await expect(createWasmBackend({ source: 'kernels-simd.wasm' })).rejects.toThrow(/not a URL \(no page here/);
  });
});
