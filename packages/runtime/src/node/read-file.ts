import { open } from 'node:fs/promises';
import type { HostBackend } from '@lers/kernels';
import { readExactly } from '@lers/data/node';
import type { PlacedBytes } from '../source.js';

/**
 * Reads a model file straight into one u8 buffer of the backend (no copy on the JS heap): the file
 * is then used in place, its tables read where they lie. A file that changes size while being
 * read is an error naming it.
 */
export async function readFileInto(be: HostBackend, path: string): Promise<PlacedBytes> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = be.alloc('u8', size);
    try {
      // Nothing else allocates on this backend while the read runs, so the view stays valid.
      if (!(await readExactly(fh, be.view(bytes), 0))) throw new Error(`${path}: the file shrank while it was read`);
      return { bytes, name: path, byteLength: size };
    } catch (err) {
      be.free(bytes);
      throw err;
    }
  } finally {
    await fh.close();
  }
}
