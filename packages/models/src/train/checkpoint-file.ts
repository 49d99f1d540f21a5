/**
 * Checkpoint files (Node only): written with @lers/data's atomic write, imported on first use so the
 * rest of the package stays usable in browsers.
 */

/**
 * Writes `bytes` to `path` atomically (a temporary file next to it, flushed, renamed over `path`),
 * so a crash leaves either the old checkpoint or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const { writeAll, writeFileAtomic: atomic } = await import('@lers/data/node');
  await atomic(path, (fh) => writeAll(fh, bytes));
}

/** The file's bytes, or null when it does not exist. */
export async function readFileIfExists(path: string): Promise<Uint8Array | null> {
  const fs = await import('node:fs/promises');
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
