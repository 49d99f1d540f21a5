import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { writeAll, writeFileAtomic } from '../cache/atomic.js';
import { LersDataError } from '../errors.js';
import { crc32 } from '../util/crc32.js';

/** One member of a zip archive, from its central directory. */
export interface ZipMember {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** Lists the members of a zip file (no zip64: MovieLens archives are far below 4 GiB). */
export async function listZip(path: string): Promise<ZipMember[]> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await fh.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let k = tailLength - 22; k >= 0; k--) {
      if (tail.readUInt32LE(k) === EOCD_SIGNATURE) {
        eocd = k;
        break;
      }
    }
    if (eocd < 0) throw new LersDataError(`${path}: not a zip file (no end of central directory)`);
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    const dir = Buffer.alloc(dirSize);
    await fh.read(dir, 0, dirSize, dirOffset);
    const members: ZipMember[] = [];
    let at = 0;
    for (let k = 0; k < count; k++) {
      if (dir.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new LersDataError(`${path}: corrupt zip central directory`);
      const nameLength = dir.readUInt16LE(at + 28);
      const extraLength = dir.readUInt16LE(at + 30);
      const commentLength = dir.readUInt16LE(at + 32);
      members.push({
        name: dir.toString('utf8', at + 46, at + 46 + nameLength),
        method: dir.readUInt16LE(at + 10),
        crc32: dir.readUInt32LE(at + 16),
        compressedSize: dir.readUInt32LE(at + 20),
        size: dir.readUInt32LE(at + 24),
        localHeaderOffset: dir.readUInt32LE(at + 42),
      });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return members;
  } finally {
    await fh.close();
  }
}

/**
 * Extracts one member (stored or deflated) of a zip file to `dest`, atomically, checking its
 * size and CRC-32.
 */
export async function extractZipMember(path: string, member: string, dest: string): Promise<void> {
  const entry = (await listZip(path)).find((m) => m.name === member);
  if (!entry) throw new LersDataError(`${path}: no member "${member}"`);
  if (entry.method !== 0 && entry.method !== 8) throw new LersDataError(`${path}: member "${member}" uses unsupported compression ${entry.method}`);
  const src = await open(path, 'r');
  try {
    const local = Buffer.alloc(30);
    await src.read(local, 0, 30, entry.localHeaderOffset);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new LersDataError(`${path}: corrupt local header for "${member}"`);
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = src.createReadStream({ start: dataStart, end: dataStart + entry.compressedSize - 1, autoClose: false });
    await writeFileAtomic(dest, async (out) => {
      let crc = 0;
      let size = 0;
      const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
        for await (const chunk of chunks) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          await writeAll(out, chunk);
        }
      };
      if (entry.method === 8) await pipeline(raw, createInflateRaw(), sink);
      else await pipeline(raw as Readable, sink);
      if (size !== entry.size || crc !== entry.crc32) throw new LersDataError(`${path}: member "${member}" is corrupt (size or CRC-32 mismatch)`);
    });
  } finally {
    await src.close();
  }
}
