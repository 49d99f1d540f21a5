/** Model files as commands read and write them: errors name the path, writes are atomic. */
import { stat } from 'node:fs/promises';
import type { ModelContents, ModelFile } from '@lers/embeddings';
import { readModelFile, writeModelFile } from '@lers/embeddings/node';
import { DataError } from './errors.js';

/** Reads a model file; a missing file or a directory is a data error naming the path. */
export async function openModelFile(path: string): Promise<ModelFile> {
  try {
    return await readModelFile(path);
  } catch (err) {
    throw fileError(err, path);
  }
}

/** The data error for a path that is missing or a directory (other errors pass through). */
export function fileError(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new DataError(`${path}: no such model file`);
  if (e.code === 'EISDIR') return new DataError(`${path}: is a directory, not a model file`);
  return err;
}

/** Writes a model file atomically; returns its size in bytes. */
export async function writeModel(path: string, contents: ModelContents): Promise<number> {
  await writeModelFile(path, contents);
  return (await stat(path)).size;
}
