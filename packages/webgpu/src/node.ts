/**
 * WebGPU in Node through Dawn (the `webgpu` npm package): `createNodeGpu()` gives the `GPU` object
 * that `createWebGpuBackend({ gpu })` needs; `createNodeWebGpuBackend()` does both. Without a GPU,
 * Mesa's llvmpipe serves through Dawn's OpenGL ES backend (Debian: libegl-mesa0 libgles2
 * libgl1-mesa-dri), with EGL_PLATFORM=surfaceless and the 'compatibility' feature level.
 */
import { createWebGpuBackend, requestWebGpuAdapter, type FoundAdapter, type WebGpuBackend, type WebGpuBackendOptions } from './index.js';

/** Options of the Node entry point. */
export interface NodeGpuOptions {
  /** Dawn backend: 'opengles' (default: works on Mesa without a GPU), 'vulkan', 'metal', 'd3d12', ... */
  readonly backend?: string;
  /** Further Dawn flags, e.g. 'enable-dawn-features=allow_unsafe_apis'. */
  readonly flags?: readonly string[];
}

/**
 * Every GPU object created here, for the life of the process: Dawn's GPU must stay reachable while
 * any device made from it is in use (when it is garbage-collected the process crashes or hangs).
 */
const keepAlive: GPU[] = [];

/** Dawn's `GPU` entry point for Node (loads the `webgpu` package; its globals are installed once). */
export async function createNodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  const backend = options.backend ?? 'opengles';
  if (backend === 'opengles' || backend === 'opengl') process.env.EGL_PLATFORM ??= 'surfaceless';
  const dawn = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: object };
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (g[name] === undefined) g[name] = value;
  const gpu = dawn.create([`backend=${backend}`, ...(options.flags ?? [])]);
  keepAlive.push(gpu);
  return gpu;
}

/** The feature level a Dawn backend needs by default: 'compatibility' for OpenGL (ES), which Mesa offers. */
function defaultFeatureLevel(options: WebGpuBackendOptions & NodeGpuOptions): 'core' | 'compatibility' | undefined {
  const backend = options.backend ?? 'opengles';
  return options.featureLevel ?? (backend === 'opengles' || backend === 'opengl' ? 'compatibility' : undefined);
}

/** A WebGPU backend on Dawn: OpenGL ES at the 'compatibility' feature level unless told otherwise. */
export async function createNodeWebGpuBackend(options: WebGpuBackendOptions & NodeGpuOptions = {}): Promise<WebGpuBackend> {
  const gpu = options.gpu ?? (await createNodeGpu(options));
  const featureLevel = defaultFeatureLevel(options);
  return createWebGpuBackend({ ...options, gpu, ...(featureLevel ? { featureLevel } : {}) });
}

/** Dawn's adapter (see requestWebGpuAdapter), with the same defaults as createNodeWebGpuBackend. */
export async function requestNodeWebGpuAdapter(options: WebGpuBackendOptions & NodeGpuOptions = {}): Promise<FoundAdapter> {
  const gpu = options.gpu ?? (await createNodeGpu(options));
  const featureLevel = defaultFeatureLevel(options);
  return requestWebGpuAdapter({ ...options, gpu, ...(featureLevel ? { featureLevel } : {}) });
}
