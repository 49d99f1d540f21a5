import { open, readFile } from 'node:fs/promises';
import { isHostBackend, type Backend } from '@lers/kernels';
import { readExactly } from '@lers/data/node';
import type { PlacedBytes } from '../source.js';

/**
 * Reads a model file straight into one u8 buffer of a host backend (no copy on the JS heap): the
 * file is then used in place, its tables read where they lie. For a backend without views
 * (WebGPU) it is read onto the JS heap, and its sections are uploaded as the tables load. A file
 * that changes size while being read is an error naming it.
 */
export async function readFileInto(be: Backend, path: string): Promise<PlacedBytes> {
  if (!isHostBackend(be)) {
    const bytes = new Uint8Array(await readFile(path));
    return { resident: false, bytes, name: path, byteLength: bytes.length };
  }
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = be.alloc('u8', size);
    try {
      // Nothing else allocates on this backend while the read runs, so the view stays valid.
      if (!(await readExactly(fh, be.view(bytes), 0))) throw new Error(`${path}: the file shrank while it was read`);
      return { resident: true, bytes, name: path, byteLength: size };
    } catch (err) {
      be.free(bytes);
      throw err;
    }
  } finally {
    await fh.close();
  }
}
