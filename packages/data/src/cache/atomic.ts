import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file atomically: `write` fills a temp file in the same directory, which is fsynced and
 * renamed over `path`. On any error the temp file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await write(fh);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

const MAX_IO = 1 << 30;

/** Writes all of `bytes` at the current position, in pieces of at most 1 GiB. */
export async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, Math.min(MAX_IO, bytes.length - at));
    at += bytesWritten;
  }
}

/** Fills `into` from the file at `position`; returns false when the file ends first. */
export async function readExactly(fh: FileHandle, into: Uint8Array, position: number): Promise<boolean> {
  for (let at = 0; at < into.length; ) {
    const { bytesRead } = await fh.read(into, at, Math.min(MAX_IO, into.length - at), position + at);
    if (bytesRead === 0) return false;
    at += bytesRead;
  }
  return true;
}
