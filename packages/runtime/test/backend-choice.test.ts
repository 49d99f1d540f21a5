/**
 * The backend request: threads without shared memory (a page that is not cross-origin isolated,
 * simulated here; verify:bundlers checks real pages and workers in Chromium) run on 1 thread and
 * say why, or fail with strictThreads; the kernel module and worker sources reach the kernels.
 * Without a GPU: `webgpu` without an adapter is an error that says why (never another backend),
 * `auto` names why it runs WASM (no WebGPU, or only a software rasteriser).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultWasmUrl, type WasmVariant } from '@lers/kernels/wasm';
import { WebGpuUnavailableError, type FoundAdapter } from '@lers/webgpu';
import { BackendUnavailableError, chooseBackend } from '../src/index.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

const noAdapter = (): Promise<FoundAdapter> => Promise.reject(new WebGpuUnavailableError('no WebGPU adapter: requestAdapter({}) returned null'));
const software = (): Promise<FoundAdapter> => Promise.resolve({ gpu: null, adapter: {} as GPUAdapter, description: 'mesa llvmpipe', software: true });

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

describe('webgpu asked', () => {
  it('without an adapter: BackendUnavailableError with the reason, no fallback', async () => {
    await expect(chooseBackend({ backend: 'webgpu', webgpu: noAdapter })).rejects.toThrow(BackendUnavailableError);
    await expect(chooseBackend({ backend: 'webgpu', webgpu: noAdapter })).rejects.toThrow(/^backend webgpu: no WebGPU adapter: requestAdapter\(\{\}\) returned null$/);
  });

  it('from the core entry in Node (no navigator.gpu): the error says where WebGPU comes from', async () => {
    await expect(chooseBackend({ backend: 'webgpu' })).rejects.toThrow(/backend webgpu: WebGPU is not available: navigator\.gpu is undefined/);
  });

  it('threads apply to WASM only: strictThreads refuses them before a device is made', async () => {
    await expect(chooseBackend({ backend: 'webgpu', threads: 2, strictThreads: true, webgpu: software })).rejects.toThrow(/threads apply to the WASM kernels only/);
  });
});

describe('auto', () => {
  it('runs WASM SIMD and says why when there is no WebGPU', async () => {
    const chosen = await chooseBackend({ backend: 'auto', webgpu: noAdapter });
    try {
      expect(chosen.kind).toBe('wasm');
      expect(chosen.adapter).toBeNull();
      expect(chosen.reason).toBe('auto: WASM SIMD (no WebGPU: no WebGPU adapter: requestAdapter({}) returned null); 1 thread');
    } finally {
      chosen.backend.dispose();
    }
  });

  it('skips a software rasteriser, naming it', async () => {
    const chosen = await chooseBackend({ webgpu: software });
    try {
      expect(chosen.kind).toBe('wasm');
      expect(chosen.reason).toMatch(/^auto: WASM SIMD \(the WebGPU adapter, mesa llvmpipe, is a software rasteriser, slower than WASM; ask for webgpu to use it\)/);
    } finally {
      chosen.backend.dispose();
    }
  });
});
