/**
 * Locating and compiling the kernel module. Works from bytes, a compiled module or a URL, so the
 * same code runs in Node, browsers and workers; a `file:` URL is read by the installed host (Node's
 * reads it with fs, see ../host.ts), any other URL is fetched.
 */
import { kernelHost } from '../host.js';

/** Which compiled variant of assembly/ to load. */
export type WasmVariant = 'simd' | 'simd-threads' | 'scalar';

/** Where the module comes from: a URL (http(s) or file; a string relative to the page), raw bytes, or an already compiled module. */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/**
 * A source, or a function giving the source of each variant: a backend asked for threads where
 * there is no shared memory loads the single-threaded variant, so a host serving the files itself
 * passes a function (`(variant) => new URL(`/wasm/kernels-${variant}.wasm`, location.href)`).
 */
export type WasmSourceOption = WasmSource | ((variant: WasmVariant) => WasmSource);

/** The URL of a variant shipped inside this package (build/kernels-<variant>.wasm). */
export function defaultWasmUrl(variant: WasmVariant): URL {
  // One literal `new URL(..., import.meta.url)` per file, the form bundlers (Vite, webpack, Parcel)
  // recognise: they copy the file and rewrite the URL. Both src/wasm/loader.ts and
  // dist/wasm/loader.js sit two folders below the package root.
  switch (variant) {
    case 'simd': return new URL('../../build/kernels-simd.wasm', import.meta.url);
    case 'simd-threads': return new URL('../../build/kernels-simd-threads.wasm', import.meta.url);
    case 'scalar': return new URL('../../build/kernels-scalar.wasm', import.meta.url);
  }
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles the kernel module once per source URL (cached), or from the given bytes/module. */
export function compileKernels(variant: WasmVariant, option?: WasmSourceOption): Promise<WebAssembly.Module> {
  const source = sourceOf(variant, option);
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(toBytes(source));
  const url = source === undefined ? defaultWasmUrl(variant) : sourceUrl(source);
  const key = url.href;
  let module = compiled.get(key);
  if (!module) {
    module = fetchBytes(url).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(key, module);
    module.catch(() => compiled.delete(key));
  }
  return module;
}

/** A URL, or a string read as one relative to the page (browsers and workers) or absolute (Node). */
function sourceUrl(source: URL | string): URL {
  if (source instanceof URL) return source;
  const base = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(source, base);
  } catch {
    throw new TypeError(`kernel module source ${JSON.stringify(source)} is not a URL${base === undefined ? ' (no page here to resolve a relative one against: pass an absolute URL)' : ''}`);
  }
}

function sourceOf(variant: WasmVariant, option: WasmSourceOption | undefined): WasmSource | undefined {
  if (typeof option !== 'function') return option;
  // `typeof` leaves object members of the union as possibly callable: name the function type.
  return (option as (variant: WasmVariant) => WasmSource)(variant);
}

function toBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return new Uint8Array(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength);
}

async function fetchBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === 'file:') {
    const readFileUrl = kernelHost().readFileUrl;
    if (!readFileUrl) throw new Error(`cannot read the kernel module ${url.href}: file: URLs are read only in Node; pass the module's URL or bytes (wasmSource)`);
    return (await readFileUrl(url)) as Uint8Array<ArrayBuffer>;
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch the kernel module ${url.href}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new Error(`cannot fetch the kernel module ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
