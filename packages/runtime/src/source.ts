import type { Buf, HostBackend } from '@lers/kernels';

/**
 * Where a model comes from: its bytes, a fetch Response, or a URL to fetch (browsers, workers,
 * Node 18+). File paths are read by the Node entry (`@lers/runtime/node`).
 */
export type ModelSource = Uint8Array | ArrayBuffer | Response | URL;

/** Model bytes in backend memory, and a name for messages. */
export interface PlacedBytes {
  readonly bytes: Buf<'u8'>;
  readonly name: string;
  readonly byteLength: number;
}

/** The bytes of a source (one fetch for a URL; a Response whose status is not ok is an error naming it). */
async function bytesOf(source: ModelSource): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: '<bytes>' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: '<bytes>' };
  const response = source instanceof URL ? await fetch(source) : source;
  const name = source instanceof URL ? source.href : response.url || '<response>';
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name };
}

/** Copies a source's bytes into one u8 buffer of the backend (the model is then used in place there). */
export async function placeSource(be: HostBackend, source: ModelSource): Promise<PlacedBytes> {
  if (typeof source === 'string') throw new TypeError('a model path needs the Node entry (import { Recommender } from "@lers/runtime/node"); here pass bytes, a Response or a URL');
  const { bytes, name } = await bytesOf(source);
  return { bytes: be.upload('u8', bytes), name, byteLength: bytes.length };
}
