import { open } from 'node:fs/promises';
import { CacheFormatError } from '../errors.js';
import { Murmur3 } from './checksum.js';
import {
  allocSection,
  forEachContainerPiece,
  layoutContainer,
  parseHeader,
  parsePrefix,
  PREFIX_BYTES,
  sectionBytes,
  type ContainerHeader,
  type SectionArray,
} from './container.js';
import { cacheKeyOf, datasetFromSections, datasetToSections, type Dataset } from './dataset-codec.js';
import { readExactly, writeAll, writeFileAtomic } from './atomic.js';

/**
 * Saves a dataset as one binary container file, atomically, streaming each typed array to disk
 * (no full in-memory copy, so multi-GB datasets work). Returns the file size.
 */
export async function writeDatasetFile(path: string, ds: Dataset, cacheKey: string | null = null): Promise<number> {
  const { meta, sections } = datasetToSections(ds, cacheKey);
  const { head, header } = layoutContainer(meta, sections);
  const pieces: Uint8Array[] = [];
  forEachContainerPiece(head, header, sections, (piece) => pieces.push(piece));
  await writeFileAtomic(path, async (fh) => {
    for (const piece of pieces) await writeAll(fh, piece);
  });
  return head.length + header.dataBytes + 4;
}

/** Reads just the JSON header of a container file (manifest, cache key, section table). */
export async function readDatasetHeader(path: string): Promise<ContainerHeader> {
  const fh = await open(path, 'r');
  try {
    const prefix = new Uint8Array(PREFIX_BYTES);
    if (!(await readExactly(fh, prefix, 0))) throw new CacheFormatError(path, 'truncated', 'file ends inside the prefix');
    const json = new Uint8Array(parsePrefix(prefix, path));
    if (!(await readExactly(fh, json, PREFIX_BYTES))) throw new CacheFormatError(path, 'truncated', 'file ends inside the header');
    return parseHeader(json, path);
  } finally {
    await fh.close();
  }
}

/**
 * Loads a dataset file written by `writeDatasetFile`: each section is read straight into its own
 * typed array and the checksum is verified on the way. Throws `CacheFormatError` for a foreign,
 * newer, truncated or corrupted file.
 */
export async function readDatasetFile(path: string): Promise<{ dataset: Dataset; cacheKey: string | null }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const prefix = new Uint8Array(PREFIX_BYTES);
    if (!(await readExactly(fh, prefix, 0))) throw new CacheFormatError(path, 'truncated', `only ${size} bytes`);
    const json = new Uint8Array(parsePrefix(prefix, path));
    if (!(await readExactly(fh, json, PREFIX_BYTES))) throw new CacheFormatError(path, 'truncated', 'file ends inside the header');
    const header = parseHeader(json, path);
    const dataStart = PREFIX_BYTES + json.length;
    const expected = dataStart + header.dataBytes + 4;
    if (size < expected) throw new CacheFormatError(path, 'truncated', `expected ${expected} bytes, found ${size}`);
    if (size > expected) throw new CacheFormatError(path, 'header', `file has ${size - expected} bytes after the checksum`);

    const hash = new Murmur3().update(prefix).update(json);
    const sections = new Map<string, SectionArray>();
    let dataAt = 0;
    const skipTo = async (offset: number): Promise<void> => {
      if (offset < dataAt) throw new CacheFormatError(path, 'header', 'sections overlap');
      const gap = new Uint8Array(offset - dataAt);
      await readExactly(fh, gap, dataStart + dataAt);
      hash.update(gap);
      dataAt = offset;
    };
    for (const s of [...header.sections].sort((a, b) => a.offset - b.offset)) {
      await skipTo(s.offset);
      const data = allocSection(s.dtype, s.length);
      const bytes = sectionBytes(data);
      await readExactly(fh, bytes, dataStart + s.offset);
      hash.update(bytes);
      dataAt += bytes.length;
      sections.set(s.name, data);
    }
    await skipTo(header.dataBytes);
    const trailer = new Uint8Array(4);
    await readExactly(fh, trailer, dataStart + header.dataBytes);
    const stored = new DataView(trailer.buffer).getUint32(0, true);
    const actual = hash.digest();
    if (stored !== actual) throw new CacheFormatError(path, 'checksum', `stored ${stored.toString(16)}, computed ${actual.toString(16)}`);
    return { dataset: datasetFromSections(header, sections, path), cacheKey: cacheKeyOf(header) };
  } finally {
    await fh.close();
  }
}
