import { createReferenceBackend, createWasmBackend, type Backend, type WasmSourceOption } from '@lers/kernels';
import type { FoundAdapter } from '@lers/webgpu';
import { BackendUnavailableError } from './errors.js';

/** The backends a model can be loaded on (`auto`: the fastest one available here). */
export type BackendChoice = 'wasm' | 'wasm-scalar' | 'reference' | 'webgpu' | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['wasm', 'wasm-scalar', 'reference', 'webgpu', 'auto'];

/** The backend kinds that run (what `auto` resolves to). */
export type BackendKind = Exclude<BackendChoice, 'auto'>;

/**
 * Where WebGPU comes from: a function giving this environment's adapter (throwing
 * WebGpuUnavailableError, saying why, when there is none). Called only when `webgpu` is asked for
 * or `auto` looks for it. The default takes `navigator.gpu` (browsers, Deno); the Node entry
 * (`@lers/runtime/node`) passes Dawn's.
 */
export type WebGpuAdapterSource = () => Promise<FoundAdapter>;

/** What to run on. */
export interface BackendRequest {
  /** Default `auto`. */
  readonly backend?: BackendChoice;
  /** Threads for the WASM kernels (default 1). */
  readonly threads?: number;
  /** Refuse to run with fewer threads than asked (instead of running on 1 and saying why). */
  readonly strictThreads?: boolean;
  /**
   * Where the WASM kernel module comes from (a URL, bytes or a compiled module, or a function of
   * the variant: `simd`, or `simd-threads` when threads run), for hosts that serve it themselves.
   * Default: the package's own file, which Vite and webpack copy.
   */
  readonly wasmSource?: WasmSourceOption;
  /** The kernels' pool worker script when threads > 1 (a module worker running `@lers/kernels/worker`); default: the package's own, which Vite and webpack bundle. */
  readonly workerUrl?: URL | string;
  /** Where WebGPU comes from (default `navigator.gpu`; see WebGpuAdapterSource). */
  readonly webgpu?: WebGpuAdapterSource;
}

/** The backend that runs, and why it is this one. */
export interface ChosenBackend {
  readonly backend: Backend;
  readonly kind: BackendKind;
  readonly threads: number;
  /** One sentence: what was asked, what runs, and why (e.g. "1 thread: SharedArrayBuffer unavailable ..."). */
  readonly reason: string;
  /** WebGPU: the adapter that runs the kernels (vendor, device, driver); null on the other backends. */
  readonly adapter: string | null;
}

/** Whether WASM threads can run here (they need SharedArrayBuffer, which browsers give only to cross-origin isolated pages). */
export function sharedMemorySupport(): { readonly ok: boolean; readonly why: string } {
  if (typeof SharedArrayBuffer === 'undefined') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    return { ok: false, why: isolated === false ? 'SharedArrayBuffer unavailable: the page is not cross-origin isolated (serve it with COOP/COEP headers)' : 'SharedArrayBuffer unavailable in this environment' };
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return { ok: false, why: 'the page is not cross-origin isolated (serve it with COOP/COEP headers), so shared memory cannot be sent to workers' };
  }
  return { ok: true, why: 'shared memory available' };
}

/**
 * `navigator.gpu`'s adapter. The WebGPU package is loaded only now, and only when there is a
 * navigator.gpu: code that never asks for WebGPU never loads it, and a page without WebGPU (or
 * without an import map entry for the package) gets the plain reason.
 */
const browserAdapter: WebGpuAdapterSource = async () => {
  if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu === undefined) {
    throw new Error('WebGPU is not available: navigator.gpu is undefined (in Node: @lers/runtime/node uses Dawn; in Chromium: a secure context with WebGPU enabled)');
  }
  return (await import('@lers/webgpu')).requestWebGpuAdapter();
};

/**
 * Creates the backend a request asks for, never silently another one. `webgpu` runs on the
 * adapter of `request.webgpu` (default navigator.gpu) or fails with BackendUnavailableError saying
 * why; `auto` takes WebGPU on a hardware adapter, and WASM SIMD when there is none or only a
 * software rasteriser (slower than WASM), saying which and why; threads without shared memory run
 * on 1 thread and say so (or fail with `strictThreads`).
 */
