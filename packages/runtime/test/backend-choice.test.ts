/**
 * The backend choice without a GPU: `webgpu` without an adapter is an error that says why (never
 * another backend), `auto` names why it runs WASM (no WebGPU, or only a software rasteriser).
 */
import { describe, expect, it } from 'vitest';
import { WebGpuUnavailableError, type FoundAdapter } from '@lers/webgpu';
import { BackendUnavailableError, chooseBackend } from '../src/index.js';

const noAdapter = (): Promise<FoundAdapter> => Promise.reject(new WebGpuUnavailableError('no WebGPU adapter: requestAdapter({}) returned null'));
const software = (): Promise<FoundAdapter> => Promise.resolve({ gpu: null, adapter: {} as GPUAdapter, description: 'mesa llvmpipe', software: true });

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
