/**
 * Locating and compiling the kernel module. Works from bytes, a compiled module or a URL, so the
 * same code runs in Node, browsers and workers; only a `file:` URL in Node touches `fs`.
 */

/** Which compiled variant of assembly/ to load. */
export type WasmVariant = 'simd' | 'simd-threads' | 'scalar';

/** Where the module comes from: a URL (http(s) or file), raw bytes, or an already compiled module. */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** The URL of a variant shipped inside this package (build/kernels-<variant>.wasm). */
export function defaultWasmUrl(variant: WasmVariant): URL {
  // Both src/wasm/loader.ts and dist/wasm/loader.js sit two folders below the package root.
  return new URL(`../../build/kernels-${variant}.wasm`, import.meta.url);
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles the kernel module once per source URL (cached), or from the given bytes/module. */
export function compileKernels(variant: WasmVariant, source?: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(toBytes(source));
  const url = source === undefined ? defaultWasmUrl(variant) : new URL(String(source), import.meta.url);
  const key = url.href;
  let module = compiled.get(key);
  if (!module) {
    module = fetchBytes(url).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(key, module);
    module.catch(() => compiled.delete(key));
  }
  return module;
}

function toBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return new Uint8Array(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength);
}

async function fetchBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === 'file:') {
    const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    const path = fileURLToPath(url);
    try {
      const data = await readFile(path);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (e) {
      throw new Error(`cannot read the kernel module ${path}: ${(e as Error).message}. Run \`pnpm build\` in packages/kernels first.`);
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch the kernel module ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
