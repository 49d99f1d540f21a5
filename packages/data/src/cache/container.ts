import { CacheFormatError } from '../errors.js';
import type { JsonObject } from '../manifest.js';
import { Murmur3 } from './checksum.js';
import { decodeUtf8 } from '../util/utf8.js';

/**
 * The binary container of an encoded dataset (little-endian):
 *
 *   0   8 bytes  magic "LERSDATA"
 *   8   u32      format version
 *   12  u32      header length L (JSON, UTF-8, space-padded so the data region starts 16-aligned)
 *   16  L bytes  header: { meta, sections: [{ name, dtype, offset, length }], dataBytes }
 *   16+L         data region: each section's elements at a 16-aligned `offset` from its start
 *   16+L+dataBytes  u32 MurmurHash3 (x86_32, seed 0) of every byte before it
 *
 * Section offsets are relative to the data region, so they do not depend on the header's length.
 */
export const CACHE_MAGIC = 'LERSDATA';
/** The container version this code writes and the newest it reads. */
export const CACHE_VERSION = 1;

/**
 * Which kind of file a container is: its 8-byte magic, the newest version this code reads (and the
 * one it writes), and a name for messages. Datasets use DATASET_FORMAT; model files (.lers, in
 * @lers/embeddings) use the same container with their own magic.
 */
export interface ContainerFormat {
  readonly magic: string;
  readonly version: number;
  readonly what: string;
}

/** The encoded-dataset cache format. */
export const DATASET_FORMAT: ContainerFormat = { magic: CACHE_MAGIC, version: CACHE_VERSION, what: 'lers dataset file' };
/** Bytes before the JSON header. */
export const PREFIX_BYTES = 16;
const ALIGN = 16;

/** Element types a section can hold. */
export type SectionDType = 'i32' | 'u32' | 'f32' | 'f64' | 'u8' | 'i8' | 'u16' | 'i16';
/** The typed arrays a section can hold. */
export type SectionArray = Int32Array | Uint32Array | Float32Array | Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

/** One named typed array. */
export interface Section {
  name: string;
  data: SectionArray;
}

/** Where a section lives in the data region (`length` in elements). */
export interface SectionEntry {
  name: string;
  dtype: SectionDType;
  offset: number;
  length: number;
}

/** The parsed JSON header. */
export interface ContainerHeader {
  meta: JsonObject;
  sections: SectionEntry[];
  dataBytes: number;
}

const CONSTRUCTORS = {
  i32: Int32Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
} as const;

/** The dtype name of a typed array. */
export function dtypeOf(a: SectionArray): SectionDType {
  for (const [name, ctor] of Object.entries(CONSTRUCTORS)) if (a instanceof ctor) return name as SectionDType;
  throw new TypeError('unsupported typed array');
}

/** A new zeroed typed array of a dtype. */
export function allocSection(dtype: SectionDType, length: number): SectionArray {
  return new CONSTRUCTORS[dtype](length);
}

