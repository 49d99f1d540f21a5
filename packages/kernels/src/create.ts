import type { HostBackend } from './backend.js';
import { createReferenceBackend } from './reference/index.js';
import { createWasmBackend, type WasmBackendOptions } from './wasm/index.js';

/** Options of `createBackend`: which host backend, and the WASM options. */
export interface BackendOptions extends WasmBackendOptions {
  readonly kind?: 'wasm' | 'wasm-scalar' | 'reference';
}

/** Creates a host backend: WASM SIMD by default, the scalar WASM build, or the TS reference. */
export async function createBackend(options: BackendOptions = {}): Promise<HostBackend> {
  const kind = options.kind ?? 'wasm';
  if (kind === 'reference') return createReferenceBackend();
  return createWasmBackend({ ...options, simd: kind === 'wasm' });
}
