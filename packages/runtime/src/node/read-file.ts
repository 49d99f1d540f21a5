import { open, readFile, type FileHandle } from 'node:fs/promises';
import { isHostBackend, type Backend } from '@lers/kernels';
import { Murmur3 } from '@lers/data';
import type { PlacedBytes } from '../source.js';

/**
 * Reads a model file into one u8 buffer of a host backend (through a small staging buffer, never a
 * copy of the whole file on the JS heap), hashing it on the way so that decoding does not read it
 * again: the file is then used in place, its tables read where they lie. For a backend without views
 * (WebGPU) it is read onto the JS heap, and its sections are uploaded as the tables load. A file
 * that changes size while being read is an error naming it.
 */
export async function readFileInto(be: Backend, path: string, stagingBytes = STAGING_BYTES): Promise<PlacedBytes> {
  if (!isHostBackend(be)) {
    const bytes = new Uint8Array(await readFile(path));
    return { resident: false, bytes, name: path, byteLength: bytes.length };
  }
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = be.alloc('u8', size);
    try {
      const bodyChecksum = await readHashing(fh, size, stagingBytes, (chunk, at) => {
        be.write(bytes, chunk, at);
      });
      if (bodyChecksum === null) throw new Error(`${path}: the file shrank while it was read`);
      return { resident: true, bytes, name: path, byteLength: size, ...(size >= 4 ? { bodyChecksum } : {}) };
    } catch (err) {
      be.free(bytes);
      throw err;
    }
  } finally {
    await fh.close();
  }
}

/** Bytes per read of `readHashing` by default: its staging buffer is this size, reused. */
const STAGING_BYTES = 1 << 20;

/**
 * Reads a file of `size` bytes in pieces through one staging buffer of `stagingBytes`, handing each piece to
 * `put` and hashing every byte but the last four (a container's checksum covers them) while the
 * piece is in cache; returns that hash, or null when the file ended early. Reading into a reused
 * buffer and copying is faster than reading into fresh memory and hashing it afterwards: a page
 * touched for the first time costs more than copying it (on virtual machines, several times more),
 * and then it is touched once, not twice.
 */
async function readHashing(fh: FileHandle, size: number, stagingBytes: number, put: (chunk: Uint8Array, at: number) => void): Promise<number | null> {
  const staging = new Uint8Array(Math.max(1, Math.min(stagingBytes, size)));
  const hash = new Murmur3();
  const hashed = size - 4;
  for (let at = 0; at < size; ) {
    const want = Math.min(staging.length, size - at);
    const { bytesRead } = await fh.read(staging, 0, want, at);
    if (bytesRead === 0) return null;
    const chunk = staging.subarray(0, bytesRead);
    if (at < hashed) hash.update(chunk.subarray(0, Math.min(bytesRead, hashed - at)));
    put(chunk, at);
    at += bytesRead;
  }
  return hash.digest();
}