/** Rounds up to the container's alignment. */
export function align16(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Bytes of a section's data. */
export function sectionBytes(s: SectionArray): Uint8Array {
  return new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
}

/** The prefix + padded JSON header for `sections`, and the header itself. */
export function layoutContainer(meta: JsonObject, sections: readonly Section[], format: ContainerFormat = DATASET_FORMAT): { head: Uint8Array; header: ContainerHeader } {
  const entries: SectionEntry[] = [];
  let offset = 0;
  for (const s of sections) {
    entries.push({ name: s.name, dtype: dtypeOf(s.data), offset, length: s.data.length });
    offset = align16(offset + s.data.byteLength);
  }
  const header: ContainerHeader = { meta, sections: entries, dataBytes: offset };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = align16(PREFIX_BYTES + json.length) - PREFIX_BYTES;
  const head = new Uint8Array(PREFIX_BYTES + headerLength).fill(0x20);
  for (let k = 0; k < 8; k++) head[k] = format.magic.charCodeAt(k);
  const view = new DataView(head.buffer);
  view.setUint32(8, format.version, true);
  view.setUint32(12, headerLength, true);
  head.set(json, PREFIX_BYTES);
  return { head, header };
}

/** Writes a container as a sequence of byte pieces (for streaming to a file); returns the checksum. */
export function forEachContainerPiece(
  head: Uint8Array,
  header: ContainerHeader,
  sections: readonly Section[],
  write: (piece: Uint8Array) => void,
): number {
  const hash = new Murmur3();
  const put = (piece: Uint8Array): void => {
    if (piece.length === 0) return;
    hash.update(piece);
    write(piece);
  };
  put(head);
  sections.forEach((s, k) => {
    put(sectionBytes(s.data));
    const end = header.sections[k].offset + s.data.byteLength;
    const next = k + 1 < sections.length ? header.sections[k + 1].offset : header.dataBytes;
    put(new Uint8Array(next - end));
  });
  const sum = hash.digest();
  const trailer = new Uint8Array(4);
  new DataView(trailer.buffer).setUint32(0, sum, true);
  write(trailer);
  return sum;
}

/** Serialises sections into one container in memory. */
export function encodeContainer(meta: JsonObject, sections: readonly Section[], format: ContainerFormat = DATASET_FORMAT): Uint8Array {
  const { head, header } = layoutContainer(meta, sections, format);
  const out = new Uint8Array(head.length + header.dataBytes + 4);
  let at = 0;
  forEachContainerPiece(head, header, sections, (piece) => {
    out.set(piece, at);
    at += piece.length;
  });
  return out;
}

/** Checks the 16-byte prefix; returns the header length. */
export function parsePrefix(prefix: Uint8Array, file: string, format: ContainerFormat = DATASET_FORMAT): number {
  if (prefix.length < PREFIX_BYTES) throw new CacheFormatError(file, 'truncated', `only ${prefix.length} bytes`, format.what);
  for (let k = 0; k < 8; k++) {
    if (prefix[k] !== format.magic.charCodeAt(k)) throw new CacheFormatError(file, 'magic', `not a ${format.what}`, format.what);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES);
  const version = view.getUint32(8, true);
  if (version > format.version) {
    throw new CacheFormatError(file, 'version', `format v${version} is newer than this reader (v${format.version}); upgrade lers or re-create the file`, format.what);
  }
  if (version < 1) throw new CacheFormatError(file, 'version', `format v${version} is not a valid version`, format.what);
  return view.getUint32(12, true);
}

/** Parses and validates the JSON header. */
export function parseHeader(json: Uint8Array, file: string, format: ContainerFormat = DATASET_FORMAT): ContainerHeader {
  let header: ContainerHeader;
  try {
    header = JSON.parse(decodeUtf8(json, true)) as ContainerHeader;
  } catch (err) {
    throw new CacheFormatError(file, 'header', `header is not JSON (${(err as Error).message})`, format.what);
  }
  const ok =
    typeof header === 'object' &&
    typeof header.meta === 'object' &&
    Array.isArray(header.sections) &&
    Number.isSafeInteger(header.dataBytes) &&
    header.sections.every(
      (s) =>
        typeof s.name === 'string' &&
        s.dtype in CONSTRUCTORS &&
        Number.isSafeInteger(s.offset) &&
        Number.isSafeInteger(s.length) &&
        s.offset % ALIGN === 0 &&
        s.offset + s.length * CONSTRUCTORS[s.dtype].BYTES_PER_ELEMENT <= header.dataBytes,
    );
  if (!ok) throw new CacheFormatError(file, 'header', 'header does not describe valid sections', format.what);
  return header;
}

/** A checked container: its header and where its data region starts in the bytes. */
export interface ParsedContainer {
  readonly header: ContainerHeader;
  /** Byte offset of the data region (section offsets are relative to it). */
  readonly dataStart: number;
}

/**
 * Checks a container in `bytes` (prefix, header, size, checksum) without making any section view:
 * throws `CacheFormatError` for a foreign, newer, truncated or corrupted file. `bodyChecksum`: the
 * MurmurHash3 of every byte but the last four, when the caller computed it while reading the
 * bytes (they are then not hashed a second time).
 */
export function parseContainer(bytes: Uint8Array, file = '<memory>', format: ContainerFormat = DATASET_FORMAT, bodyChecksum?: number): ParsedContainer {
  const headerLength = parsePrefix(bytes.subarray(0, PREFIX_BYTES), file, format);
  if (bytes.length < PREFIX_BYTES + headerLength) throw new CacheFormatError(file, 'truncated', 'file ends inside the header', format.what);
  const header = parseHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength), file, format);
  const dataStart = PREFIX_BYTES + headerLength;
  const body = dataStart + header.dataBytes;
  if (bytes.length < body + 4) throw new CacheFormatError(file, 'truncated', `expected ${body + 4} bytes, found ${bytes.length}`, format.what);
  if (bytes.length > body + 4) throw new CacheFormatError(file, 'header', `file has ${bytes.length - body - 4} bytes after the checksum`, format.what);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + body, 4).getUint32(0, true);
  // The size check above makes `body` every byte but the last four, what `bodyChecksum` covers.
  const actual = bodyChecksum ?? new Murmur3().update(bytes.subarray(0, body)).digest();
  if (stored !== actual) throw new CacheFormatError(file, 'checksum', `stored ${hex(stored)}, computed ${hex(actual)}`, format.what);
  return { header, dataStart };
}

/** Bytes per element of a section's dtype. */
export function sectionElementBytes(dtype: SectionDType): number {
  return CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

/**
 * A section of a parsed container as a typed array over `bytes`: a zero-copy view when aligned,
 * a copy otherwise.
 */
export function sectionView(bytes: Uint8Array, parsed: ParsedContainer, s: SectionEntry): SectionArray {
  const ctor = CONSTRUCTORS[s.dtype];
  const start = parsed.dataStart + s.offset;
  const at = bytes.byteOffset + start;
  return at % ctor.BYTES_PER_ELEMENT === 0
    ? new ctor(bytes.buffer as ArrayBuffer, at, s.length)
    : new ctor(bytes.slice(start, start + s.length * ctor.BYTES_PER_ELEMENT).buffer);
}

/**
 * Reads a container from bytes (no file system). Sections are zero-copy views into `bytes` when
 * aligned, copies otherwise. Throws `CacheFormatError` for a foreign, newer, truncated or corrupted file.
 */
export function decodeContainer(bytes: Uint8Array, file = '<memory>', format: ContainerFormat = DATASET_FORMAT): { header: ContainerHeader; sections: Map<string, SectionArray> } {
  const parsed = parseContainer(bytes, file, format);
  const sections = new Map<string, SectionArray>();
  for (const s of parsed.header.sections) sections.set(s.name, sectionView(bytes, parsed, s));
  return { header: parsed.header, sections };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
