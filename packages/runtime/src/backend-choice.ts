import { createReferenceBackend, createWasmBackend, type HostBackend, type WasmSourceOption } from '@lers/kernels';
import { BackendUnavailableError } from './errors.js';

/** The backends a model can be loaded on (`auto`: the fastest one available here). */
export type BackendChoice = 'wasm' | 'wasm-scalar' | 'reference' | 'webgpu' | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['wasm', 'wasm-scalar', 'reference', 'webgpu', 'auto'];

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
}

/** The backend that runs, and why it is this one. */
export interface ChosenBackend {
  readonly backend: HostBackend;
  readonly kind: 'wasm' | 'wasm-scalar' | 'reference';
  readonly threads: number;
  /** One sentence: what was asked, what runs, and why (e.g. "1 thread: SharedArrayBuffer unavailable ..."). */
  readonly reason: string;
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
 * Creates the backend a request asks for, never silently another one: `webgpu` is an error while
 * the WebGPU backend is not part of this build; `auto` picks WASM SIMD and says why; threads
 * without shared memory run on 1 thread and say so (or fail with `strictThreads`).
 */
export async function chooseBackend(request: BackendRequest = {}): Promise<ChosenBackend> {
  const asked = request.backend ?? 'auto';
  const threads = request.threads ?? 1;
  if (!(BACKEND_CHOICES as readonly string[]).includes(asked)) throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(asked)}`);
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (asked === 'webgpu') throw new BackendUnavailableError('backend webgpu: the WebGPU backend is not part of this build yet; use wasm (or auto)');
  const kind = asked === 'auto' ? 'wasm' : asked;
  const why = asked === 'auto' ? 'auto: WASM SIMD (no WebGPU backend in this build)' : `${kind} as asked`;
  if (kind !== 'wasm' && threads > 1) {
    if (request.strictThreads === true) throw new BackendUnavailableError(`the ${kind} backend is single-threaded; ${threads} threads need backend wasm`);
    return { ...(await create(kind, 1, request)), reason: `${why}; 1 thread: the ${kind} backend is single-threaded (${threads} asked)` };
  }
  if (threads > 1) {
    const shared = sharedMemorySupport();
    if (!shared.ok) {
      if (request.strictThreads === true) throw new BackendUnavailableError(`${threads} threads asked but ${shared.why}`);
      return { ...(await create(kind, 1, request)), reason: `${why}; 1 thread: ${shared.why} (${threads} asked)` };
    }
  }
  return { ...(await create(kind, threads, request)), reason: `${why}; ${threads} thread${threads > 1 ? 's' : ''}` };
}

async function create(kind: 'wasm' | 'wasm-scalar' | 'reference', threads: number, request: BackendRequest): Promise<Omit<ChosenBackend, 'reason'>> {
  if (kind === 'reference') return { backend: createReferenceBackend(), kind, threads: 1 };
  const backend = await createWasmBackend({
    threads,
    simd: kind === 'wasm',
    ...(request.wasmSource !== undefined ? { source: request.wasmSource } : {}),
    ...(request.workerUrl !== undefined ? { workerUrl: request.workerUrl } : {}),
  });
  return { backend, kind, threads: backend.threads };
}
