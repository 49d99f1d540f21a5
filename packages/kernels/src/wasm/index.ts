import { composeBackend, type HostBackend } from '../backend.js';
import { ThreadPool } from '../threads/pool.js';
import { kernelImports } from '../threads/protocol.js';
import { WasmCore } from './core.js';
import { PARALLEL_MIN_NS } from './costs.js';
import { wasmFamilies } from './families.js';
import { compileKernels, type WasmSourceOption, type WasmVariant } from './loader.js';

/** Options of the WASM backend. */
export interface WasmBackendOptions {
  /** Threads for the heavy kernels (default 1: no workers). Needs SharedArrayBuffer when > 1. */
  readonly threads?: number;
  /** 'simd' (default) or 'scalar' (no SIMD; the benchmark baseline, single-threaded only). */
  readonly simd?: boolean;
  /** Where to load the module from (default: the build/ folder of this package, which bundlers copy). */
  readonly source?: WasmSourceOption;
  /**
   * The pool's worker script when threads > 1 (default: the worker.js next to the pool, which
   * Vite and webpack bundle). In browsers a module worker running `@lers/kernels/worker`.
   */
  readonly workerUrl?: URL | string;
  /**
   * Below this much estimated single-thread work (ns) a threaded kernel runs on the calling thread
   * alone (default PARALLEL_MIN_NS, measured: see the README's Threads section); 0 splits every
   * call over the pool. Results are the same bits whatever it is.
   */
  readonly parallelMinNs?: number;
  /** Initial linear memory in MiB (default 16). */
  readonly initialMemoryMiB?: number;
  /** Maximum linear memory in MiB (default 4096, the wasm32 limit). */
  readonly maximumMemoryMiB?: number;
}

/** A WASM backend: every kernel plus zero-copy views of its linear memory. */
export interface WasmBackend extends HostBackend {
  /** The linear memory (shared when threads > 1). */
  readonly memory: WebAssembly.Memory;
  /** Bytes handed out by the allocator. */
  readonly heap: WasmCore['heap'];
}

const MIB_PAGES = 16;

/** Compiles (once) and instantiates the kernel module, starting the worker pool if threads > 1. */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = options.threads ?? 1;
  const simd = options.simd ?? true;
  if (!simd && threads > 1) throw new RangeError('the scalar kernel build is single-threaded: use threads: 1');
  const minNs = options.parallelMinNs ?? PARALLEL_MIN_NS;
  if (!(minNs >= 0)) throw new RangeError(`parallelMinNs must be a number >= 0, got ${String(options.parallelMinNs)}`);
  const variant: WasmVariant = !simd ? 'scalar' : threads > 1 ? 'simd-threads' : 'simd';
  const module = await compileKernels(variant, options.source);
  const initial = Math.max(2, Math.ceil((options.initialMemoryMiB ?? 16) * MIB_PAGES));
  const maximum = Math.min(65536, Math.ceil((options.maximumMemoryMiB ?? 4096) * MIB_PAGES));
  const memory = new WebAssembly.Memory({ initial, maximum, shared: threads > 1 });
  const instance = await WebAssembly.instantiate(module, kernelImports(memory));
  const functions = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  const pool = threads > 1 ? await ThreadPool.create(module, memory, threads, functions, options.workerUrl) : null;
  const core = new WasmCore(simd ? 'wasm' : 'wasm-scalar', memory, instance, pool, minNs);
  return composeBackend(core, wasmFamilies(core));
}

export { WasmCore, WasmBuf } from './core.js';
export { PARALLEL_MIN_NS } from './costs.js';
export { compileKernels, defaultWasmUrl, type WasmSource, type WasmSourceOption, type WasmVariant } from './loader.js';
