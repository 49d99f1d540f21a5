/// <reference types="@webgpu/types" preserve="true" />
/**
 * @lers/webgpu: the Backend of @lers/kernels on WebGPU: GPU buffers (split into pages beyond one
 * storage binding) and WGSL compute shaders. In Node see `@lers/webgpu/node`.
 */
import type { Backend } from '@lers/kernels';

declare global {
  /**
   * @webgpu/types names VideoFrame in two unions, and TypeScript 5.0's DOM library has none, so
   * consumers on 5.0 could not type-check these declarations. An empty interface merges with the
   * real one where the library has it and changes nothing there.
   */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface VideoFrame {}
}
import { composeBackend } from '@lers/kernels/backend-kit';
import { WebGpuCore, type CoreOptions } from './core.js';
import { acquireDevice, type DeviceOptions } from './device.js';
import { webgpuFamilies } from './families.js';

/** Options of createWebGpuBackend: where the device comes from, and the binding cap. */
export interface WebGpuBackendOptions extends DeviceOptions, CoreOptions {}

/** What a WebGPU backend runs on. */
export interface WebGpuInfo {
  readonly kind: 'webgpu';
  readonly adapter: string;
  /** Bytes of one page (the largest storage binding used). */
  readonly pageBytes: number;
  readonly maxStorageBuffersPerShaderStage: number;
}

/** A Backend on WebGPU (no host views: read back with `read`). */
export interface WebGpuBackend extends Backend {
  readonly device: GPUDevice;
  /** Bytes of the GPU buffers allocated and not yet freed (the uniform arena of kernel parameters aside). */
  readonly liveBytes: number;
  info(): WebGpuInfo;
}

/**
 * Creates the WebGPU backend. Throws WebGpuUnavailableError, saying why, when there is no WebGPU
 * or no adapter: there is no fallback to another backend.
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const core = new WebGpuCore(await acquireDevice(options), options);
  const backend = composeBackend(core, webgpuFamilies(core));
  return Object.assign(backend, {
    info: (): WebGpuInfo => ({
      kind: 'webgpu',
      adapter: core.adapterDescription,
      pageBytes: core.pageBytes,
      maxStorageBuffersPerShaderStage: core.device.limits.maxStorageBuffersPerShaderStage,
    }),
  });
}

export { DeferredKernelError, WebGpuDeviceLostError, WebGpuLimitError, WebGpuUnavailableError, WebGpuValidationError } from './errors.js';
export { requestWebGpuAdapter, type DeviceOptions, type FoundAdapter } from './device.js';
export type { CoreOptions } from './core.js';
