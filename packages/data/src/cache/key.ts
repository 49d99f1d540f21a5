import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CREATED_BY, cacheKeyMaterial, type JsonObject, type SourceFile } from '../manifest.js';
import { CACHE_VERSION } from './container.js';

/** sha256 (hex) of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The cache key of a dataset: sha256 of the sources' sha256s, the preprocessing parameters, the
 * container version and the package version (a preprocessing change ships with a new version).
 */
export async function datasetCacheKey(sources: readonly string[], params: JsonObject): Promise<{ key: string; sources: SourceFile[] }> {
  const files: SourceFile[] = [];
  for (const path of sources) files.push({ path, bytes: (await stat(path)).size, sha256: await sha256File(path) });
  const material = cacheKeyMaterial(
    files.map((f) => f.sha256),
    { ...params, createdBy: CREATED_BY },
    CACHE_VERSION,
  );
  return { key: createHash('sha256').update(material).digest('hex'), sources: files };
}

/** The lers cache directory: `$LERS_CACHE_DIR`, else `$XDG_CACHE_HOME/lers`, else `~/.cache/lers`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LERS_CACHE_DIR) return env.LERS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lers');
}
