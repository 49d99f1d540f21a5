import { isHostBackend, type Backend, type Buf } from '@lers/kernels';

/**
 * Where a model comes from: its bytes, a fetch Response, or a URL to fetch (browsers, workers,
 * Node 18+). File paths are read by the Node entry (`@lers/runtime/node`).
 */
export type ModelSource = Uint8Array | ArrayBuffer | Response | URL;

/**
 * Model bytes where the loader reads them, and a name for messages: in the memory of a host
 * backend (`resident`: its tables are then used in place), or on the JS heap for a backend without
 * views (WebGPU: the sections are uploaded as the tables load, and the bytes can then be dropped).
 */
export type PlacedBytes = { readonly name: string; readonly byteLength: number } & (
  /** `bodyChecksum`: the MurmurHash3 of every byte but the last four, when the reader computed it as the bytes arrived. */
  | { readonly resident: true; readonly bytes: Buf<'u8'>; readonly bodyChecksum?: number }
  | { readonly resident: false; readonly bytes: Uint8Array }
);

/** The bytes of a source (one fetch for a URL; a Response whose status is not ok is an error naming it). */
async function bytesOf(source: ModelSource): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: '<bytes>' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: '<bytes>' };
  const response = source instanceof URL ? await fetch(source) : source;
  const name = source instanceof URL ? source.href : response.url || '<response>';
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name };
}

/**
 * A source's bytes for the loader: copied into one u8 buffer of a host backend (the model is then
 * used in place there), kept on the JS heap for the other backends.
 */
export async function placeSource(be: Backend, source: ModelSource): Promise<PlacedBytes> {
  if (typeof source === 'string') throw new TypeError('a model path needs the Node entry (import { Recommender } from "@lers/runtime/node"); here pass bytes, a Response or a URL');
  const { bytes, name } = await bytesOf(source);
  if (!isHostBackend(be)) return { resident: false, bytes, name, byteLength: bytes.length };
  return { resident: true, bytes: be.upload('u8', bytes), name, byteLength: bytes.length };
}
