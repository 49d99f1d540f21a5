import { writeAll, writeFileAtomic } from '../cache/atomic.js';
import { syntheticCriteoText, type SyntheticCriteoOptions } from './criteo-text.js';

/**
 * Writes a synthetic Criteo-shaped TSV of `options.rows` lines to `path` (atomically, streamed in
 * chunks: memory does not grow with the row count); returns the rows and bytes written.
 */
export async function writeSyntheticCriteo(path: string, options: SyntheticCriteoOptions): Promise<{ rows: number; bytes: number }> {
  let bytes = 0;
  await writeFileAtomic(path, async (fh) => {
    for (const chunk of syntheticCriteoText(options)) {
      await writeAll(fh, chunk);
      bytes += chunk.length;
    }
  });
  return { rows: options.rows, bytes };
}
