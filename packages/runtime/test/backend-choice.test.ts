/**
 * The backend request: threads without shared memory (a page that is not cross-origin isolated,
 * simulated here; verify:bundlers checks real pages and workers in Chromium) run on 1 thread and
 * say why, or fail with strictThreads; the kernel module and worker sources reach the kernels.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultWasmUrl, type WasmVariant } from '@lers/kernels/wasm';
import { BackendUnavailableError, chooseBackend } from '../src/index.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('chooseBackend', () => {
  it('without SharedArrayBuffer, 2 threads run on 1 and the reason names COOP/COEP; strictThreads refuses', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    vi.stubGlobal('crossOriginIsolated', false);
    const chosen = await chooseBackend({ backend: 'wasm', threads: 2 });
    try {
      expect(chosen.threads).toBe(1);
      expect(chosen.backend.threads).toBe(1);
      expect(chosen.reason).toMatch(/1 thread: SharedArrayBuffer unavailable: the page is not cross-origin isolated \(serve it with COOP\/COEP headers\) \(2 asked\)/);
    } finally {
      chosen.backend.dispose();
    }
    await expect(chooseBackend({ backend: 'wasm', threads: 2, strictThreads: true })).rejects.toThrow(BackendUnavailableError);
  });

  it('with shared memory, 2 threads run on 2', async () => {
    const chosen = await chooseBackend({ backend: 'wasm', threads: 2 });
    chosen.backend.dispose();
    expect([chosen.threads, chosen.reason]).toEqual([2, 'wasm as asked; 2 threads']);
  });

  it('wasmSource (a function of the variant) and workerUrl are the ones the kernels use', async () => {
    const asked: WasmVariant[] = [];
    const source = (variant: WasmVariant) => {
      asked.push(variant);
      return defaultWasmUrl(variant);
    };
    const chosen = await chooseBackend({ threads: 2, wasmSource: source });
    chosen.backend.dispose();
    expect(asked).toEqual(['simd-threads']);
    await expect(chooseBackend({ threads: 2, wasmSource: source, workerUrl: new URL('./no-such-worker.js', import.meta.url) })).rejects.toThrow(/pool worker failed to start/);
  });
});
