import { WebGpuUnavailableError } from './errors.js';

/** How to obtain the GPU device (every field optional). */
export interface DeviceOptions {
  /** The WebGPU entry point; default `navigator.gpu` (in Node: `createNodeGpu()` of `@lers/webgpu/node`). */
  readonly gpu?: GPU;
  /** An adapter to use instead of requesting one. */
  readonly adapter?: GPUAdapter;
  /** A device to use as it is (its limits are not raised; `dispose()` does not destroy it). */
  readonly device?: GPUDevice;
  /** Passed to requestAdapter. 'compatibility' is what OpenGL ES adapters (Mesa llvmpipe) offer. */
  readonly featureLevel?: 'core' | 'compatibility';
  readonly powerPreference?: GPUPowerPreference;
}

/** A device and what it came from. */
export interface AcquiredDevice {
  readonly gpu: GPU | null;
  readonly adapter: GPUAdapter | null;
  readonly device: GPUDevice;
  /** True when this backend created the device (and so destroys it on dispose). */
  readonly owned: boolean;
  /** The adapter's description, for info() and error messages. */
  readonly description: string;
}

/** Limits raised to the adapter's maximum: the kernels use big workgroups and many storage bindings. */
const RAISED_LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const;

/** What the kernels need at least (the WebGPU core defaults for these). */
export const REQUIRED_LIMITS: Readonly<Record<string, number>> = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupStorageSize: 16384,
  maxStorageBuffersPerShaderStage: 8,
};

/** An adapter and what it is. */
export interface FoundAdapter {
  readonly gpu: GPU | null;
  readonly adapter: GPUAdapter;
  /** Vendor, architecture, device and driver description, as the adapter reports them. */
  readonly description: string;
  /**
   * True for a CPU implementation (Mesa's llvmpipe / lavapipe / softpipe, SwiftShader, Microsoft's
   * Basic Render Driver) or an adapter the implementation marks as a fallback: far slower than WASM.
   */
  readonly software: boolean;
}

/** Names of CPU rasterisers that adapters report (a fallback adapter says so itself). */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|basic render driver|\bwarp\b/i;

/** Requests an adapter (`options.adapter` as given); throws WebGpuUnavailableError saying why there is none. */
export async function requestWebGpuAdapter(options: DeviceOptions = {}): Promise<FoundAdapter> {
  const gpu = options.gpu ?? (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  let adapter = options.adapter ?? null;
  if (!adapter) {
    if (!gpu) {
      throw new WebGpuUnavailableError(
        'WebGPU is not available: navigator.gpu is undefined. In Node pass { gpu: createNodeGpu() } from @lers/webgpu/node; in Chromium start it with WebGPU enabled (headless: --enable-unsafe-webgpu).',
      );
    }
    const request: GPURequestAdapterOptions & { featureLevel?: string } = {};
    if (options.featureLevel) request.featureLevel = options.featureLevel;
    if (options.powerPreference) request.powerPreference = options.powerPreference;
    adapter = await gpu.requestAdapter(request);
    if (!adapter) {
      throw new WebGpuUnavailableError(
        `no WebGPU adapter: requestAdapter(${JSON.stringify(request)}) returned null (no GPU or software rasteriser this WebGPU implementation can use; in Node with Mesa try featureLevel 'compatibility' and the opengles backend)`,
      );
    }
  }
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') || 'unnamed adapter';
  // GPUAdapterInfo.isFallbackAdapter is recent (older implementations: GPUAdapter.isFallbackAdapter, or neither).
  const flagged = (o: object): boolean => (o as { isFallbackAdapter?: unknown }).isFallbackAdapter === true;
  const fallback = flagged(info) || flagged(adapter);
  return { gpu: gpu ?? null, adapter, description, software: fallback || SOFTWARE_ADAPTER.test(description) };
}

/** Requests an adapter and a device with raised limits; throws WebGpuUnavailableError saying why not. */
export async function acquireDevice(options: DeviceOptions): Promise<AcquiredDevice> {
  if (options.device) {
    checkLimits(options.device.limits, 'the given device');
    return { gpu: options.gpu ?? null, adapter: options.adapter ?? null, device: options.device, owned: false, description: 'a device passed in by the caller' };
  }
  const { gpu, adapter, description } = await requestWebGpuAdapter(options);
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  checkLimits(requiredLimits, 'the adapter');
  const device = await adapter.requestDevice({ requiredLimits });
  return { gpu, adapter, device, owned: true, description };
}

function checkLimits(limits: Readonly<Record<string, number>> | GPUSupportedLimits, what: string): void {
  for (const [name, min] of Object.entries(REQUIRED_LIMITS)) {
    const have = (limits as Record<string, number>)[name];
    if (!(have >= min)) throw new WebGpuUnavailableError(`${what} offers ${name} = ${have}; the kernels need at least ${min}`);
  }
}
