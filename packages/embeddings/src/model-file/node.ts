/** Model files on disk (Node only): atomic writes, reads with the file name in every error. */
import { readFile } from 'node:fs/promises';
import { writeAll, writeFileAtomic } from '@lers/data/node';
import { decodeModelFile, encodeModelFile, type ModelContents, type ModelFile } from './format.js';

/** Writes a model file atomically (temp file, fsync, rename): a crash never leaves half a file. */
export async function writeModelFile(path: string, contents: ModelContents): Promise<void> {
  const bytes = encodeModelFile(contents);
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}

/** Reads and validates a model file. */
export async function readModelFile(path: string): Promise<ModelFile> {
  const data = await readFile(path);
  return decodeModelFile(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), path);
}