export async function chooseBackend(request: BackendRequest = {}): Promise<ChosenBackend> {
  const asked = request.backend ?? 'auto';
  const threads = request.threads ?? 1;
  if (!(BACKEND_CHOICES as readonly string[]).includes(asked)) throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(asked)}`);
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const findAdapter = request.webgpu ?? browserAdapter;
  let kind: BackendKind;
  let why: string;
  let adapter: FoundAdapter | null = null;
  if (asked === 'webgpu') {
    adapter = await requiredAdapter(findAdapter);
    kind = 'webgpu';
    why = `webgpu as asked (${adapter.description}${adapter.software ? ', a software rasteriser' : ''})`;
  } else if (asked === 'auto') {
    const probe = await probeAdapter(findAdapter);
    if (probe.adapter !== null && !probe.adapter.software) {
      adapter = probe.adapter;
      kind = 'webgpu';
      why = `auto: WebGPU on ${adapter.description}`;
    } else {
      kind = 'wasm';
      why = `auto: WASM SIMD (${probe.adapter !== null ? `the WebGPU adapter, ${probe.adapter.description}, is a software rasteriser, slower than WASM; ask for webgpu to use it` : `no WebGPU: ${probe.why}`})`;
    }
  } else {
    kind = asked;
    why = `${kind} as asked`;
  }
  if (kind === 'webgpu') {
    if (threads > 1 && request.strictThreads === true) throw new BackendUnavailableError(`threads apply to the WASM kernels only; ${threads} threads need backend wasm`);
    return { ...(await create(kind, 1, request, adapter)), reason: threads > 1 ? `${why}; threads apply to WASM only (${threads} asked)` : why };
  }
  if (kind !== 'wasm' && threads > 1) {
    if (request.strictThreads === true) throw new BackendUnavailableError(`the ${kind} backend is single-threaded; ${threads} threads need backend wasm`);
    return { ...(await create(kind, 1, request, adapter)), reason: `${why}; 1 thread: the ${kind} backend is single-threaded (${threads} asked)` };
  }
  if (threads > 1) {
    const shared = sharedMemorySupport();
    if (!shared.ok) {
      if (request.strictThreads === true) throw new BackendUnavailableError(`${threads} threads asked but ${shared.why}`);
      return { ...(await create(kind, 1, request, adapter)), reason: `${why}; 1 thread: ${shared.why} (${threads} asked)` };
    }
  }
  return { ...(await create(kind, threads, request, adapter)), reason: `${why}; ${threads} thread${threads > 1 ? 's' : ''}` };
}

/** The adapter `webgpu` runs on, or BackendUnavailableError saying why there is none. */
async function requiredAdapter(find: WebGpuAdapterSource): Promise<FoundAdapter> {
  try {
    return await find();
  } catch (err) {
    throw new BackendUnavailableError(`backend webgpu: ${(err as Error).message}`, { cause: err });
  }
}

/** The adapter `auto` would use, or why there is none (any failure to find one means none). */
async function probeAdapter(find: WebGpuAdapterSource): Promise<{ adapter: FoundAdapter; why: null } | { adapter: null; why: string }> {
  try {
    return { adapter: await find(), why: null };
  } catch (err) {
    return { adapter: null, why: (err as Error).message };
  }
}

async function create(kind: BackendKind, threads: number, request: BackendRequest, adapter: FoundAdapter | null): Promise<Omit<ChosenBackend, 'reason'>> {
  if (kind === 'reference') return { backend: createReferenceBackend(), kind, threads: 1, adapter: null };
  if (kind === 'webgpu') {
    if (adapter === null) throw new Error('internal: webgpu chosen without an adapter');
    const { createWebGpuBackend } = await import('@lers/webgpu');
    try {
      const backend = await createWebGpuBackend({ adapter: adapter.adapter, ...(adapter.gpu !== null ? { gpu: adapter.gpu } : {}) });
      return { backend, kind, threads: 1, adapter: adapter.description };
    } catch (err) {
      throw new BackendUnavailableError(`backend webgpu: ${(err as Error).message}`, { cause: err });
    }
  }
  const backend = await createWasmBackend({
    threads,
    simd: kind === 'wasm',
    ...(request.wasmSource !== undefined ? { source: request.wasmSource } : {}),
    ...(request.workerUrl !== undefined ? { workerUrl: request.workerUrl } : {}),
  });
  return { backend, kind, threads: backend.threads, adapter: null };
}
